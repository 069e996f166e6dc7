package emulator_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signingflow/signing/internal/platform/emulator"
)

// FuzzHandler_JSONBodies posts arbitrary bodies to every JSON endpoint: the
// emulator never fails with 5xx, never echoes a national ID, and a rejected
// request changes nothing.
func FuzzHandler_JSONBodies(f *testing.F) {
	paths := []string{delegatePath, revokePath, sendPath, lookupPath, decisionPath}
	for i, seed := range []string{validDelegation, validCorrespondence,
		`{"ssn":"` + kariSSN + `"}`, validDecision,
		`{"orgNo":"312847612"}`, `{"ssn":12345678901}`, `[]`, `null`, `{"rights":[{}]}`, "\xff"} {
		f.Add(uint8(i), []byte(seed))
	}
	e := emulator.New(emulator.Founders(), emulator.WithSequentialIDs(9))
	h := e.Handler()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e.Reset()
		before := snapshot(t, e)
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", ownerBearer(t))
		req.Header.Set("PlatformAccessToken", platformToken(t))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		resp := rec.Result()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s = %d %s", path, resp.StatusCode, got)
		}
		if resp.StatusCode >= 400 {
			for _, ssn := range []string{kariSSN, olaSSN} {
				if bytes.Contains(got, []byte(ssn)) {
					t.Errorf("problem %s echoes a national ID", got)
				}
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("a rejected request (%d) changed the state", resp.StatusCode)
			}
		}
	})
}
