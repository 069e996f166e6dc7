package faults_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
)

// logs receives every log line of the package's tests: the emulator's
// request log, the steps' failure lines (stepfn.Fail) and the raw errors.
var logs proof.Sink

func TestMain(m *testing.M) {
	slog.SetDefault(logs.Logger())
	code := m.Run()
	if leaks := proof.Leaks(logs.String(), proof.FixtureNationalIDs...); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the logs of the fault matrix hold national IDs:\n%s\n", strings.Join(leaks, "\n"))
		code = 1
	}
	os.Exit(code)
}

// row is one boundary of one step, and the flows that reach it.
type row struct {
	step, boundary string
	flows          []flow
	// calls is how often each flow calls the boundary in the step.
	calls map[flow]int
}

func (r row) String() string { return r.step + " / " + r.boundary }

// wantBoundaries are the boundaries the calibration must find; more may come.
var wantBoundaries = []string{
	"Start / storage.getInstance", "Start / storage.readData", "Start / register.lookupPerson",
	"Start / register.lookupOrganisation", "Start / repo.CreateTask", "Start / repo.SetExecution",
	"Delegate / access.delegate", "Delegate / repo.UpdateSignee",
	"Notify / register.getParty", "Notify / correspondence.send", "Notify / repo.UpdateSignee",
	"Collect / repo.TakePending",
	"Sign / storage.getInstance", "Sign / storage.readData", "Sign / authorization.decide",
	"Sign / storage.sign", "Sign / repo.RecordSignature", "Sign / workflow.resume",
	"SendReceipt / register.getParty", "SendReceipt / storage.readData",
	"SendReceipt / correspondence.send", "SendReceipt / repo.UpdateSignee",
	"Complete / repo.Complete", "Complete / workflow.resume",
	"Finalize / storage.getInstance", "Finalize / storage.readData", "Finalize / storage.createData", "Finalize / access.revoke",
	"Reject / repo.Close", "Reject / workflow.fail",
	"Finish / repo.Close", "Finish / access.revoke",
	"Finish / correspondence.send", "Finish / repo.UpdateSignee",
	"Remind / correspondence.send", "Remind / repo.ChangeSignee",
	"Release / access.revoke", "Release / correspondence.send", "Release / repo.UpdateSignee",
	"Replace / register.lookupPerson", "Replace / repo.ReplaceSignee", "Replace / workflow.resume",
}

// calibrate runs each flow without a fault and returns the boundaries
// they reach, in the order first reached, and the invocations each flow
// takes without a fault.
func calibrate(t *testing.T) ([]row, map[flow]int) {
	t.Helper()
	var rows []row
	index := map[string]int{}
	clean := map[flow]int{}
	for _, f := range flows {
		t.Run("clean_"+string(f), func(t *testing.T) {
			r := runFlow(t, f, nil)
			clean[f] = r.attempts
			for _, b := range r.w.Boundaries() {
				rw := row{step: b[0], boundary: b[1], calls: map[flow]int{}}
				i, ok := index[rw.String()]
				if !ok {
					i = len(rows)
					index[rw.String()] = i
					rows = append(rows, rw)
				}
				rows[i].flows = append(rows[i].flows, f)
				rows[i].calls[f] = r.w.Calls(b[0], b[1])
			}
		})
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, want := range wantBoundaries {
		if _, ok := index[want]; !ok {
			t.Errorf("the flows no longer reach %s", want)
		}
	}
	return rows, clean
}

// sharedPrefix reports whether a call in the reject flow is one the sign
// flow makes too, at the same point with the same state: the flows are the
// same until Ola's signature, so those calls are faulted in the sign flow only.
func sharedPrefix(f flow, step string, nth int) bool {
	if f == remindFlow {
		// The same as the sign flow but for the reminder round: only that
		// round's Collect and the reminders are faulted here.
		return !(step == "Remind" || (step == "Collect" && nth == 2))
	}
	if f == replaceFlow {
		// The same as the sign flow until the replacement: Per's delegation,
		// notification and signature, the replacement and the rounds after
		// it are faulted here.
		switch step {
		case "Start":
			return true
		case "Delegate", "Notify":
			return nth <= 2
		case "Collect":
			return nth == 1
		}
		return false
	}
	if f == twoOfThreeFlow {
		// The same as the sign flow until the second signature: its Collect,
		// the releases and what follows are faulted here.
		switch step {
		case "Start", "Delegate", "Notify":
			return true
		case "Collect", "Sign":
			return nth == 1
		}
		return false
	}
	if f != rejectFlow {
		return false
	}
	switch step {
	case "Start", "Delegate", "Notify":
		return true
	case "Collect", "Sign":
		return nth == 1
	}
	return false
}

// workers is how many runs go at once.
func workers() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// testName is a subtest name without spaces or slashes.
func testName(f flow, v fault, last bool) string {
	pos := string(v.pos)
	if v.status != 0 {
		pos += fmt.Sprintf("_%d", v.status)
	}
	which := "first"
	if last {
		which = "last"
	}
	return strings.ToLower(fmt.Sprintf("%s_%s_%s_%s_call_%s_%s", f, v.step, strings.ReplaceAll(v.boundary, ".", "_"), which, v.kind, pos))
}

// occurrences are the calls of a boundary a fault strikes: the first and,
// when the step calls it more than once (another signee, another document),
// the last.
func occurrences(calls int) []int {
	if calls > 1 {
		return []int{1, calls}
	}
	return []int{1}
}

// TestFaultMatrix injects every fault at every side-effect boundary of
// every step of both flows, one per run, and checks that after the retries
// every effect exists exactly once and the task reaches its outcome.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	start := time.Now()
	rows, clean := calibrate(t)
	var retries atomic.Int64
	cols := make([]string, len(kinds))
	for i, k := range kinds {
		cols[i] = string(k)
	}
	m := proof.NewMatrix("Fault matrix: runs that ended with every effect exactly once and the right outcome (pass/total).\n"+
		"Rows: step / boundary. Columns: fault kinds; each cell counts the positions (before the effect, after it,\n"+
		"after the step's state write), variants (503, 429) and calls (the first, and the last when the step makes\n"+
		"several) over the flows that reach the row (sign; reject from Ola's signature on, where the flows part).\n"+
		"A read has no effect, so its faults strike before it and after the step's state write only.", cols...)
	type job struct {
		name string
		row  row
		flow flow
		plan fault
	}
	var jobs []job
	for _, rw := range rows {
		m.Row(rw.String())
		for _, f := range rw.flows {
			for _, nth := range occurrences(rw.calls[f]) {
				if sharedPrefix(f, rw.step, nth) {
					continue
				}
				for _, v := range variants(rw.step, rw.boundary, nth) {
					jobs = append(jobs, job{name: testName(f, v, nth > 1), row: rw, flow: f, plan: v})
				}
			}
		}
	}
	// The runs wait on HTTP and on timeouts more than they compute, so they
	// run on more goroutines than -parallel would allow; t.Run may be called
	// from several goroutines at once.
	t.Run("faults", func(t *testing.T) {
		queue := make(chan job)
		var wg sync.WaitGroup
		for range workers() {
			wg.Go(func() {
				for j := range queue {
					t.Run(j.name, func(t *testing.T) {
						defer func() { m.Add(j.row.String(), string(j.plan.kind), !t.Failed()) }()
						r := runFlow(t, j.flow, &j.plan)
						retries.Add(int64(r.attempts - clean[j.flow]))
					})
				}
			})
		}
		for _, j := range jobs {
			queue <- j
		}
		close(queue)
		wg.Wait()
	})
	leaks := proof.Leaks(logs.String(), proof.FixtureNationalIDs...)
	if len(leaks) > 0 {
		t.Errorf("the logs hold national IDs:\n%s", strings.Join(leaks, "\n"))
	}
	if logs.Lines() == 0 {
		t.Error("nothing was logged; the log scan proves nothing")
	}
	pass, total := m.Totals()
	report := m.String() + fmt.Sprintf("\n%d/%d runs passed in %s (%d rows; %d workers; client timeout %s in the runs with a timeout on the wire,\n"+
		"%s in the others). The faults cost %d invocations of steps and API calls beyond the clean flows' %d (sign) and %d (reject).\n"+
		"%d log lines scanned (emulator requests, step failures, raw errors), %d national IDs found.\n",
		pass, total, time.Since(start).Round(time.Second), len(rows), workers(), shortTimeout, longTimeout, retries.Load(), clean[signFlow], clean[rejectFlow],
		logs.Lines(), len(leaks))
	t.Log("\n" + report)
	if path := proof.WriteReport(t, "fault-matrix.txt", report); path != "" {
		t.Logf("wrote %s", path)
	}
}

// TestRun_verify is the matrix's negative control: a clean run passes the
// checks, and each duplicate or leftover planted after it is caught.
func TestRun_verify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		flow   flow
		tamper func(t *testing.T, r *run)
		want   string
	}{
		{name: "clean_sign", flow: signFlow},
		{name: "clean_reject", flow: rejectFlow},
		{
			name: "second_call_to_action", flow: signFlow,
			tamper: func(t *testing.T, r *run) {
				msg := signing.Message{IdempotencyKey: "cta:" + task.InstanceGUID + ":SigningTask:again", Resource: "ttd-founders-correspondence-test",
					SendersReference: signingtest.FoundersInstance.InstanceID(), Recipient: signing.Recipient{Person: signingtest.Ola(t).Person}, Language: "nb", Title: "t", Summary: "s", Body: "b"}
				if _, err := r.clients.Correspondence.Send(ctx, msg); err != nil {
					t.Fatal(err)
				}
			},
			want: "cta messages = 4, want 3",
		},
		{
			name: "second_notification_order", flow: rejectFlow,
			tamper: func(t *testing.T, r *run) {
				msg := signing.Message{IdempotencyKey: "notice:" + task.InstanceGUID, Resource: "ttd-founders-correspondence-test",
					SendersReference: signingtest.FoundersInstance.InstanceID(), Recipient: signing.Recipient{Person: signingtest.Ola(t).Person},
					Language: "nb", Title: "t", Summary: "s", Body: "b",
					Notification: &signing.NotificationOrder{Choice: signing.NotifyEmail, EmailAddress: "ola@example.no", EmailSubject: "s", EmailBody: "b"}}
				if _, err := r.clients.Correspondence.Send(ctx, msg); err != nil {
					t.Fatal(err)
				}
			},
			want: "notification orders = 4, want 3",
		},
		{
			name: "second_sign_document", flow: signFlow,
			tamper: func(t *testing.T, r *run) {
				el := signing.NewDataElement{DataType: r.cfg.SignatureDataType, ContentType: "application/json", IdempotencyKey: "signature:again", Body: []byte("{}")}
				if _, err := r.clients.Storage.CreateData(ctx, signingtest.FoundersInstance, el); err != nil {
					t.Fatal(err)
				}
			},
			want: "sign documents = 4, PDFs = 1, want 3 and 1",
		},
		{
			name: "right_left_in_force", flow: signFlow,
			tamper: func(t *testing.T, r *run) {
				d := signing.Delegation{Instance: signingtest.FoundersInstance, TaskID: task.TaskID, FromPartyUUID: signingtest.KariUUID, ToPartyUUID: signingtest.OlaUUID, Actions: []string{"read"}}
				if err := r.clients.Access.Delegate(ctx, d); err != nil {
					t.Fatal(err)
				}
			},
			want: "rights in force at the end = 1, want 0 (all revoked)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRun(t, nil)
			outcome, delegated, err := r.drive(ctx, tt.flow)
			if tt.tamper != nil {
				tt.tamper(t, r)
			}
			got := r.verify(tt.flow, outcome, delegated, err)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("verify() = %q, want no problems", got)
			case tt.want != "" && !slices.Contains(got, tt.want):
				t.Errorf("verify() = %q, want %q among them", got, tt.want)
			}
		})
	}
}

// TestDriver_retriesAsTheStateMachine checks the driver's model against
// statemachine/signing.asl.json: every Lambda Task retries what the driver
// retries (Signing.Transient; a crashed or timed-out process) at least as
// often.
func TestDriver_retriesAsTheStateMachine(t *testing.T) {
	t.Parallel()
	def, _, err := asl.Load(filepath.Join(signingtest.ModuleRoot(t), asl.Path))
	if err != nil {
		t.Fatal(err)
	}
	invoked := map[string]bool{}
	def.Walk(func(scope, name string, s asl.State) {
		if s.Type != "Task" || s.Resource != asl.LambdaInvoke {
			return
		}
		invoked[s.Function()] = true
		for _, e := range []string{stepfn.ErrorTransient, "Runtime.ExitError", "Sandbox.Timedout"} {
			i := slices.IndexFunc(s.Retry, func(r asl.Retrier) bool { return slices.Contains(r.ErrorEquals, e) })
			switch {
			case i < 0:
				t.Errorf("%s: does not retry %s; the fault matrix assumes it does", name, e)
			case s.Retry[i].MaxAttempts == nil || *s.Retry[i].MaxAttempts < maxAttempts-1:
				t.Errorf("%s: retries %s fewer than %d times; the fault matrix assumes %d attempts", name, e, maxAttempts-1, maxAttempts)
			}
		}
	})
	for fn := range steps {
		switch fn {
		case remindStep:
			fn = "NotifySignee" // with a reminder time
		case releaseStep:
			fn = "HandleReject" // with a signee
		}
		if !invoked[fn] {
			t.Errorf("no Lambda Task invokes %s, for which the driver has a step", fn)
		}
	}
}
