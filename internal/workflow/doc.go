// Package workflow is the Step Functions adapter: it resumes and fails the
// state machine's waiting steps by task token (signing.Workflow), and it
// starts the execution that runs one signing task from the process engine's
// versioned input (Input, schema/execution-input.v1.json).
//
// Executions are named deterministically from instance, task and attempt
// (ExecutionName), so starting the same task twice is harmless: the second
// start returns the first execution's ARN.
package workflow
