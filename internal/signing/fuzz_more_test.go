package signing_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

// FuzzParseInstanceRef feeds arbitrary route values (org, app, party ID,
// instance GUID, task ID from the API's paths and query) to the parsers: a
// refused value is signing.ErrInvalid naming only the route's fields; an
// accepted reference validates, is its own normal form and makes a valid
// task key with a well-formed task ID.
func FuzzParseInstanceRef(f *testing.F) {
	f.Add("ttd", "founders", "50001", "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d", "SigningTask")
	f.Add("TTD", "found ers", "-1", "1D3C5B7A-9E8F-4A6B-8C2D-4E6F8A0B2C4D", "1task")
	f.Add("ttd", "founders", "9223372036854775808", " 1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d ", "_15838523428")
	f.Add("", "", "", "", "")
	f.Add("a-", "-a", "0x10", "1d3c5b7a9e8f4a6b8c2d4e6f8a0b2c4d", strings.Repeat("T", 129))
	f.Add("ttd", "founders", "+50001", "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d\n", "Signing/Task")
	fields := map[string]bool{"org": true, "app": true, "instanceOwnerPartyId": true, "instanceGuid": true}
	f.Fuzz(func(t *testing.T, org, app, partyID, guid, taskID string) {
		ref, err := signing.ParseInstanceRef(org, app, partyID, guid)
		if err != nil {
			var fes signing.FieldErrors
			if !errors.Is(err, signing.ErrInvalid) || !errors.As(err, &fes) || len(fes) == 0 {
				t.Fatalf("ParseInstanceRef() error = %v, want FieldErrors (ErrInvalid)", err)
			}
			for _, fe := range fes {
				if !fields[fe.Field] {
					t.Errorf("the error names field %q", fe.Field)
				}
			}
			return
		}
		if err := ref.Validate(); err != nil {
			t.Fatalf("an accepted reference does not validate: %v", err)
		}
		again, err := signing.ParseInstanceRef(ref.Org, ref.App, strconv.FormatInt(ref.PartyID, 10), ref.InstanceGUID)
		if err != nil || again != ref {
			t.Errorf("ParseInstanceRef() of %+v = %+v, %v; want itself", ref, again, err)
		}
		if got, want := ref.InstanceID(), strconv.FormatInt(ref.PartyID, 10)+"/"+ref.InstanceGUID; got != want || ref.PartyID <= 0 {
			t.Errorf("InstanceID() = %q, want %q", got, want)
		}
		key := signing.TaskKey{InstanceGUID: ref.InstanceGUID, TaskID: taskID}
		if err := key.Validate(); err != nil {
			var fes signing.FieldErrors
			if !errors.As(err, &fes) || len(fes) != 1 || fes[0].Field != "taskId" {
				t.Errorf("TaskKey.Validate() = %v, want only taskId refused", err)
			}
		} else if strings.ContainsAny(taskID, "/ \n") || key.String() != ref.InstanceGUID+"/"+taskID {
			t.Errorf("task ID %q accepted", taskID)
		}
	})
}

// FuzzRequestKey feeds arbitrary Idempotency-Key values: an accepted key is
// 1 to 255 printable ASCII characters without spaces, and its request hash
// is 64 hex digits that never contain the key, differ by person and signee,
// and are stable.
func FuzzRequestKey(f *testing.F) {
	for _, k := range []string{"5f0c7d1e-6a43-4b8e-9a43-3c1f0e2d9b77", "", " ", "nøkkel", "a\x00b", strings.Repeat("k", 256), "~!"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := signing.ValidateRequestKey(key)
		if err != nil {
			return
		}
		if len(key) == 0 || len(key) > signing.MaxRequestKeyLength {
			t.Fatalf("accepted a key of %d bytes", len(key))
		}
		for _, c := range []byte(key) {
			if c <= ' ' || c > '~' {
				t.Fatalf("accepted a key with byte %#x", c)
			}
		}
		const signee = signing.SigneeKey("p-0123456789abcdef01234567")
		h := signing.RequestHash("identity-a", signee, key)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" || (len(key) >= 16 && strings.Contains(h, key)) {
			t.Fatalf("RequestHash = %q", h)
		}
		if h != signing.RequestHash("identity-a", signee, key) ||
			h == signing.RequestHash("identity-b", signee, key) ||
			h == signing.RequestHash("identity-a", "o-0123456789abcdef01234567", key) {
			t.Fatal("the hash is not stable, or does not bind person and signee")
		}
	})
}
