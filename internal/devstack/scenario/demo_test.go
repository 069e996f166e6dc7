package scenario

import (
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
)

func TestDemoOptions_defaults(t *testing.T) {
	t.Parallel()
	var o DemoOptions
	o.defaults()
	if o.StepTimeout != DefaultStepTimeout || DefaultStepTimeout.Seconds() != 60 {
		t.Errorf("StepTimeout = %s (DefaultStepTimeout %s), want the documented 60s", o.StepTimeout, DefaultStepTimeout)
	}
}

func TestCheckReceipts(t *testing.T) {
	t.Parallel()
	receipt := func(to, key string) emulator.MessageRecord {
		return emulator.MessageRecord{RecipientPartyUUID: to, IdempotencyKey: "receipt:" + key, Attachments: []emulator.AttachmentRecord{{}}}
	}
	cta := func(to string) emulator.MessageRecord {
		return emulator.MessageRecord{RecipientPartyUUID: to, IdempotencyKey: "cta:" + to, Attachments: []emulator.AttachmentRecord{{}}}
	}
	want := map[string]int{"kari": 2, "ola": 1}
	tests := []struct {
		name     string
		msgs     []emulator.MessageRecord
		wantDone bool
		wantErr  string
	}{
		{name: "one_per_signature", msgs: []emulator.MessageRecord{cta("kari"), receipt("kari", "1"), receipt("kari", "2"), receipt("ola", "3")}, wantDone: true},
		{name: "still_missing", msgs: []emulator.MessageRecord{receipt("kari", "1"), receipt("ola", "3")}},
		// Three messages with attachments, but one is no receipt: not done.
		{name: "other_messages_do_not_count", msgs: []emulator.MessageRecord{cta("kari"), receipt("kari", "1"), receipt("ola", "3")}},
		{name: "duplicate", msgs: []emulator.MessageRecord{receipt("kari", "1"), receipt("kari", "2"), receipt("ola", "3"), receipt("ola", "3")}, wantErr: "2 receipts to party ola, want 1"},
		{name: "unexpected_recipient", msgs: []emulator.MessageRecord{receipt("company", "4")}, wantErr: "party company, want 0"},
		{name: "without_documents", msgs: []emulator.MessageRecord{{RecipientPartyUUID: "ola", IdempotencyKey: "receipt:3"}}, wantErr: "without the signed documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done, err := checkReceipts(tt.msgs, want)
			if done != tt.wantDone || (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkReceipts() = %v, %v; want %v, %q", done, err, tt.wantDone, tt.wantErr)
			}
		})
	}
}
