package lambdaconf

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/signingflow/signing/internal/redact"
)

// NewLogger returns a JSON logger on w that adds the Lambda request ID of
// the context to every record logged with one (slog.InfoContext and kin)
// and masks national-ID-shaped digit runs in every record (redact.Handler).
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(requestIDHandler{redact.Handler{Next: slog.NewJSONHandler(w, nil)}})
}

// requestIDHandler adds "requestId" from the Lambda context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// Exit logs an initialisation error and exits with status 1; the Lambda
// runtime reports the failed init.
func Exit(msg string, err error) {
	slog.Error(msg, "error", err.Error())
	os.Exit(1)
}
