package signing

import (
	"strings"
	"testing"
	"time"
)

func TestDigestReader(t *testing.T) {
	t.Parallel()
	got, err := DigestReader("d1", "ref-data-as-pdf", strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got.SHA256 != want || got.Size != 3 || got.DataElementID != "d1" {
		t.Errorf("DigestReader() = %+v, want sha %s size 3", got, want)
	}
}

func TestSignature_Validate(t *testing.T) {
	t.Parallel()
	valid := Signature{
		Task:      TaskKey{InstanceGUID: testInst.InstanceGUID, TaskID: "SigningTask"},
		SigneeKey: "p-0123456789abcdef01234567",
		Signer:    Signer{IdentityHash: "0123456789abcdef0123456789abcdef"},
		SignedAt:  testNow,
		Digests:   []DataElementDigest{{DataElementID: "d1", SHA256: strings.Repeat("a", 64)}},
	}
	tests := []struct {
		name      string
		mutate    func(*Signature)
		wantField string
	}{
		{name: "valid", mutate: func(*Signature) {}},
		{name: "no_digests", mutate: func(s *Signature) { s.Digests = nil }, wantField: "digests"},
		{name: "upper_hex", mutate: func(s *Signature) {
			s.Digests = []DataElementDigest{{DataElementID: "d", SHA256: strings.Repeat("A", 64)}}
		}, wantField: "digests[0].sha256Hash"},
		{name: "no_element", mutate: func(s *Signature) { s.Digests[0].DataElementID = "" }, wantField: "digests[0].dataElementId"},
		{name: "no_time", mutate: func(s *Signature) { s.SignedAt = time.Time{} }, wantField: "signedAt"},
		{name: "no_signer", mutate: func(s *Signature) { s.Signer.IdentityHash = "" }, wantField: "signer.identityHash"},
		{name: "bad_task", mutate: func(s *Signature) { s.Task.TaskID = "" }, wantField: "taskId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := valid
			s.Digests = append([]DataElementDigest(nil), valid.Digests...)
			tt.mutate(&s)
			err := s.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			assertField(t, err, tt.wantField)
		})
	}
}
