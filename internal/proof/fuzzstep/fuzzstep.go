// Package fuzzstep is what the step functions' fuzz targets share: seeds
// (the sample events of a step and inputs every step must refuse) and the
// check of one invocation: a failure is one of the state machine's named
// errors (Signing.*) whose message holds no run of eleven digits, and a
// success carries none of the fixture's national IDs the input did not.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package fuzzstep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
	"github.com/signingflow/signing/internal/stepfn"
	"github.com/signingflow/signing/internal/stepfn/stepfntest"
)

// Generic are payloads every step must refuse (or take) without panicking:
// not an object, wrong types, unknown fields, keys in odd forms, a national
// ID where a key belongs, deep nesting.
var Generic = []string{
	``,
	`null`,
	`[]`,
	`"task"`,
	`{}`,
	`{"task":null}`,
	`{"task":{}}`,
	`{"task":{"instanceGuid":1,"taskId":true}}`,
	`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask"}} trailing`,
	`{"task":{"instanceGuid":"1D3C5B7A-9E8F-4A6B-8C2D-4E6F8A0B2C4D","taskId":"SigningTask"}}`,
	`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"_15838523428"},"signee":"p-000000000000000000000000"}`,
	`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask"},"signee":"15838523428"}`,
	`{"15838523428":"02919043558"}`,
	`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask"},"status":"completed","signee":"o-fb5ee1e33696ac1cf43caad5"}`,
	`{"input":{"version":1,"instance":{"org":"ttd","app":"founders","instanceOwnerPartyId":50001,"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d"},"taskId":"SigningTask","config":{"dataTypesToSign":["ref-data-as-pdf"],"signatureDataType":"signatures","signeeProviderId":"founders","signeeStatesDataTypeId":"signeeState"},"deadline":"tomorrow"},"executionArn":"arn:x"}`,
	strings.Repeat(`{"task":`, 200) + `null` + strings.Repeat(`}`, 200),
	// Byte-level: a name given twice (encoding/json would keep the last), bytes that are not UTF-8.
	`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask","taskId":"Other"},"signee":"p-775735aa3661a2e57beb46a4"}`,
	`{"signee":"p-775735aa3661a2e57beb46a4","signee":"o-fb5ee1e33696ac1cf43caad5","task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask"}}`,
	"{\"task\":{\"instanceGuid\":\"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d\",\"taskId\":\"Signing\xffTask\"}}",
	"\xef\xbb\xbf{}",
}

// Seeds adds events/<prefix>*.json for each prefix, and Generic, to f.
func Seeds(f *testing.F, prefixes ...string) {
	f.Helper()
	root := signingtest.ModuleRoot(f)
	n := 0
	for _, prefix := range prefixes {
		files, err := filepath.Glob(filepath.Join(root, "events", prefix+"*.json"))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no sample events for %v", prefixes)
	}
	for _, g := range Generic {
		f.Add([]byte(g))
	}
}

// Service returns the service a step handler runs on for payload: for
// JSON, a fresh harness's (the founders task prepared by setup, if any);
// for anything else nil, because the strict decoder refuses such a payload
// before the handler touches its service, and the fuzzer then gets through
// it a hundred times faster. A handler that did touch it would panic, which
// the fuzzer reports.
func Service(t *testing.T, payload []byte, setup func(*testing.T, *signingtest.Harness)) *signing.Service {
	t.Helper()
	if !json.Valid(payload) {
		return nil
	}
	h := signingtest.New(t)
	if setup != nil {
		setup(t, h)
	}
	return h.Svc
}

// Check checks one invocation of a step handler with payload.
func Check(t *testing.T, payload []byte, out any, err error) {
	t.Helper()
	if err != nil {
		name, msg := stepfntest.ErrorName(t, err)
		if !slices.Contains(stepfn.Names(), name) {
			t.Errorf("error name %q is none of %v", name, stepfn.Names())
		}
		// What Step Functions records as the cause: never a run of eleven digits.
		if leaks := proof.Leaks(msg); len(leaks) > 0 {
			t.Errorf("the error message holds a national ID: %v", leaks)
		}
		return
	}
	b, jerr := json.Marshal(out)
	if jerr != nil {
		t.Fatalf("the result does not encode: %v", jerr)
	}
	for _, id := range proof.FixtureNationalIDs {
		if strings.Contains(string(b), id) && !strings.Contains(string(payload), id) {
			t.Errorf("the result holds a national ID the input did not: %s", proof.Leaks(string(b), id))
		}
	}
}
