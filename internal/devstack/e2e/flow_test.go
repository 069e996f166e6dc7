package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/devstack/edge"
	"github.com/signingflow/signing/internal/devstack/funchost"
	"github.com/signingflow/signing/internal/devstack/scenario"
)

// started starts r and waits until every signee is delegated and told.
func started(t *testing.T, r *scenario.Run) {
	t.Helper()
	if _, err := r.Start(within(t, 30*time.Second)); err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	delegatedAndTold(t, r)
}

// delegatedAndTold waits until every signee is delegated and told.
func delegatedAndTold(t *testing.T, r *scenario.Run) {
	t.Helper()
	kari, ola, company := scenario.Founders(fixture)
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		told := map[string]bool{}
		for _, m := range r.Messages() {
			told[m.RecipientPartyUUID] = true
		}
		delegated := map[string]bool{}
		for _, d := range r.Delegations() {
			if d.Action == "sign" {
				delegated[d.To] = true
			}
		}
		return told[kari.PartyUUID] && told[ola.PartyUUID] && told[company.PartyUUID] &&
			delegated[ola.PartyUUID] && delegated[company.PartyUUID], nil
	})
	if err != nil {
		t.Fatalf("signees not delegated and told: %v (delegations %d, messages %d)", err, len(r.Delegations()), len(r.Messages()))
	}
}

func sign(t *testing.T, r *scenario.Run, p scenario.Party, onBehalfOf string, want int) {
	t.Helper()
	resp, err := r.Sign(within(t, 30*time.Second), p, onBehalfOf)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != want {
		t.Fatalf("sign as %s (on behalf of %q) = %s, want %d", p.Name, onBehalfOf, resp, want)
	}
}

// killOnResponse has the host kill fn's process right after its next
// response to an event about r's instance (one naming its GUID; another
// test's work is not hit), and returns fn's statistics before.
func killOnResponse(t *testing.T, r *scenario.Run, fn string) funchost.Stats {
	t.Helper()
	if err := r.Stack.Host.KillOnResponseMatching(fn, r.Instance.InstanceGUID, 1); err != nil {
		t.Fatal(err)
	}
	before, _ := r.Stack.Host.Stats(fn)
	return before
}

// reject rejects the task as the owner.
func reject(t *testing.T, r *scenario.Run, owner scenario.Party) {
	t.Helper()
	resp, err := r.Reject(within(t, 30*time.Second), owner)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("reject = %s %v, want 200", resp, err)
	}
}

// complete submits as the owner, waiting while signatures are still being recorded.
func complete(t *testing.T, r *scenario.Run, owner scenario.Party) {
	t.Helper()
	var last scenario.Response
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		resp, err := r.Complete(context.Background(), owner)
		last = resp
		return err == nil && (resp.Status == http.StatusOK || resp.Status == http.StatusAccepted), err
	})
	if err != nil {
		t.Fatalf("complete: %v (last answer %s)", err, last)
	}
}

func outcome(t *testing.T, r *scenario.Run, want string) {
	t.Helper()
	status, got, err := r.Outcome(within(t, 60*time.Second))
	if err != nil {
		t.Fatalf("the execution did not end: %v", err)
	}
	if status != sfntypes.ExecutionStatusSucceeded || got != want {
		t.Fatalf("execution = %s %q, want SUCCEEDED %q", status, got, want)
	}
}

// receipts counts the receipts (messages with the signed documents) per recipient.
func receipts(r *scenario.Run) map[string]int { return scenario.Receipts(r.Messages()) }

func dataOfType(r *scenario.Run, typ string) int {
	n := 0
	for _, d := range r.Data() {
		if d.DataType == typ {
			n++
		}
	}
	return n
}

// settle gives retries and redeliveries time to show up before counting.
func settle() { time.Sleep(1500 * time.Millisecond) }

func TestFlow_allSigneesSign(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()

	if got := dataOfType(r, r.Input.Config.SignatureDataType); got != 3 {
		t.Errorf("%d %s data elements, want 3 (one per signature)", got, r.Input.Config.SignatureDataType)
	}
	if got := dataOfType(r, r.Input.Config.SigningPDFDataType); got != 1 {
		t.Errorf("%d signing PDFs, want 1", got)
	}
	want := map[string]int{kari.PartyUUID: 2, ola.PartyUUID: 1}
	got := receipts(r)
	for uuid, n := range want {
		if got[uuid] != n {
			t.Errorf("receipts = %v, want %v (one per signature)", got, want)
			break
		}
	}
	// A signature after the end is refused.
	resp, err := r.Sign(within(t, 10*time.Second), ola, "")
	if err != nil || resp.Status < 400 {
		t.Errorf("sign after completion = %s %v, want it refused", resp, err)
	}
}

func TestFlow_organisationSignee(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	// Ola holds no signing role for the company (MEDL); Kari does (DAGL).
	sign(t, r, ola, company.OrgNumber, http.StatusForbidden)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	resp, err := r.State(within(t, 10*time.Second), kari)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("signing state = %s %v", resp, err)
	}
	if !strings.Contains(string(resp.Body), company.Name) {
		t.Errorf("signing state %s does not name %s", resp.Body, company.Name)
	}
	sign(t, r, ola, "", http.StatusOK)
	sign(t, r, kari, "", http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
}

func TestFlow_rejectInTheMiddle(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	reject(t, r, kari)
	outcome(t, r, "rejected")
	if left := r.Delegations(); len(left) != 0 {
		t.Errorf("%d delegations left after reject, want every one revoked", len(left))
	}
	// Signees who had not signed are told it is cancelled; those who had get their receipt.
	told := map[string]bool{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "cancel:") {
			told[m.RecipientPartyUUID] = true
		}
	}
	for _, p := range []scenario.Party{kari, company} {
		if !told[p.PartyUUID] {
			t.Errorf("%s was not told of the reject", p.Name)
		}
	}
	settle()
	if got := receipts(r); got[ola.PartyUUID] != 1 || told[ola.PartyUUID] {
		t.Errorf("Ola, who had signed: receipts %v, told of the cancellation %v; want one receipt, no cancellation", got, told[ola.PartyUUID])
	}
	resp, err := r.Sign(within(t, 10*time.Second), kari, company.OrgNumber)
	if err != nil || resp.Status < 400 {
		t.Errorf("sign after reject = %s %v, want it refused", resp, err)
	}
}

func TestFlow_deadlineExpires(t *testing.T) {
	r := newRun(t)
	_, ola, _ := scenario.Founders(fixture)
	r.Input.Deadline = time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	started(t, r)
	sign(t, r, ola, "", http.StatusOK)
	outcome(t, r, "expired")
	if left := r.Delegations(); len(left) != 0 {
		t.Errorf("%d delegations left after expiry, want every one revoked", len(left))
	}
}

// waiting waits until the execution has stored its wait token on the task
// item (Wait For Signature), so a signature now sends a wake-up.
func waiting(t *testing.T, r *scenario.Run) {
	t.Helper()
	sm := r.Stack.Def.StateMachines[0]
	subs := sm.Substitutions
	key := map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: strings.ReplaceAll(subs["TaskPKFormat"], "{}", r.Instance.InstanceGUID)},
		"SK": &ddbtypes.AttributeValueMemberS{Value: strings.ReplaceAll(subs["TaskSKFormat"], "{}", r.Input.TaskID)},
	}
	db := dynamodb.NewFromConfig(r.Stack.AWSConfig())
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(subs["SigningTableName"]), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return false, err
		}
		tok, ok := out.Item[subs["WaitTokenAttribute"]].(*ddbtypes.AttributeValueMemberS)
		return ok && tok.Value != "", nil
	})
	if err != nil {
		t.Fatalf("the execution did not store its wait token: %v", err)
	}
}

// TestFlow_lostWakeUp drops the first SendTaskSuccess at the edge: the API
// believes it woke the execution, which wakes up by its wait's timeout
// instead. Nobody else signs until Ola's signature is collected (her
// receipt is sent), so no other wake-up can have done it: the edge sees no
// further SendTaskSuccess, and the history shows Wait For Signature timing out.
func TestFlow_lostWakeUp(t *testing.T) {
	r := newRun(t)
	kari, ola, company := scenario.Founders(fixture)
	started(t, r)
	waiting(t, r)
	e := r.Stack.Edge
	e.InjectFault(edge.Fault{Service: edge.ServiceStates, Operation: "SendTaskSuccess", Drop: true})
	t.Cleanup(e.ClearFaults)
	before := e.Calls(edge.ServiceStates, "SendTaskSuccess")
	sign(t, r, ola, "", http.StatusOK)
	if n := e.PendingFaults(); n != 0 {
		t.Fatalf("the wake-up was not sent (fault pending: %d); the test proves nothing", n)
	}
	sent := e.Calls(edge.ServiceStates, "SendTaskSuccess")
	if sent != before+1 {
		t.Fatalf("%d SendTaskSuccess calls for one signature, want 1 (the dropped one)", sent-before)
	}
	if err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		return receipts(r)[ola.PartyUUID] == 1, nil
	}); err != nil {
		t.Fatalf("Ola's signature was not collected after the lost wake-up: %v (receipts %v)", err, receipts(r))
	}
	if n := e.Calls(edge.ServiceStates, "SendTaskSuccess"); n != sent {
		t.Fatalf("%d more SendTaskSuccess calls reached the edge; the wait's timeout did not prove itself", n-sent)
	}
	if !timedOut(t, r, "Wait For Signature") {
		t.Fatal("the execution's history has no TaskTimedOut in Wait For Signature")
	}
	sign(t, r, kari, "", http.StatusOK)
	sign(t, r, kari, company.OrgNumber, http.StatusOK)
	complete(t, r, kari)
	outcome(t, r, "signed")
	settle()
	if got := receipts(r); got[ola.PartyUUID] != 1 {
		t.Errorf("receipts = %v, want exactly one for Ola", got)
	}
}

// timedOut reports whether r's execution history has a TaskTimedOut event
// in the state named state.
func timedOut(t *testing.T, r *scenario.Run, state string) bool {
	t.Helper()
	client := sfn.NewFromConfig(r.Stack.AWSConfig())
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(r.ExecutionARN)})
	current := ""
	for p.HasMorePages() {
		page, err := p.NextPage(within(t, 10*time.Second))
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		for _, ev := range page.Events {
			if d := ev.StateEnteredEventDetails; d != nil {
				current = aws.ToString(d.Name)
			}
			if ev.Type == sfntypes.HistoryEventTypeTaskTimedOut && current == state {
				return true
			}
		}
	}
	return false
}

// TestStart_duplicate starts the same task twice: one execution.
func TestStart_duplicate(t *testing.T) {
	r := newRun(t)
	first, err := r.Start(within(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Start(within(t, 30*time.Second))
	if err != nil {
		t.Fatalf("second Start() error = %v", err)
	}
	if first != second {
		t.Errorf("second Start() = %s, want the first execution %s", second, first)
	}
	client := sfn.NewFromConfig(r.Stack.AWSConfig())
	out, err := client.ListExecutions(within(t, 10*time.Second), &sfn.ListExecutionsInput{StateMachineArn: aws.String(r.StateMachineARN())})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range out.Executions {
		if strings.Contains(aws.ToString(e.Name), r.Instance.InstanceGUID) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d executions for the instance, want 1", n)
	}
	// Let the execution finish delegating, so later tests count only their own invocations.
	delegatedAndTold(t, r)
}

// TestFlow_stepKilledAfterSideEffect kills Notify Signee's process after it
// sent its message, before its response: Step Functions retries the step,
// and the message is still sent once per signee.
func TestFlow_stepKilledAfterSideEffect(t *testing.T) {
	r := newRun(t)
	fn := "NotifySigneeFunction"
	before := killOnResponse(t, r, fn)
	started(t, r)
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		st, _ := r.Stack.Host.Stats(fn)
		return st.Crashes == before.Crashes+1, nil
	})
	if err != nil {
		st, _ := r.Stack.Host.Stats(fn)
		t.Fatalf("crashes = %d, want %d", st.Crashes, before.Crashes+1)
	}
	// A killed process is Runtime.ExitError to Step Functions; the state
	// machine retries it (after up to IntervalSeconds with full jitter),
	// so the killed step runs once more.
	if !retriesExitError(t, r) {
		t.Fatal("the Notify Signee step does not retry Runtime.ExitError")
	}
	const want = 4
	_ = scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		st, _ := r.Stack.Host.Stats(fn)
		return st.Invocations >= before.Invocations+want, nil
	})
	settle() // a further, unwanted invocation would show now
	if st, _ := r.Stack.Host.Stats(fn); st.Invocations != before.Invocations+want {
		t.Errorf("%s ran %d times, want %d", fn, st.Invocations-before.Invocations, want)
	}
	cta := map[string]int{}
	for _, m := range r.Messages() {
		if strings.HasPrefix(m.IdempotencyKey, "cta:") {
			cta[m.RecipientPartyUUID]++
		}
	}
	for who, n := range cta {
		if n != 1 {
			t.Errorf("call-to-action messages to %s = %d, want 1", who, n)
		}
	}
	if len(cta) != 3 {
		t.Errorf("call-to-action messages to %d signees, want 3", len(cta))
	}
}

// retriesExitError reports whether the Notify Signee step retries Runtime.ExitError.
func retriesExitError(t *testing.T, r *scenario.Run) bool {
	t.Helper()
	def, err := r.Stack.Def.StateMachines[0].Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["Type"] == "Task" && strings.Contains(fmt.Sprint(x["Parameters"]), "NotifySignee") {
				found = strings.Contains(fmt.Sprint(x["Retry"]), "Runtime.ExitError") || strings.Contains(fmt.Sprint(x["Retry"]), "States.ALL")
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var tree any
	if err := json.Unmarshal([]byte(def), &tree); err != nil {
		t.Fatal(err)
	}
	walk(tree)
	return found
}
