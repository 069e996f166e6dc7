package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestAPI_hostileInput on the local stack: a sign whose body is not UTF-8,
// names a member twice (encoding/json would keep the last: reject, then
// sign), or carries a number where a string belongs is refused 400 and
// signs nothing; an 11-digit run in a path parameter, a query value or a
// header reaches no log line of the stack as it came.
func TestAPI_hostileInput(t *testing.T) {
	r := newRun(t)
	started(t, r)
	_, ola, _ := scenario.Founders(fixture)
	tok := localToken(t, ola, nil, time.Hour)
	const marker = "19283746501" // an 11-digit run no fixture holds
	path := "/" + r.Instance.Org + "/" + r.Instance.App + "/instances/" + strconv.FormatInt(r.Instance.PartyID, 10) + "/" + r.Instance.InstanceGUID
	send := func(t *testing.T, method, urlPath, body string, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(within(t, 30*time.Second), method, r.Stack.APIURL+urlPath, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tt := range []struct{ name, body string }{
		{"not_utf8", "{\"action\":\"sign\",\"buttonId\":\"\xff\xfe\"}"},
		{"action_given_twice", `{"action":"reject","action":"sign"}`},
		{"org_number_as_a_number", `{"action":"sign","onBehalfOf":312847612}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := send(t, http.MethodPost, path+"/actions", tt.body, nil); got != http.StatusBadRequest {
				t.Errorf("sign = %d, want 400", got)
			}
		})
	}
	if n := dataOfType(r, r.Input.Config.SignatureDataType); n != 0 {
		t.Errorf("%d signature documents after the refused signs, want 0", n)
	}
	send(t, http.MethodGet, "/"+r.Instance.Org+"/"+r.Instance.App+"/instances/"+marker+"/"+r.Instance.InstanceGUID+"/signing", "", nil)
	send(t, http.MethodGet, path+"/signing?taskId=a"+marker, "", nil)
	send(t, http.MethodGet, path+"/signing?language="+marker, "", nil)
	send(t, http.MethodPost, path+"/actions?taskId=T"+marker, `{"action":"sign"}`, map[string]string{"Idempotency-Key": marker})
	time.Sleep(500 * time.Millisecond) // the function host copies the processes' output asynchronously
	if strings.Contains(logs.String(), marker) {
		t.Errorf("the stack's logs carry the 11-digit run from input:\n%s", grepLines(logs.String(), marker))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
