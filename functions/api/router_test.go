package main

import (
	"strings"
	"testing"
)

// TestRouter_match pins down path matching: exact segments, percent-decoding, no prefixes.
func TestRouter_match(t *testing.T) {
	t.Parallel()
	rt := newRouter()
	tests := []struct {
		name        string
		method      string
		path        string
		wantPattern string
		wantParams  map[string]string
		wantAllowed []string
	}{
		{name: "signing_requests", method: "GET", path: "/signing-requests", wantPattern: "/signing-requests"},
		{name: "trailing_slash", method: "GET", path: "/signing-requests/"},
		{name: "no_leading_slash", method: "GET", path: "signing-requests"},
		{name: "state", method: "GET", path: "/ttd/founders/instances/50001/abc/signing", wantPattern: instancePrefix + "/signing",
			wantParams: map[string]string{"org": "ttd", "app": "founders", "instanceOwnerPartyId": "50001", "instanceGuid": "abc"}},
		{name: "decoded_segment", method: "GET", path: "/t%74d/founders/instances/50001/abc/signing", wantPattern: instancePrefix + "/signing",
			wantParams: map[string]string{"org": "ttd", "app": "founders", "instanceOwnerPartyId": "50001", "instanceGuid": "abc"}},
		{name: "bad_escape", method: "GET", path: "/t%zzd/founders/instances/50001/abc/signing"},
		{name: "empty_segment", method: "GET", path: "/ttd//instances/50001/abc/signing"},
		{name: "wrong_method", method: "GET", path: "/ttd/founders/instances/50001/abc/actions", wantAllowed: []string{"POST"}},
		{name: "literal_mismatch", method: "GET", path: "/ttd/founders/instance/50001/abc/signing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, params, allowed := rt.match(tt.method, tt.path)
			gotPattern := ""
			if got != nil {
				gotPattern = got.pattern
			}
			if gotPattern != tt.wantPattern || strings.Join(allowed, ",") != strings.Join(tt.wantAllowed, ",") {
				t.Fatalf("match(%s %s) = %q, allowed %v; want %q, %v", tt.method, tt.path, gotPattern, allowed, tt.wantPattern, tt.wantAllowed)
			}
			for k, v := range tt.wantParams {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}
