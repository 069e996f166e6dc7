package emulator

import (
	"fmt"
	"net"
	"strings"

	"github.com/signingflow/signing/internal/httpserve"
	"github.com/signingflow/signing/internal/platform"
)

// DevToken is the bearer token Config uses; the emulator accepts any
// non-empty token unless WithToken says otherwise.
const DevToken = "emulator-dev-token"

// Config returns a client configuration for an emulator at baseURL: the
// bearer token DevToken and the platform access tokens of
// DevPlatformTokens, which an emulator built without WithIDP accepts.
func Config(baseURL string) platform.Config {
	b := strings.TrimRight(baseURL, "/")
	return platform.Config{
		StorageURL:        b + "/storage/api/v1",
		AccessURL:         b + "/accessmanagement/api/v1",
		CorrespondenceURL: b,
		RegisterURL:       b,
		AuthorizationURL:  b,
		Tokens:            platform.StaticToken(DevToken),
		PlatformTokens:    DevPlatformTokens(),
	}
}

// Server is an emulator listening on a loopback address: its URL (e.g.
// "http://127.0.0.1:5101"), Shutdown and Close.
type Server struct{ *httpserve.Server }

// Start serves the emulator on addr, which must be a loopback address such
// as "127.0.0.1:5101" or "localhost:0" (empty means "127.0.0.1:0").
func (e *Emulator) Start(addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("emulator: address %q: must be a loopback address", addr)
	}
	ln, err := httpserve.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	return &Server{httpserve.Serve(ln, e.Handler())}, nil
}

// Config returns a client configuration for this server.
func (s *Server) Config() platform.Config { return Config(s.URL) }
