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
