package signing

import (
	"errors"
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		from, to  SigneeStatus
		wantApply bool
		wantErr   error
	}{
		{name: "resolved_to_delegated", from: SigneeResolved, to: SigneeDelegated, wantApply: true},
		{name: "delegated_to_notified", from: SigneeDelegated, to: SigneeNotified, wantApply: true},
		{name: "notified_to_signed", from: SigneeNotified, to: SigneeSigned, wantApply: true},
		{name: "delegated_to_signed_before_notify", from: SigneeDelegated, to: SigneeSigned, wantApply: true},
		{name: "signed_to_receipt_sent", from: SigneeSigned, to: SigneeReceiptSent, wantApply: true},
		{name: "failed_notify_can_still_sign", from: SigneeFailed, to: SigneeSigned, wantApply: true},
		{name: "resolved_to_failed", from: SigneeResolved, to: SigneeFailed, wantApply: true},
		{name: "notified_to_revoked", from: SigneeNotified, to: SigneeRevoked, wantApply: true},
		{name: "repeat_is_noop", from: SigneeDelegated, to: SigneeDelegated},
		{name: "notify_after_signed_is_overtaken", from: SigneeSigned, to: SigneeNotified},
		{name: "delegate_after_receipt_is_overtaken", from: SigneeReceiptSent, to: SigneeDelegated},
		{name: "resolved_cannot_sign", from: SigneeResolved, to: SigneeSigned, wantErr: ErrConflict},
		{name: "revoked_cannot_sign", from: SigneeRevoked, to: SigneeSigned, wantErr: ErrConflict},
		{name: "signed_cannot_be_revoked", from: SigneeSigned, to: SigneeRevoked, wantErr: ErrConflict},
		{name: "signed_cannot_fail", from: SigneeSigned, to: SigneeFailed, wantErr: ErrConflict},
		{name: "revoked_cannot_be_delegated", from: SigneeRevoked, to: SigneeDelegated, wantErr: ErrConflict},
		{name: "receipt_needs_signature", from: SigneeNotified, to: SigneeReceiptSent, wantErr: ErrConflict},
		{name: "unknown_status", from: "bogus", to: SigneeSigned, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotApply, err := Plan(tt.from, tt.to)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Plan(%s, %s) error = %v, want %v", tt.from, tt.to, err, tt.wantErr)
			}
			if gotApply != tt.wantApply {
				t.Errorf("Plan(%s, %s) apply = %v, want %v", tt.from, tt.to, gotApply, tt.wantApply)
			}
		})
	}
}

func TestPredecessors_AgreeWithPlan(t *testing.T) {
	t.Parallel()
	all := []SigneeStatus{SigneeResolved, SigneeDelegated, SigneeNotified, SigneeSigned, SigneeReceiptSent, SigneeFailed, SigneeRevoked}
	for _, to := range all {
		preds := Predecessors(to)
		for _, from := range all {
			apply, _ := Plan(from, to)
			want := false
			for _, p := range preds {
				want = want || p == from
			}
			if apply != want {
				t.Errorf("Plan(%s, %s) apply = %v, but Predecessors says %v", from, to, apply, want)
			}
		}
	}
}

func testSignee() Signee {
	return Signee{
		Key: "p-0123456789abcdef01234567", Kind: SigneePerson, DisplayName: "Kari Nordmann",
		MaskedID: "010190*****", IdentityHash: "0123456789abcdef0123456789abcdef", PartyUUID: "u-1",
		Status: SigneeResolved,
	}
}

func TestSignee_Apply(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := testSignee()

	got, changed, err := s.Apply(Transition{To: SigneeDelegated, At: at})
	if err != nil || !changed {
		t.Fatalf("Apply(delegated) = changed %v, err %v", changed, err)
	}
	if got.Status != SigneeDelegated || !got.DelegatedAt.Equal(at) || got.Version != s.Version+1 {
		t.Errorf("after delegate: status %s delegatedAt %v version %d", got.Status, got.DelegatedAt, got.Version)
	}

	again, changed, err := got.Apply(Transition{To: SigneeDelegated, At: at.Add(time.Hour)})
	if err != nil || changed || !again.DelegatedAt.Equal(at) {
		t.Errorf("repeated delegate: changed %v err %v delegatedAt %v", changed, err, again.DelegatedAt)
	}

	notified, _, err := got.Apply(Transition{To: SigneeNotified, At: at, CorrespondenceID: "c-1"})
	if err != nil || notified.CorrespondenceID != "c-1" {
		t.Errorf("notify: err %v correspondence %q", err, notified.CorrespondenceID)
	}

	if _, _, err := got.Apply(Transition{To: SigneeFailed, At: at}); !errors.Is(err, ErrInvalid) {
		t.Errorf("failure without reason: err = %v, want ErrInvalid", err)
	}
	failed, _, err := got.Apply(Transition{To: SigneeFailed, At: at, Step: "notify", Reason: "correspondence rejected the message"})
	if err != nil || failed.FailedStep != "notify" {
		t.Errorf("fail: err %v step %q", err, failed.FailedStep)
	}
}

func TestSignee_Actions(t *testing.T) {
	t.Parallel()
	s := testSignee()
	s.AdditionalActions = []string{"reject", "sign", "reject"}
	got := s.Actions()
	want := []string{"read", "sign", "reject"}
	if len(got) != len(want) {
		t.Fatalf("Actions() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Actions() = %v, want %v", got, want)
		}
	}
}

func TestSignee_Validate(t *testing.T) {
	t.Parallel()
	valid := testSignee()
	tests := []struct {
		name      string
		mutate    func(*Signee)
		wantField string
	}{
		{name: "valid", mutate: func(*Signee) {}},
		{name: "bad_key", mutate: func(s *Signee) { s.Key = "01019012345" }, wantField: "key"},
		{name: "org_key_for_person", mutate: func(s *Signee) { s.Key = "o-0123456789abcdef01234567" }, wantField: "key"},
		{name: "org_without_number", mutate: func(s *Signee) { s.Kind = SigneeOrganisation; s.Key = "o-0123456789abcdef01234567" }, wantField: "orgNumber"},
		{name: "unknown_kind", mutate: func(s *Signee) { s.Kind = "robot" }, wantField: "kind"},
		{name: "no_name", mutate: func(s *Signee) { s.DisplayName = "" }, wantField: "displayName"},
		{name: "no_party", mutate: func(s *Signee) { s.PartyUUID = "" }, wantField: "partyUuid"},
		{name: "bad_choice", mutate: func(s *Signee) { s.Communication.Choice = "Pigeon" }, wantField: "communication.choice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := valid
			tt.mutate(&s)
			err := s.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			assertField(t, err, tt.wantField)
		})
	}
}

func TestCommunication_EffectiveChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Communication
		want NotificationChoice
	}{
		{name: "explicit_wins", c: Communication{Choice: NotifySMS, Email: "a@example.com"}, want: NotifySMS},
		{name: "both_addresses", c: Communication{Email: "a@example.com", Mobile: "+4799999999"}, want: NotifySMSAndEmail},
		{name: "email_only", c: Communication{Email: "a@example.com"}, want: NotifyEmail},
		{name: "mobile_only", c: Communication{Mobile: "+4799999999"}, want: NotifySMS},
		{name: "none", c: Communication{}, want: NotifyDefault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.EffectiveChoice(); got != tt.want {
				t.Errorf("EffectiveChoice() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewSigneeKey(t *testing.T) {
	t.Parallel()
	hash := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	got, err := NewSigneeKey(SigneeOrganisation, hash)
	if err != nil || got != "o-00112233445566778899aabb" {
		t.Errorf("NewSigneeKey(org) = %q, %v", got, err)
	}
	if _, err := NewSigneeKey(SigneePerson, "abc"); !errors.Is(err, ErrInvalid) {
		t.Errorf("short hash: err = %v, want ErrInvalid", err)
	}
}

// assertField fails unless err is an ErrInvalid naming field.
func assertField(t *testing.T, err error, field string) {
	t.Helper()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error = %v, want ErrInvalid naming %q", err, field)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want a *FieldError", err)
	}
	var fes FieldErrors
	if errors.As(err, &fes) {
		for _, e := range fes {
			if e.Field == field {
				return
			}
		}
		t.Fatalf("error = %v, want a field error for %q", err, field)
	}
	if fe.Field != field {
		t.Fatalf("field = %q, want %q", fe.Field, field)
	}
}
