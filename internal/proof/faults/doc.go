// Package faults is the fault matrix of the signing service (issue 7): a
// whole signing task, driven through the service's steps by walking
// statemachine/signing.asl.json (machine_test.go: its Choice rules, Maps,
// Next and Catch decide the order), with one fault injected at one side-effect
// boundary of one step per run. After the retries every delegation, message,
// notification order, sign document, receipt and signing PDF exists exactly
// once and the task reaches its outcome.
//
// The tests are in matrix_test.go; this file only documents the model.
//
// Boundaries (the matrix's rows) are "Step / call": every platform call the
// step makes (register lookups, storage reads and creates, access delegate
// and revoke, correspondence send with its email/SMS notification, Storage's
// sign), every Step Functions callback and every repository write (create task, set
// execution, update signee, record signature, take pending, close,
// complete). A calibration run of each flow finds them, so a new call in a
// step becomes a new row without editing the test.
//
// Faults (the columns), at up to three positions each:
//
//	position            platform call / callback                  repository write
//	before the effect   the call does not take effect              the write does not happen
//	after the effect    it took effect, the caller sees an error   the write happened, the caller sees an error
//	after the state     it took effect, and the process dies right  (the write is the state write:
//	write               after the step's next repository write      "after the effect" covers it)
//
//	transient  platform: the emulator answers 503, or 429 with Retry-After
//	           (before); a 503 after the effect.
//	           Repository: InternalServerError (wraps signing.ErrTransient).
//	timeout    platform: the emulator sleeps past the client's timeout
//	           (before: the emulator processes nothing); after the effect, a
//	           client timeout. Repository: context.DeadlineExceeded.
//	crash      the step's process dies at that point: from then on nothing
//	           it does reaches the world (every call fails without effect)
//	           and its result is lost. A panic would model it too, but a
//	           panic in the service's errgroup workers cannot be recovered.
//	throttle   DynamoDB throttling (ProvisionedThroughputExceededException,
//	           wraps signing.ErrTransient), through memrepo.Err before the
//	           write and a wrapper after it. Repository rows only.
//
// At "after the state write" the three platform kinds look the same from
// outside: the step's invocation is lost after its state write, whether the
// Lambda crashed, timed out or its answer was lost.
//
// The driver retries a failed step as the state machine's Retry does: a
// Signing.Transient error, and a crash (Step Functions sees a killed process
// as Runtime.ExitError, a timed-out one as Sandbox.Timedout; both are in
// every Lambda Task's Retry), at most 5 attempts per Task. API operations
// (sign, reject, complete) are retried as a client retries a 503 or a lost
// answer; a retry answered with 409 is accepted when the first attempt took
// effect.
//
// The event publisher and the webhook dispatcher have rows of their own
// (events_test.go): Publish / repo.GetTask, repo.GetSignee, bus.put (and a
// refusal kept in the dead-letter queue, dlq.keep faulted too), Deliver /
// secrets.read, webhook.post, queue.retry, queue.deadLetter, with the
// stream and SQS handing records and messages again as they do. Every
// event of a whole founders task reaches the bus and the webhook receiver
// (after a replay of what was dead-lettered), nothing else does, and each
// id always carries the same event.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package faults
