package signingtest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/signingflow/signing/internal/stepfn"
)

// Refusal is one event a workflow step must refuse without writing
// anything.
type Refusal struct {
	// Name names the subtest; empty means Event.
	Name string
	// Event names the sample event, events/<Event>.json.
	Event string
	// Want is the error name; empty means stepfn.ErrorInvalid.
	Want string
	// WantText are what the error message must name.
	WantText []string
	// Prepare, when set, readies the harness further before the call (after
	// setup) and returns more texts the message must name.
	Prepare func(t *testing.T, h *Harness) []string
}

// nationalIDs are the fixture's people's national IDs, which no error
// message may echo.
var nationalIDs = []string{"15838523428", "02919043558"}

// CheckRefusals runs each case in a parallel subtest on the harness setup
// returns: it invokes the handler that handler builds over the harness with
// the case's event and checks the error name, that the message names each
// WantText and echoes no national ID, and that nothing was written (no
// repository change, delegation, message, notification order or data
// element: WatchWrites). after, when set, checks more of the harness.
func CheckRefusals[R any](t *testing.T, cases []Refusal, setup func(*testing.T) *Harness,
	handler func(*Harness) func(context.Context, json.RawMessage) (R, error), after func(*testing.T, *Harness)) {
	t.Helper()
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = c.Event
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			wantText := c.WantText
			if c.Prepare != nil {
				wantText = append(wantText[:len(wantText):len(wantText)], c.Prepare(t, h)...)
			}
			w := WatchWrites(t, h)
			_, err := handler(h)(context.Background(), Event(t, c.Event))
			want := c.Want
			if want == "" {
				want = stepfn.ErrorInvalid
			}
			var ie messages.InvokeResponse_Error
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v (%T), want a messages.InvokeResponse_Error", err, err)
			}
			if ie.Type != want {
				t.Errorf("error name = %q, want %q (%s)", ie.Type, want, ie.Message)
			}
			for _, text := range wantText {
				if !strings.Contains(ie.Message, text) {
					t.Errorf("message %q does not name %q", ie.Message, text)
				}
			}
			for _, id := range nationalIDs {
				if strings.Contains(ie.Message, id) {
					t.Errorf("message %q echoes a national ID", ie.Message)
				}
			}
			w.NothingWritten(t)
			if after != nil {
				after(t, h)
			}
		})
	}
}

// Event returns the sample event events/<name>.json.
func Event(t testing.TB, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleRoot(t), "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
