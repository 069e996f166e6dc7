package platform_test

import (
	"context"
	"errors"
	"testing"

	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

func TestStorageClient_GetApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name    string
		org     string
		app     string
		want    string
		wantErr error
	}{
		{name: "founders", org: "ttd", app: "founders", want: "Stiftelsesdokumenter"},
		{name: "unknown_app", org: "ttd", app: "nope", wantErr: signing.ErrNotFound},
		{name: "bad_org", org: "TTD", app: "founders", wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.c.Storage.GetApplication(context.Background(), tt.org, tt.app)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("GetApplication() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Title["nb"] != tt.want || got.ID != "ttd/founders" {
				t.Errorf("GetApplication() = %+v, want title %q", got, tt.want)
			}
		})
	}
}

func TestStorageClient_GetTexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name    string
		lang    string
		want    string
		wantErr error
	}{
		{name: "nb", lang: "nb", want: "Stiftelsesdokumenter"},
		{name: "en", lang: "en", want: "Founding documents"},
		{name: "missing_language", lang: "de", wantErr: signing.ErrNotFound},
		{name: "bad_language", lang: "nb-NO", wantErr: signing.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.c.Storage.GetTexts(context.Background(), "ttd", "founders", tt.lang)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("GetTexts() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got["appName"] != tt.want {
				t.Errorf("appName = %q, want %q", got["appName"], tt.want)
			}
		})
	}
}

func TestAppCatalog_App(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := platform.NewAppCatalog(e.c.Storage, 0)
	ctx := context.Background()

	got, err := cat.App(ctx, "ttd", "founders")
	if err != nil {
		t.Fatal(err)
	}
	if got.Titles["en"] != "Founding documents" || got.Texts["nn"]["appName"] == "" || len(got.Texts) != 3 {
		t.Errorf("App() = titles %v, %d languages", got.Titles, len(got.Texts))
	}
	apps, texts := e.emu.Calls(emulator.OpGetApplication), e.emu.Calls(emulator.OpGetTexts)
	if apps != 1 || texts != 3 {
		t.Errorf("calls = %d metadata, %d texts; want 1 and 3", apps, texts)
	}
	if _, err := cat.App(ctx, "ttd", "founders"); err != nil {
		t.Fatal(err)
	}
	if got := e.emu.Calls(emulator.OpGetApplication) + e.emu.Calls(emulator.OpGetTexts); got != apps+texts {
		t.Errorf("a second App() called storage again: %d calls, want %d", got, apps+texts)
	}
	if _, err := cat.App(ctx, "ttd", "nope"); !errors.Is(err, signing.ErrNotFound) {
		t.Errorf("App(unknown) error = %v, want ErrNotFound", err)
	}
}
