package scenario

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/platform/emulator"
)

// Step is one verified step of the demo.
type Step struct {
	Name     string
	Detail   string
	Duration time.Duration
	Err      error
}

// DefaultStepTimeout bounds the wait of each step of the demo.
const DefaultStepTimeout = 60 * time.Second

// DemoOptions configure Demo.
type DemoOptions struct {
	// StepTimeout bounds the wait of each step; default DefaultStepTimeout.
	StepTimeout time.Duration
}

func (o *DemoOptions) defaults() {
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
}

// Receipts counts the receipts among msgs (messages whose idempotency key
// starts with "receipt:") per recipient party UUID.
func Receipts(msgs []emulator.MessageRecord) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		if strings.HasPrefix(m.IdempotencyKey, "receipt:") {
			out[m.RecipientPartyUUID]++
		}
	}
	return out
}

// checkReceipts compares the receipts among msgs with want (per recipient
// party UUID, one per signature): done when they are equal, an error when
// a recipient has more than wanted or one lacks the signed documents.
func checkReceipts(msgs []emulator.MessageRecord, want map[string]int) (done bool, err error) {
	for _, m := range msgs {
		if strings.HasPrefix(m.IdempotencyKey, "receipt:") && len(m.Attachments) == 0 {
			return false, fmt.Errorf("a receipt (%s) without the signed documents", m.IdempotencyKey)
		}
	}
	got := Receipts(msgs)
	for who, n := range got {
		if n > want[who] {
			return false, fmt.Errorf("%d receipts to party %s, want %d (one per signature)", n, who, want[who])
		}
	}
	for who, n := range want {
		if got[who] != n {
			return false, nil
		}
	}
	return true, nil
}

// Demo runs the seed's main flow on r and prints each step to w: the
// filler has named two persons and a company; the execution starts;
// delegations and call-to-action messages appear; each signee signs through
// the HTTP API (Kari also for the company, for which she holds a signing
// role); receipts arrive; the submitter completes; the signing PDF is
// stored and the execution ends with outcome "signed". It returns every
// step; the demo succeeded when none has an error.
func Demo(ctx context.Context, r *Run, f emulator.Fixture, w io.Writer, opts DemoOptions) []Step {
	opts.defaults()
	kari, ola, company := Founders(f)
	var steps []Step
	failed := false
	step := func(name string, run func(ctx context.Context) (string, error)) {
		if failed {
			steps = append(steps, Step{Name: name, Err: fmt.Errorf("skipped after an earlier failure")})
			fmt.Fprintf(w, "  -  %s: skipped\n", name)
			return
		}
		ctx, cancel := context.WithTimeout(ctx, opts.StepTimeout)
		defer cancel()
		t := time.Now()
		detail, err := run(ctx)
		s := Step{Name: name, Detail: detail, Duration: time.Since(t), Err: err}
		steps = append(steps, s)
		if err != nil {
			failed = true
			fmt.Fprintf(w, "FAIL %s (%s): %v\n", name, s.Duration.Round(time.Millisecond), err)
			return
		}
		fmt.Fprintf(w, " ok  %s (%s)%s\n", name, s.Duration.Round(time.Millisecond), indent(detail))
	}
	parties := []Party{kari, ola, company}

	step("the filler names two persons and a company", func(context.Context) (string, error) {
		for _, p := range parties {
			if p.PartyUUID == "" {
				return "", fmt.Errorf("the fixture lacks a founder or the company")
			}
		}
		return fmt.Sprintf("%s and %s (persons), %s (organisation %s)", kari.Name, ola.Name, company.Name, company.OrgNumber), nil
	})
	// A deadline and a reminder a few seconds after the invitation (the
	// local stack's waits are short), at any hour.
	if r.Input.Deadline.IsZero() {
		r.Input.Deadline = time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	}
	r.Input.Config.Reminders = []string{"PT8S"}
	r.Input.Config.SMSWindow = "00:00-24:00"
	step("the signing task's execution is started", func(ctx context.Context) (string, error) {
		arn, err := r.Start(ctx)
		return arn, err
	})
	step("every signee is delegated read and sign and gets a call-to-action message", func(ctx context.Context) (string, error) {
		var detail string
		err := Eventually(ctx, func() (bool, error) {
			if err := r.failedEarly(ctx); err != nil {
				return false, err
			}
			rights := map[string][]string{}
			for _, d := range r.Delegations() {
				rights[d.To] = append(rights[d.To], d.Action)
			}
			msgs := map[string]int{}
			for _, m := range r.Messages() {
				msgs[m.RecipientPartyUUID]++
			}
			var lines []string
			done := true
			for _, p := range parties {
				owner := p.PartyID == r.Instance.PartyID
				if (!owner && !hasAll(rights[p.PartyUUID], "read", "sign")) || msgs[p.PartyUUID] == 0 {
					done = false
				}
				granted := strings.Join(rights[p.PartyUUID], ", ")
				if owner {
					granted = "the instance owner's own"
				}
				lines = append(lines, fmt.Sprintf("%s: rights %s; %d message(s)", p.Name, granted, msgs[p.PartyUUID]))
			}
			detail = strings.Join(lines, "\n")
			return done, nil
		})
		if err != nil {
			err = fmt.Errorf("%w; seen:\n%s", err, detail)
		}
		return detail, err
	})
	sign := func(p Party, onBehalfOf Party) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			resp, err := r.Sign(ctx, p, onBehalfOf.OrgNumber)
			if err != nil {
				return "", err
			}
			if resp.Status != http.StatusOK {
				return "", fmt.Errorf("POST actions sign = %s", resp)
			}
			return "HTTP " + fmt.Sprint(resp.Status), nil
		}
	}
	step(ola.Name+" signs through the HTTP API", sign(ola, Party{}))
	step("the signees who have not signed get a reminder naming the deadline; "+ola.Name+" gets none", func(ctx context.Context) (string, error) {
		var got map[string][]emulator.MessageRecord
		err := Eventually(ctx, func() (bool, error) {
			if err := r.failedEarly(ctx); err != nil {
				return false, err
			}
			got = map[string][]emulator.MessageRecord{}
			for _, m := range r.Messages() {
				if strings.HasPrefix(m.IdempotencyKey, "remind:") {
					got[m.RecipientPartyUUID] = append(got[m.RecipientPartyUUID], m)
				}
			}
			return len(got[kari.PartyUUID]) > 0 && len(got[company.PartyUUID]) > 0, nil
		})
		if err != nil {
			return "", err
		}
		if len(got[ola.PartyUUID]) > 0 {
			return "", fmt.Errorf("%s, who signed, got a reminder", ola.Name)
		}
		return fmt.Sprintf("%s and %s: %q", kari.Name, company.Name, got[kari.PartyUUID][0].Summary), nil
	})
	step(kari.Name+" signs through the HTTP API", sign(kari, Party{}))
	step(kari.Name+" signs for "+company.Name+" (she holds a signing role)", sign(kari, company))
	// One receipt per signature: Kari signed for herself and the company.
	wantReceipts := map[string]int{kari.PartyUUID: 2, ola.PartyUUID: 1}
	receiptDetail := func() string {
		got := Receipts(r.Messages())
		return fmt.Sprintf("%s: %d receipt(s); %s: %d receipt(s)", kari.Name, got[kari.PartyUUID], ola.Name, got[ola.PartyUUID])
	}
	step("each signer gets one receipt per signature, with the signed documents", func(ctx context.Context) (string, error) {
		err := Eventually(ctx, func() (bool, error) {
			if err := r.failedEarly(ctx); err != nil {
				return false, err
			}
			return checkReceipts(r.Messages(), wantReceipts)
		})
		return receiptDetail(), err
	})
	step("the submitter completes the task", func(ctx context.Context) (string, error) {
		var last Response
		err := Eventually(ctx, func() (bool, error) {
			resp, err := r.Complete(ctx, kari)
			if err != nil {
				return false, err
			}
			last = resp
			switch resp.Status {
			case http.StatusOK, http.StatusAccepted:
				return true, nil
			case http.StatusConflict:
				return false, nil // signatures still being recorded
			}
			return false, fmt.Errorf("PUT process/next = %s", resp)
		})
		return fmt.Sprintf("HTTP %d", last.Status), err
	})
	step("the execution ends with outcome signed and the signing PDF is stored", func(ctx context.Context) (string, error) {
		status, outcome, err := r.Outcome(ctx)
		if err != nil {
			return "", err
		}
		if status != sfntypes.ExecutionStatusSucceeded || outcome != "signed" {
			return "", fmt.Errorf("execution %s: %s", status, outcome)
		}
		var pdf string
		for _, d := range r.Data() {
			if d.DataType == r.Input.Config.SigningPDFDataType {
				pdf = fmt.Sprintf("%s (%s, %d bytes)", d.DataType, d.ContentType, d.Size)
			}
		}
		if pdf == "" {
			return "", fmt.Errorf("no %s data element", r.Input.Config.SigningPDFDataType)
		}
		// No receipt was sent twice meanwhile.
		if done, err := checkReceipts(r.Messages(), wantReceipts); !done || err != nil {
			return "", fmt.Errorf("receipts at the end: %s: %v", receiptDetail(), err)
		}
		return "outcome signed; " + pdf, nil
	})
	step("every event of the task reached the webhook receiver once, each signature checked", func(ctx context.Context) (string, error) {
		var want, got map[string]string
		var n map[string]int
		err := Eventually(ctx, func() (bool, error) {
			var err error
			if want, err = r.Events(ctx, kari); err != nil {
				return false, err
			}
			got, n = r.Webhooks()
			return len(want) > 0 && maps.Equal(want, got), nil
		})
		if err != nil {
			return "", fmt.Errorf("the task has %d events, the receiver %d: %w", len(want), len(got), err)
		}
		for id, k := range n {
			if k != 1 {
				return "", fmt.Errorf("event %s (%s) came %d times", id, got[id], k)
			}
		}
		if _, refused := r.Stack.Webhooks.Counts(); refused > 0 {
			return "", fmt.Errorf("%d deliveries had a bad signature", refused)
		}
		return fmt.Sprintf("%d events, as GET …/signing/events lists them", len(want)), nil
	})
	if len(f.Instances) < 2 {
		return steps
	}
	// A second task of the same app: the instance owner rejects it with a reason.
	r2 := New(r.Stack, f.Instances[1], r.Input)
	r2.Input.Config.Reminders = nil
	const reason = "Aksjekapitalen er feil i stiftelsesdokumentet"
	step("a second task: "+kari.Name+" rejects it with a reason; the others are told why", func(ctx context.Context) (string, error) {
		if _, err := r2.Start(ctx); err != nil {
			return "", err
		}
		err := Eventually(ctx, func() (bool, error) {
			told := map[string]bool{}
			for _, m := range r2.Messages() {
				told[m.RecipientPartyUUID] = true
			}
			return told[ola.PartyUUID] && told[company.PartyUUID], r2.failedEarly(ctx)
		})
		if err != nil {
			return "", err
		}
		resp, err := r2.RejectBecause(ctx, kari, reason)
		if err != nil || resp.Status != http.StatusOK {
			return "", fmt.Errorf("reject = %s %v", resp, err)
		}
		var body string
		err = Eventually(ctx, func() (bool, error) {
			for _, m := range r2.Messages() {
				if strings.HasPrefix(m.IdempotencyKey, "cancel:") && m.RecipientPartyUUID == ola.PartyUUID {
					body = m.Body
				}
			}
			return body != "", nil
		})
		if err != nil {
			return "", err
		}
		if !strings.Contains(body, reason) {
			return "", fmt.Errorf("%s's cancellation does not give the reason: %q", ola.Name, body)
		}
		status, outcome, err := r2.Outcome(ctx)
		if err != nil || status != sfntypes.ExecutionStatusSucceeded || outcome != "rejected" {
			return "", fmt.Errorf("execution %s %q: %v", status, outcome, err)
		}
		first, _, _ := strings.Cut(body, "<br />")
		return "outcome rejected; " + ola.Name + " is told: " + first, nil
	})
	if len(f.Instances) < 3 {
		return steps
	}
	// A third task in two signing groups (InOrderProvider): the founders
	// sign after the company's approver.
	r3 := New(r.Stack, f.Instances[2], r.Input)
	r3.Input.Config.Reminders = nil
	r3.Input.Config.SigneeProviderID = InOrderProvider
	step("a third task in two signing groups: "+company.Name+" signs first; "+kari.Name+" and "+ola.Name+" are neither delegated nor told, and may not sign, until it has", func(ctx context.Context) (string, error) {
		if _, err := r3.Start(ctx); err != nil {
			return "", err
		}
		err := Eventually(ctx, func() (bool, error) {
			told, delegated := r3.ToldAndDelegated(company)
			return told && delegated, r3.failedEarly(ctx)
		})
		if err != nil {
			return "", err
		}
		for _, p := range []Party{kari, ola} {
			if told, delegated := r3.ToldAndDelegated(p); told || delegated {
				return "", fmt.Errorf("%s is told (%v) or delegated (%v) before %s signed", p.Name, told, delegated, company.Name)
			}
		}
		resp, err := r3.Sign(ctx, ola, "")
		if err != nil || resp.Status != http.StatusForbidden || !strings.Contains(string(resp.Body), "/problems/group-not-open") {
			return "", fmt.Errorf("%s signs before %s = %s %v, want 403 group-not-open", ola.Name, company.Name, resp, err)
		}
		if resp, err := r3.Sign(ctx, kari, company.OrgNumber); err != nil || resp.Status != http.StatusOK {
			return "", fmt.Errorf("%s signs for %s = %s %v", kari.Name, company.Name, resp, err)
		}
		err = Eventually(ctx, func() (bool, error) {
			kt, _ := r3.ToldAndDelegated(kari)
			ot, od := r3.ToldAndDelegated(ola)
			return kt && ot && od, r3.failedEarly(ctx)
		})
		if err != nil {
			return "", fmt.Errorf("group 2 was not delegated and told once %s signed: %w", company.Name, err)
		}
		for _, p := range []Party{ola, kari} {
			if resp, err := r3.Sign(ctx, p, ""); err != nil || resp.Status != http.StatusOK {
				return "", fmt.Errorf("%s signs = %s %v", p.Name, resp, err)
			}
		}
		err = Eventually(ctx, func() (bool, error) {
			resp, err := r3.Complete(ctx, kari)
			return err == nil && (resp.Status == http.StatusOK || resp.Status == http.StatusAccepted), err
		})
		if err != nil {
			return "", err
		}
		status, outcome, err := r3.Outcome(ctx)
		if err != nil || status != sfntypes.ExecutionStatusSucceeded || outcome != "signed" {
			return "", fmt.Errorf("execution %s %q: %v", status, outcome, err)
		}
		return ola.Name + " was refused with 403 group-not-open before " + company.Name + " signed; then group 2 was delegated and told, signed, and the task ended signed", nil
	})
	return steps
}

// InOrderProvider is the demo's configured provider: the example app's
// founders with the company in signing group 1 and the founders in group 2
// (`signing dev demo` adds it to the app's providers).
const InOrderProvider = "founders-in-order"

// ToldAndDelegated reports whether p got a message and was delegated sign
// on r's instance.
func (r *Run) ToldAndDelegated(p Party) (told, delegated bool) {
	for _, m := range r.Messages() {
		told = told || m.RecipientPartyUUID == p.PartyUUID
	}
	for _, d := range r.Delegations() {
		delegated = delegated || (d.Action == "sign" && d.To == p.PartyUUID)
	}
	return told, delegated
}

// failedEarly reports an execution that ended while a step waits for it.
func (r *Run) failedEarly(ctx context.Context) error {
	out, err := r.Execution(ctx)
	if err != nil {
		return err
	}
	if out.Status != sfntypes.ExecutionStatusRunning && out.Status != sfntypes.ExecutionStatusSucceeded {
		return fmt.Errorf("the execution ended %s: %s %s", out.Status, deref(out.Error), deref(out.Cause))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "\n      " + strings.ReplaceAll(s, "\n", "\n      ")
}
