package stepfn_test

import (
	"errors"
	"testing"

	"github.com/signingflow/signing/internal/proof"
	"github.com/signingflow/signing/internal/proof/fuzzstep"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/stepfn"
)

// FuzzDecode feeds arbitrary step events to the strict decoder every step
// function uses: a refused event is signing.ErrInvalid naming a field, its
// name is Signing.Invalid, and what Step Functions would record (Error)
// holds no run of eleven digits; an accepted one validates or is refused
// by its own Validate, never by a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzstep.Generic {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask"},"signee":"p-775735aa3661a2e57beb46a4"}`))
	f.Add([]byte(`{"task":{"instanceGuid":"1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d","taskId":"SigningTask","extra":"15838523428"}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, v := range []interface{ Validate() error }{&stepfn.SigneeEvent{}, &stepfn.TaskEvent{}} {
			err := stepfn.Decode(payload, v)
			if err == nil {
				err = v.Validate()
				if err == nil {
					continue
				}
			}
			var fe *signing.FieldError
			if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("error = %v, want signing.ErrInvalid naming a field", err)
			}
			if name := stepfn.Name(err); name != stepfn.ErrorInvalid {
				t.Errorf("Name() = %s, want %s", name, stepfn.ErrorInvalid)
			}
			if leaks := proof.Leaks(stepfn.Error(err).Error()); len(leaks) > 0 {
				t.Errorf("Error() holds a national ID: %v", leaks)
			}
		}
	})
}
