package platform_test

import (
	"testing"

	"github.com/signingflow/signing/internal/platform"
)

func TestConfig_WithPlatformURL(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"https://platform.tt02.altinn.no", "https://platform.tt02.altinn.no/", " https://platform.tt02.altinn.no "} {
		got := platform.Config{Timeout: 7}.WithPlatformURL(in)
		want := platform.Config{
			StorageURL: "https://platform.tt02.altinn.no/storage/api/v1", AccessURL: "https://platform.tt02.altinn.no/accessmanagement/api/v1",
			CorrespondenceURL: "https://platform.tt02.altinn.no",
			RegisterURL:       "https://platform.tt02.altinn.no", AuthorizationURL: "https://platform.tt02.altinn.no", Timeout: 7,
		}
		if got != want {
			t.Errorf("WithPlatformURL(%q) = %+v, want %+v", in, got, want)
		}
		if got := platform.AuthenticationURL(in); got != "https://platform.tt02.altinn.no/authentication/api/v1" {
			t.Errorf("AuthenticationURL(%q) = %q", in, got)
		}
	}
}
