package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack"
	"github.com/signingflow/signing/internal/devstack/scenario"
	"github.com/signingflow/signing/internal/frontendcontract"
)

// browser is one person's browser on the app frontend's origin: the
// runtime cookie, and the XSRF-TOKEN cookie the last GET answer set, which
// axios copies to X-XSRF-TOKEN on every write
// (app-frontend-react src/utils/network/sharedNetworking.ts).
type browser struct {
	t       *testing.T
	base    string
	runtime *http.Cookie
	xsrf    *http.Cookie
}

func newBrowser(t *testing.T, r *scenario.Run, p scenario.Party) *browser {
	t.Helper()
	path := "/" + r.Instance.Org + "/" + r.Instance.App + "/instances/" + strconv.FormatInt(r.Instance.PartyID, 10) + "/" + r.Instance.InstanceGUID
	return &browser{t: t, base: r.Stack.APIURL + path, runtime: &http.Cookie{Name: "AltinnStudioRuntime", Value: localToken(t, p, nil, time.Hour)}}
}

// call sends one request as the frontend does: no Authorization header, no
// taskId, the cookies, and on a write the XSRF header and a JSON body.
func (b *browser) call(method, suffix, body string) (int, []byte) {
	b.t.Helper()
	var rd io.Reader
	if method != http.MethodGet {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(within(b.t, 30*time.Second), method, b.base+suffix, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Origin", devstack.LocalFrontendOrigin)
	req.AddCookie(b.runtime)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
		if b.xsrf == nil {
			b.t.Fatalf("%s %s before any GET set XSRF-TOKEN", method, suffix)
		}
		req.AddCookie(b.xsrf)
		req.Header.Set("X-XSRF-TOKEN", b.xsrf.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "XSRF-TOKEN" {
			b.xsrf = c
		}
	}
	return resp.StatusCode, out
}

// expect checks a call's status and that the frontend's schema accepts its body.
func (b *browser) expect(method, suffix, body string, want int, schema string) []byte {
	b.t.Helper()
	status, out := b.call(method, suffix, body)
	if status != want {
		b.t.Fatalf("%s %s = %d %s, want %d", method, suffix, status, bytes.TrimSpace(out), want)
	}
	if schema != "" {
		if err := frontendcontract.Check(schema, out); err != nil {
			b.t.Errorf("%s %s: %v\nbody: %s", method, suffix, err, out)
		}
	}
	return out
}

// TestAPI_frontendSequence runs the app frontend's signing step on the
// local stack as browsers send it (the runtime cookie only, the XSRF token
// from a GET answer on every write, no taskId): the owner lists the
// signees, the documents and her organisations, is told signatures are
// missing, signs for herself and for the company; Ola signs; the owner
// submits. Every answer is checked against the frontend's schemas.
func TestAPI_frontendSequence(t *testing.T) {
	r := newRun(t)
	started(t, r)
	kari, ola, company := scenario.Founders(fixture)
	owner, signee := newBrowser(t, r, kari), newBrowser(t, r, ola)

	owner.expect(http.MethodGet, "/signing", "", http.StatusOK, frontendcontract.SigneeList)
	owner.expect(http.MethodGet, "/signing/data-elements", "", http.StatusOK, frontendcontract.SigningDocuments)
	orgs := owner.expect(http.MethodGet, "/signing/organizations", "", http.StatusOK, frontendcontract.AuthorizedOrganizations)
	if !strings.Contains(string(orgs), company.OrgNumber) {
		t.Errorf("organisations = %s, want the company", orgs)
	}
	issues := owner.expect(http.MethodGet, "/validate?language=nb", "", http.StatusOK, frontendcontract.ValidationIssues)
	if !strings.Contains(string(issues), "MissingSignatures") {
		t.Errorf("validate = %s, want MissingSignatures", issues)
	}
	refused := owner.expect(http.MethodPut, "/process/next?language=nb", "null", http.StatusConflict, "")
	var problem struct {
		ValidationIssues json.RawMessage `json:"validationIssues"`
	}
	if err := json.Unmarshal(refused, &problem); err != nil || frontendcontract.Check(frontendcontract.ValidationIssues, problem.ValidationIssues) != nil ||
		!strings.Contains(string(problem.ValidationIssues), "MissingSignatures") {
		t.Errorf("early submit = %s, want 409 with the MissingSignatures issue", refused)
	}

	owner.expect(http.MethodPost, "/actions?language=nb", `{"action":"sign"}`, http.StatusOK, frontendcontract.UserActionResponse)
	owner.expect(http.MethodPost, "/actions?language=nb", `{"action":"sign","onBehalfOf":"`+company.OrgNumber+`"}`, http.StatusOK, frontendcontract.UserActionResponse)
	signee.expect(http.MethodGet, "/signing", "", http.StatusOK, frontendcontract.SigneeList)
	signee.expect(http.MethodGet, "/signing/data-elements", "", http.StatusOK, frontendcontract.SigningDocuments)
	signee.expect(http.MethodPost, "/actions?language=nb", `{"action":"sign"}`, http.StatusOK, frontendcontract.UserActionResponse)

	state := owner.expect(http.MethodGet, "/signing", "", http.StatusOK, frontendcontract.SigneeList)
	if strings.Contains(string(state), `"signedTime":null`) {
		t.Errorf("signing state after every signature = %s", state)
	}
	if issues := owner.expect(http.MethodGet, "/validate?language=nb", "", http.StatusOK, frontendcontract.ValidationIssues); string(bytes.TrimSpace(issues)) != "[]" {
		t.Errorf("validate after every signature = %s, want []", issues)
	}
	// The submit; the signatures' wake-ups may still be on their way.
	err := scenario.Eventually(within(t, 30*time.Second), func() (bool, error) {
		status, out := owner.call(http.MethodPut, "/process/next?language=nb", "null")
		if status == http.StatusConflict {
			return false, nil
		}
		if status != http.StatusOK {
			t.Fatalf("submit = %d %s", status, out)
		}
		if err := frontendcontract.Check(frontendcontract.ProcessState, out); err != nil {
			t.Errorf("submit: %v\nbody: %s", err, out)
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	outcome(t, r, "signed")
}
