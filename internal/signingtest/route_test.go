package signingtest_test

import (
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestReady checks that the steps Ready reads from the state machine leave
// every signee delegated and notified, as the first round expects them.
func TestReady(t *testing.T) {
	t.Parallel()
	h := signingtest.New(t)
	started := h.Ready(t)
	if len(started.Signees) != 3 {
		t.Fatalf("Ready() = %d signees, want the founders' 3", len(started.Signees))
	}
	for _, uuid := range []string{signingtest.KariUUID, signingtest.OlaUUID, signingtest.CompanyUUID} {
		if sg := h.SigneeByUUID(t, uuid); sg.Status != signing.SigneeNotified {
			t.Errorf("signee %s is %s after Ready, want %s", uuid, sg.Status, signing.SigneeNotified)
		}
	}
	once, perSignee := signingtest.BeforeCollect(t)
	t.Logf("before the first Collect Signatures: %v once, %v per signee", once, perSignee)
}
