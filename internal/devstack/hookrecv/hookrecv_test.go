package hookrecv_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/hookrecv"
	"github.com/signingflow/signing/internal/webhook"
)

func TestReceiver(t *testing.T) {
	t.Parallel()
	secret := hookrecv.NewSecret()
	var notified []string
	r := hookrecv.New(secret, func(e hookrecv.Event) { notified = append(notified, e.ID) })
	body := []byte(`{"specversion":"1.0","id":"e1","type":"no.altinn.signing.signee.signed","subject":"1/g/T","time":"2026-03-01T10:00:00Z"}`)
	post := func(key, id string) int {
		h, err := webhook.Sign(key, id, time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, hookrecv.Path, strings.NewReader(string(body)))
		for k, v := range h {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	if code := post(hookrecv.NewSecret(), "e1"); code != http.StatusUnauthorized {
		t.Errorf("another key: %d, want 401", code)
	}
	if code := post(secret, "other"); code == http.StatusNoContent {
		t.Errorf("a webhook-id that is not the event's id: %d, want it refused", code)
	}
	r.SetDown(true)
	if code := post(secret, "e1"); code != http.StatusServiceUnavailable {
		t.Errorf("down: %d, want 503", code)
	}
	r.SetDown(false)
	for range 2 {
		if code := post(secret, "e1"); code != http.StatusNoContent {
			t.Errorf("signed: %d, want 204", code)
		}
	}
	evs := r.Events()
	if len(evs) != 2 || evs[0].Repeat || !evs[1].Repeat || len(r.Unique()) != 1 {
		t.Errorf("events = %+v, want e1 then its repeat", evs)
	}
	if len(notified) != 1 {
		t.Errorf("notified %v, want e1 once", notified)
	}
	if attempts, refused := r.Counts(); attempts != 5 || refused != 1 {
		t.Errorf("counts = %d attempts, %d refused; want 5 and 1", attempts, refused)
	}
}
