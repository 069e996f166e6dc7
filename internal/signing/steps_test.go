package signing_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

func TestService_Start(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	got := h.Start(t)
	if len(got.Signees) != 3 || got.Task != foundersTask {
		t.Fatalf("Start() = %+v, want 3 signees of %s", got, foundersTask)
	}
	task, err := h.Repo.GetTask(context.Background(), foundersTask)
	if err != nil {
		t.Fatal(err)
	}
	if task.Counts.Total != 3 || task.OwnerPartyUUID != kariUUID || task.Status != signing.TaskCollecting {
		t.Errorf("task = %+v", task)
	}
	kari := h.SigneeByUUID(t, kariUUID)
	if kari.DisplayName != "Kari Nordmann" || kari.MaskedID != "158385*****" || kari.Status != signing.SigneeResolved || strings.Contains(kari.IdentityHash, "15838523428") {
		t.Errorf("kari = %+v", kari)
	}
	company := h.SigneeByUUID(t, companyUUID)
	if company.Kind != signing.SigneeOrganisation || company.OrgNumber != "312847612" || company.Communication.Email == "" {
		t.Errorf("company = %+v", company)
	}

	again := h.Start(t)
	if len(again.Signees) != 3 {
		t.Errorf("repeated Start() = %+v", again)
	}
	cfg := h.Cfg
	cfg.RunDefaultValidator = !cfg.RunDefaultValidator
	if _, err := h.Svc.Start(context.Background(), signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: cfg}); !errors.Is(err, signing.ErrConflict) {
		t.Errorf("Start() with another config: err = %v, want ErrConflict", err)
	}
}

func TestService_Start_failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(h *harness) signing.StartInput
		wantErr error
	}{
		{
			name: "unknown_instance",
			setup: func(h *harness) signing.StartInput {
				ref := foundersInstance
				ref.InstanceGUID = "00000000-0000-4000-8000-000000000000"
				return signing.StartInput{Instance: ref, TaskID: "SigningTask", Config: h.Cfg}
			},
			wantErr: signing.ErrNotFound,
		},
		{
			name: "register_down",
			setup: func(h *harness) signing.StartInput {
				if err := h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpLookupPerson, Status: 503}); err != nil {
					panic(err)
				}
				return signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: h.Cfg}
			},
			wantErr: signing.ErrTransient,
		},
		{
			name: "not_runtime_delegated",
			setup: func(h *harness) signing.StartInput {
				cfg := h.Cfg
				cfg.SigneeProviderID = ""
				return signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: cfg}
			},
			wantErr: signing.ErrInvalid,
		},
		{
			name: "unknown_provider",
			setup: func(h *harness) signing.StartInput {
				cfg := h.Cfg
				cfg.SigneeProviderID = "nobody"
				return signing.StartInput{Instance: foundersInstance, TaskID: "SigningTask", Config: cfg}
			},
			wantErr: signing.ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			_, err := h.Svc.Start(context.Background(), tt.setup(h))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Start() error = %v, want %v", err, tt.wantErr)
			}
			if _, err := h.Repo.GetTask(context.Background(), foundersTask); !errors.Is(err, signing.ErrNotFound) {
				t.Errorf("a failed Start() left a task behind: %v", err)
			}
		})
	}
}

func TestService_DelegateAndNotify(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	started := h.Start(t)
	for _, sk := range started.Signees {
		for range 2 { // every step may run twice
			if _, err := h.Svc.Delegate(ctx, foundersTask, sk); err != nil {
				t.Fatalf("Delegate(%s) error = %v", sk, err)
			}
			if _, err := h.Svc.Notify(ctx, foundersTask, sk); err != nil {
				t.Fatalf("Notify(%s) error = %v", sk, err)
			}
		}
	}
	// Kari owns the instance and holds the rights already: only Ola and the company get delegations.
	if got := len(h.Emu.Delegations()); got != 4 {
		t.Errorf("delegations in force = %d, want 2 signees × (read, sign)", got)
	}
	msgs := h.Emu.Messages()
	if len(msgs) != 3 {
		t.Fatalf("messages = %d, want one call-to-action per signee", len(msgs))
	}
	for _, m := range msgs {
		if want, _ := h.Cfg.CorrespondenceResourceFor("tt02"); m.ResourceID != want {
			t.Errorf("message resource = %q, want %q", m.ResourceID, want)
		}
		if !strings.Contains(m.Body, "https://ttd.apps.example.no/ttd/founders/#/instance/50001/"+foundersInstance.InstanceGUID) {
			t.Errorf("message body lacks the instance link: %q", m.Body)
		}
	}
	// Email and SMS ride on each call-to-action's notification block.
	for _, m := range msgs {
		n := m.Notification
		if n == nil || n.SendersReference != foundersInstance.InstanceID() || n.EmailSubject == "" ||
			strings.Contains(n.SMSBody, "{0}") || strings.Contains(n.EmailBody, "{0}") {
			t.Errorf("notification block = %+v", n)
		}
	}

	kari := h.SigneeByUUID(t, kariUUID)
	if kari.Status != signing.SigneeNotified || kari.CorrespondenceID == "" || kari.DelegatedAt.IsZero() {
		t.Errorf("kari after notify = %+v", kari)
	}
}

func TestService_Delegate_failures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		wantErr    error
		wantStatus signing.SigneeStatus
	}{
		{name: "transient_is_returned_for_retry", status: 503, wantErr: signing.ErrTransient, wantStatus: signing.SigneeResolved},
		{name: "permanent_is_recorded", status: 400, wantStatus: signing.SigneeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.Start(t)
			sk := h.SigneeByUUID(t, olaUUID).Key
			if err := h.Emu.InjectFault(emulator.Fault{Operation: emulator.OpDelegate, Status: tt.status, Count: 1}); err != nil {
				t.Fatal(err)
			}
			got, err := h.Svc.Delegate(context.Background(), foundersTask, sk)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Delegate() error = %v, want %v", err, tt.wantErr)
			}
			stored, _ := h.Repo.GetSignee(context.Background(), foundersTask, sk)
			if stored.Status != tt.wantStatus {
				t.Errorf("signee status = %s, want %s (returned %s)", stored.Status, tt.wantStatus, got.Status)
			}
			if tt.wantStatus == signing.SigneeFailed && (stored.FailedStep != "delegate" || stored.FailedReason == "") {
				t.Errorf("failure not recorded: %+v", stored)
			}
		})
	}
}

func TestService_Notify_noCorrespondenceResource(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.Cfg.CorrespondenceResources = nil
	sk := h.Start(t).Signees[0]
	if _, err := h.Svc.Delegate(context.Background(), foundersTask, sk); err != nil {
		t.Fatal(err)
	}
	got, err := h.Svc.Notify(context.Background(), foundersTask, sk)
	if err != nil {
		t.Fatalf("Notify() error = %v", err)
	}
	if got.Status != signing.SigneeFailed || got.FailedStep != "notify" || !strings.Contains(got.FailedReason, "correspondence resource") {
		t.Errorf("signee = %+v, want a recorded notify failure", got)
	}
	if len(h.Emu.Messages()) != 0 || len(h.Emu.Notifications()) != 0 {
		t.Error("something was sent without a correspondence resource")
	}
}
