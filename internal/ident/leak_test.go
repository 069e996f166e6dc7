package ident_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/ident"
)

// TestNationalID_neverRevealsDigits checks that formatting, logging and
// serializing a NationalID never shows its last five digits.
func TestNationalID_neverRevealsDigits(t *testing.T) {
	t.Parallel()

	const input = "01010012356"
	const secret = "12356" // the part that must never appear
	id, err := ident.ParseNationalID(input)
	if err != nil {
		t.Fatal(err)
	}
	type exported struct {
		Signer ident.NationalID
	}
	type unexported struct {
		signer ident.NationalID
	}

	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%o", "%b", "%T", "%20v", "%-20s", "%.3s", "%#q", "%+q"}
	values := []struct {
		name string
		v    any
	}{
		{name: "value", v: id},
		{name: "pointer", v: &id},
		{name: "slice", v: []ident.NationalID{id}},
		{name: "map_value", v: map[string]ident.NationalID{"k": id}},
		{name: "exported_field", v: exported{Signer: id}},
		{name: "unexported_field", v: unexported{signer: id}},
		{name: "pointer_to_unexported_field", v: &unexported{signer: id}},
	}
	for _, val := range values {
		for _, verb := range verbs {
			got := fmt.Sprintf(verb, val.v)
			if strings.Contains(got, secret) || strings.Contains(got, input) {
				t.Errorf("Sprintf(%q, %s) = %q, reveals the digits", verb, val.name, got)
			}
		}
	}
	if got, want := fmt.Sprintf("%v|%s|%q|%d", id, id, id, id), `010100*****|010100*****|"010100*****"|010100*****`; got != want {
		t.Errorf("Sprintf() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(id), "010100*****"; got != want {
		t.Errorf("Sprint() = %q, want %q", got, want)
	}

	t.Run("slog_json_handler", func(t *testing.T) {
		t.Parallel()

		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, nil))
		logger.Info("signing", "signer", id, slog.Any("ptr", &id), slog.Any("wrapped", exported{Signer: id}),
			slog.Group("g", "signer", id))
		got := buf.String()
		if strings.Contains(got, secret) {
			t.Errorf("JSON log = %q, reveals the digits", got)
		}
		if !strings.Contains(got, `"signer":"010100*****"`) {
			t.Errorf("JSON log = %q, want the masked form for signer", got)
		}
	})

	t.Run("slog_text_handler", func(t *testing.T) {
		t.Parallel()

		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, nil))
		logger.Info("signing", "signer", id, "wrapped", exported{Signer: id}, "hidden", unexported{signer: id})
		if got := buf.String(); strings.Contains(got, secret) {
			t.Errorf("text log = %q, reveals the digits", got)
		}
	})

	t.Run("json_marshal", func(t *testing.T) {
		t.Parallel()

		for _, v := range []any{id, &id, exported{Signer: id}, map[ident.NationalID]int{id: 1}, []ident.NationalID{id}} {
			got, err := json.Marshal(v)
			// encoding/json does not wrap errors from map key marshalling, so
			// check the text instead of errors.Is.
			if err == nil || !strings.Contains(err.Error(), ident.ErrNotSerializable.Error()) {
				t.Errorf("json.Marshal(%T) error = %v, want ErrNotSerializable", v, err)
			}
			if bytes.Contains(got, []byte(secret)) || (err != nil && strings.Contains(err.Error(), secret)) {
				t.Errorf("json.Marshal(%T) = %q, %v, reveals the digits", v, got, err)
			}
		}
		if _, err := json.Marshal(exported{Signer: id}); !errors.Is(err, ident.ErrNotSerializable) {
			t.Errorf("json.Marshal(struct) error = %v, want errors.Is ErrNotSerializable", err)
		}
	})

	t.Run("text_and_xml_marshal", func(t *testing.T) {
		t.Parallel()

		if got, err := id.MarshalText(); !errors.Is(err, ident.ErrNotSerializable) || got != nil {
			t.Errorf("MarshalText() = %q, %v, want nil, ErrNotSerializable", got, err)
		}
		if got, err := id.MarshalJSON(); !errors.Is(err, ident.ErrNotSerializable) || got != nil {
			t.Errorf("MarshalJSON() = %q, %v, want nil, ErrNotSerializable", got, err)
		}
		if got, err := xml.Marshal(exported{Signer: id}); err == nil || bytes.Contains(got, []byte(secret)) {
			t.Errorf("xml.Marshal() = %q, %v, want an error and no digits", got, err)
		}
		if !strings.Contains(ident.ErrNotSerializable.Error(), "Digits()") {
			t.Errorf("ErrNotSerializable = %q, want it to point to Digits()", ident.ErrNotSerializable)
		}
	})
}
