package signing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

func TestService_State(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: kari(t), OnBehalfOf: companyOrg}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Svc.State(ctx, signing.ReadInput{Task: foundersTask, Caller: ola(t)})
	if err != nil {
		t.Fatalf("State() error = %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("State() = %d signees, want 3", len(got))
	}
	company := got[2]
	if company.Organization == nil || *company.Organization != "Eksempel Holding AS" || company.Name == nil || *company.Name != "Kari Nordmann" || company.SignedTime == nil {
		t.Errorf("company state = %+v, want signed by Kari for Eksempel Holding AS", company)
	}
	for _, st := range got[:2] {
		if st.Name == nil || st.Organization != nil || !st.DelegationSuccessful || st.NotificationStatus != "Sent" || st.SignedTime != nil {
			t.Errorf("person state = %+v", st)
		}
	}
}

func TestService_reads_authorization(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	stranger := caller(t, "31129956715", "", "Someone Else")
	tests := []struct {
		name    string
		caller  signing.Caller
		wantErr error
		orgs    int
	}{
		{name: "owner", caller: kari(t), orgs: 1},
		{name: "signee_without_role", caller: ola(t), orgs: 0},
		{name: "stranger", caller: stranger, wantErr: signing.ErrForbidden},
		{name: "no_identity", caller: signing.Caller{}, wantErr: signing.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := signing.ReadInput{Task: foundersTask, Caller: tt.caller}
			_, errState := h.Svc.State(ctx, in)
			docs, errDocs := h.Svc.DocumentsToSign(ctx, in)
			orgs, errOrgs := h.Svc.Organisations(ctx, in)
			for name, err := range map[string]error{"State": errState, "DocumentsToSign": errDocs, "Organisations": errOrgs} {
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Errorf("%s() error = %v, want %v", name, err, tt.wantErr)
				}
			}
			if tt.wantErr != nil {
				return
			}
			if len(docs) != 1 || docs[0].DataType != "ref-data-as-pdf" {
				t.Errorf("DocumentsToSign() = %+v, want the founding documents", docs)
			}
			if len(orgs) != tt.orgs || (tt.orgs == 1 && orgs[0].OrgNumber != companyOrg) {
				t.Errorf("Organisations() = %+v, want %d", orgs, tt.orgs)
			}
		})
	}
}

func TestService_PendingRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.Ready(t)
	got, _, err := h.Svc.PendingRequests(ctx, ola(t), signing.Page{})
	if err != nil || len(got) != 1 || got[0].Instance != foundersInstance || got[0].TaskID != "SigningTask" {
		t.Fatalf("PendingRequests() = %+v, %v; want Ola's one request", got, err)
	}
	if _, err := h.Svc.Sign(ctx, signing.SignInput{Task: foundersTask, Caller: ola(t)}); err != nil {
		t.Fatal(err)
	}
	got, _, err = h.Svc.PendingRequests(ctx, ola(t), signing.Page{})
	if err != nil || len(got) != 0 {
		t.Errorf("PendingRequests() after signing = %+v, %v; want none", got, err)
	}
}
