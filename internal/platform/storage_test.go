package platform_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

func TestStorageClient_GetInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	got, err := e.c.Storage.GetInstance(t.Context(), foundersRef)
	if err != nil {
		t.Fatalf("GetInstance() error = %v", err)
	}
	if got.Ref != foundersRef || !got.OwnerPerson.Equal(mustNationalID(t, kariSSN)) || got.CurrentTask != "SigningTask" || got.OwnerOrgNumber != "" {
		t.Errorf("GetInstance() = %+v, want ref, owner Kari by person number, task SigningTask", got)
	}
	if len(got.Data) != 2 {
		t.Fatalf("len(Data) = %d, want 2", len(got.Data))
	}
	pdf := got.Data[1]
	want := signing.DataElement{
		ID: pdfID, DataType: "ref-data-as-pdf", ContentType: "application/pdf", Filename: "Stiftelsesdokumenter.pdf",
		Size: pdf.Size, Created: time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC), LastChanged: time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC),
		GeneratedFromTask: "Task_1", Tags: []string{},
	}
	if !reflect.DeepEqual(pdf, want) || pdf.Size == 0 {
		t.Errorf("Data[1] = %+v, want %+v", pdf, want)
	}
	bearer, err := e.cfg.Tokens.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if h := e.header("/storage/api/v1/instances/50001/" + instanceGUID); h.Get("Authorization") != "Bearer "+bearer || h.Get("User-Agent") != platform.DefaultUserAgent {
		t.Errorf("headers = %v, want bearer token and user agent", h)
	}
}

func TestStorageClient_GetInstance_errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name       string
		ref        signing.InstanceRef
		want       error
		wantStatus int
	}{
		{name: "unknown_instance", ref: unknownRef, want: signing.ErrNotFound, wantStatus: 404},
		{name: "other_app", ref: signing.InstanceRef{Org: "ttd", App: "other", PartyID: ownerPartyID, InstanceGUID: instanceGUID}, want: signing.ErrNotFound, wantStatus: 200},
		{name: "malformed_ref_not_sent", ref: signing.InstanceRef{Org: "TTD", App: "founders", PartyID: 0, InstanceGUID: "x"}, want: signing.ErrInvalid, wantStatus: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Storage.GetInstance(t.Context(), tt.ref)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Status != tt.wantStatus {
				t.Errorf("GetInstance() error = %v, want *PermanentError %d matching %v", err, tt.wantStatus, tt.want)
			}
		})
	}
}

func TestStorageClient_ReadData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantModel, err := os.ReadFile("emulator/fixtures/founders/model.xml")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		id        string
		want      signing.DataElement
		wantBytes []byte
	}{
		{
			name: "model_json",
			id:   modelID,
			want: signing.DataElement{ID: modelID, ContentType: "application/xml", Size: int64(len(wantModel)),
				LastChanged: time.Date(2025, 3, 3, 9, 12, 0, 0, time.UTC)},
			wantBytes: wantModel,
		},
		{
			name: "pdf_with_filename_uppercase_id",
			id:   "8A2F4C6E-1B3D-4F5A-9C7E-0D2B4F6A8C11",
			want: signing.DataElement{ID: pdfID, ContentType: "application/pdf", Filename: "Stiftelsesdokumenter.pdf",
				LastChanged: time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			rc, got, err := e.c.Storage.ReadData(t.Context(), foundersRef, tt.id)
			if err != nil {
				t.Fatalf("ReadData() error = %v", err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if tt.want.Size == 0 {
				tt.want.Size = int64(len(b))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadData() element = %+v, want %+v", got, tt.want)
			}
			if tt.wantBytes != nil && !bytes.Equal(b, tt.wantBytes) {
				t.Errorf("ReadData() bytes = %q, want %q", b, tt.wantBytes)
			}
		})
	}
}

// TestStorageClient_ReadData_timeoutCoversHeadersOnly reads the body after
// the call timeout has passed: only the wait for the headers is bounded by it.
func TestStorageClient_ReadData_timeoutCoversHeadersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.cfg
	cfg.Timeout = 300 * time.Millisecond
	c := e.clients(t, cfg)

	rc, _, err := c.Storage.ReadData(t.Context(), foundersRef, pdfID)
	if err != nil {
		t.Fatalf("ReadData() error = %v", err)
	}
	defer rc.Close()
	time.Sleep(500 * time.Millisecond)
	b, err := io.ReadAll(rc)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("ReadAll() = %d bytes, %v; want the PDF", len(b), err)
	}
}

func TestStorageClient_ReadData_errors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name string
		ref  signing.InstanceRef
		id   string
		want error
		code string
	}{
		{name: "unknown_element", ref: foundersRef, id: "00000000-0000-4000-8000-0000000000ff", want: signing.ErrNotFound, code: "DataElementNotFound"},
		{name: "unknown_instance", ref: unknownRef, id: modelID, want: signing.ErrNotFound, code: "InstanceNotFound"},
		{name: "malformed_id_not_sent", ref: foundersRef, id: "../../other", want: signing.ErrInvalid, code: "InvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			rc, _, err := e.c.Storage.ReadData(t.Context(), tt.ref, tt.id)
			var pe *platform.PermanentError
			if rc != nil || !errors.As(err, &pe) || !errors.Is(err, tt.want) || pe.Code != tt.code {
				t.Errorf("ReadData() = %v, %v; want nil, *PermanentError %s matching %v", rc, err, tt.code, tt.want)
			}
		})
	}
}

func TestStorageClient_CreateData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pdf := []byte("%PDF-1.4 signing step")
	el := signing.NewDataElement{
		DataType: "signing-step-pdf", ContentType: "application/pdf", Filename: "signing-step-pdf.pdf",
		GeneratedFromTask: "SigningTask", IdempotencyKey: "pdf:" + instanceGUID + ":SigningTask", Body: pdf,
	}

	first, err := e.c.Storage.CreateData(t.Context(), foundersRef, el)
	if err != nil {
		t.Fatalf("CreateData() error = %v", err)
	}
	want := signing.DataElement{
		ID: first.ID, DataType: "signing-step-pdf", ContentType: "application/pdf", Filename: "signing-step-pdf.pdf",
		Size: int64(len(pdf)), Created: first.Created, LastChanged: first.Created, GeneratedFromTask: "SigningTask", Tags: []string{},
	}
	if !reflect.DeepEqual(first, want) || first.ID == "" || first.Created.IsZero() {
		t.Errorf("CreateData() = %+v, want %+v", first, want)
	}
	if got := e.header("/storage/api/v1/instances/50001/" + instanceGUID + "/data"); got.Get("Idempotency-Key") != "" ||
		got.Get("Content-Disposition") != `attachment; filename=signing-step-pdf.pdf` || got.Get("Content-Type") != "application/pdf" {
		t.Errorf("request headers = %v", got)
	}

	t.Run("repeat_returns_first", func(t *testing.T) {
		again, err := e.c.Storage.CreateData(t.Context(), foundersRef, el)
		if err != nil || !reflect.DeepEqual(again, first) {
			t.Errorf("CreateData() again = %+v, %v; want %+v", again, err, first)
		}
	})
	t.Run("instance_shows_element", func(t *testing.T) {
		in, err := e.c.Storage.GetInstance(t.Context(), foundersRef)
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Data) != 3 || !reflect.DeepEqual(in.Data[2], first) {
			t.Errorf("instance data = %+v, want the new element last", in.Data)
		}
	})
	t.Run("read_back", func(t *testing.T) {
		rc, got, err := e.c.Storage.ReadData(t.Context(), foundersRef, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		if !bytes.Equal(b, pdf) || got.Filename != "signing-step-pdf.pdf" || got.ContentType != "application/pdf" {
			t.Errorf("ReadData() = %q, %+v", b, got)
		}
	})
	t.Run("same_type_task_and_name_is_found", func(t *testing.T) {
		// Storage dedupes nothing: the client finds the earlier element.
		other := el
		other.Body = []byte("%PDF-1.4 something else")
		got, err := e.c.Storage.CreateData(t.Context(), foundersRef, other)
		if err != nil || !reflect.DeepEqual(got, first) {
			t.Errorf("CreateData() = %+v, %v; want the first element", got, err)
		}
	})
	t.Run("recorded_once", func(t *testing.T) {
		n := 0
		for _, d := range e.emu.Data() {
			if d.Source == "api" {
				n++
				if d.GeneratedFromTask != "SigningTask" || !bytes.Equal(d.Bytes, pdf) {
					t.Errorf("recorded %+v", d)
				}
			}
		}
		if n != 1 {
			t.Errorf("created elements = %d, want 1", n)
		}
	})
}

func TestStorageClient_CreateData_invalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name string
		ref  signing.InstanceRef
		el   signing.NewDataElement
		want error
	}{
		{name: "unknown_instance", ref: unknownRef, el: signing.NewDataElement{DataType: "x", ContentType: "application/pdf", Body: []byte("x")}, want: signing.ErrNotFound},
		{name: "no_data_type", ref: foundersRef, el: signing.NewDataElement{ContentType: "application/pdf"}, want: signing.ErrInvalid},
		{name: "bad_content_type", ref: foundersRef, el: signing.NewDataElement{DataType: "x", ContentType: "pdf"}, want: signing.ErrInvalid},
		{name: "path_in_filename", ref: foundersRef, el: signing.NewDataElement{DataType: "x", ContentType: "application/pdf", Filename: "../x.pdf"}, want: signing.ErrInvalid},
		{name: "bad_idempotency_key", ref: foundersRef, el: signing.NewDataElement{DataType: "x", ContentType: "application/pdf", IdempotencyKey: "a b"}, want: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := e.c.Storage.CreateData(t.Context(), tt.ref, tt.el)
			var pe *platform.PermanentError
			if !errors.As(err, &pe) || !errors.Is(err, tt.want) {
				t.Errorf("CreateData() error = %v, want *PermanentError matching %v", err, tt.want)
			}
		})
	}
	for _, d := range e.emu.Data() {
		if d.Source != "fixture" {
			t.Errorf("recorded %+v, want nothing created", d)
		}
	}
}

// TestStorageClient_Sign signs as Storage's sign endpoint does it: with the
// user's own token, refused until the user may sign the current task, then
// one signature document per signee, replaced when the same signee signs
// again.
func TestStorageClient_Sign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ola emulator.Person
	for _, p := range emulator.Founders().Persons {
		if p.SSN == olaSSN {
			ola = p
		}
	}
	token, err := emulator.PersonToken(ola)
	if err != nil {
		t.Fatal(err)
	}
	in := signing.StorageSign{SignatureDataType: "signatures", TaskID: "SigningTask", DataElementIDs: []string{modelID, pdfID},
		UserID: "1002", Person: mustNationalID(t, olaSSN)}

	err = e.c.Storage.Sign(t.Context(), token, foundersRef, in)
	var pe *platform.PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusForbidden {
		t.Fatalf("Sign() before the delegation error = %v, want 403", err)
	}
	if err := e.c.Access.Delegate(t.Context(), delegation(olaUUID, "read", "sign")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := e.c.Storage.Sign(t.Context(), token, foundersRef, in); err != nil {
			t.Fatalf("Sign() error = %v", err)
		}
	}
	var docs []emulator.DataRecord
	for _, d := range e.emu.Data() {
		if d.DataType == "signatures" {
			docs = append(docs, d)
		}
	}
	if len(docs) != 1 || docs[0].Source != "sign" || docs[0].ContentType != "application/json" || docs[0].Filename != "signatures.json" {
		t.Fatalf("signature documents = %+v, want one, replaced on the second signing", docs)
	}
	var doc wire.SignDocument
	if err := json.Unmarshal(docs[0].Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	pdf := sha256.Sum256(mustRead(t, "emulator/fixtures/founders/ref-data-as-pdf.pdf"))
	if doc.ID != docs[0].ID || string(doc.SigneeInfo.UserID) != "1002" || len(doc.DataElementSignatures) != 2 ||
		doc.DataElementSignatures[1].SHA256Hash != hex.EncodeToString(pdf[:]) {
		t.Errorf("sign document = %+v", doc)
	}
	if h := e.header("/storage/api/v1/instances/50001/" + instanceGUID + "/sign"); h.Get("Authorization") != "Bearer "+token {
		t.Errorf("sign went without the user's own token")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
