package signing

import (
	"reflect"
	"testing"
)

// TestAttachments: a digest recorded with its content type and filename
// names its attachment by them (no instance read); an older digest without
// them is named by the instance's data element, or by its data type.
func TestAttachments(t *testing.T) {
	t.Parallel()
	recorded := []DataElementDigest{{DataElementID: "a", DataType: "ref-data-as-pdf", ContentType: "application/pdf", Filename: "skjema.pdf"}}
	old := []DataElementDigest{{DataElementID: "a", DataType: "ref-data-as-pdf"}, {DataElementID: "gone", DataType: "vedlegg"}}
	data := []DataElement{{ID: "a", DataType: "ref-data-as-pdf", ContentType: "application/pdf", Filename: "skjema.pdf"}}
	if !described(recorded) || described(old) {
		t.Fatalf("described(recorded) = %v, described(old) = %v; want true, false", described(recorded), described(old))
	}
	want := []Attachment{{DataElementID: "a", Filename: "skjema.pdf", ContentType: "application/pdf"}}
	if got := attachments(recorded, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("attachments(recorded) = %+v, want %+v", got, want)
	}
	want = append(want, Attachment{DataElementID: "gone", Filename: "vedlegg"})
	if got := attachments(old, data); !reflect.DeepEqual(got, want) {
		t.Errorf("attachments(old) = %+v, want %+v", got, want)
	}
}
