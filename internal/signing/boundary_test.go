package signing

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPureImports fails when a domain or pure package, or any package under
// one, pulls in AWS or HTTP client code, directly or through a dependency.
func TestPureImports(t *testing.T) {
	t.Parallel()
	pure := []string{
		"github.com/signingflow/signing/internal/signing/...",
		"github.com/signingflow/signing/internal/ident/...",
		"github.com/signingflow/signing/internal/signees/...",
		"github.com/signingflow/signing/internal/appconfig/...",
	}
	forbidden := []string{"github.com/aws/", "net/http", "net/rpc", "google.golang.org/grpc"}
	for _, pkg := range pure {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Errorf("go list -deps %s: %v\n%s", pkg, err, out)
			continue
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
