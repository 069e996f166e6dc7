package emulator

import (
	"fmt"
	"net"

	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/platform"
)

// Config returns a client configuration for an emulator at baseURL, which
// serves every service as Altinn's platform host does
// (platform.Config.WithPlatformURL): the service owner's bearer tokens of
// DevServiceOwnerTokens and the platform access tokens of
// DevPlatformTokens, both of which an emulator built without WithIDP
// accepts.
func Config(baseURL string) platform.Config {
	return platform.Config{
		Tokens:         DevServiceOwnerTokens(),
		PlatformTokens: DevPlatformTokens(),
	}.WithPlatformURL(baseURL)
}

// Server is an emulator listening on a loopback address: its URL (e.g.
// "http://127.0.0.1:5101"), Shutdown and Close.
type Server struct{ *httpserve.Server }

// Start serves the emulator on addr, which must be a loopback address such
// as "127.0.0.1:5101" or "localhost:0" (empty means "127.0.0.1:0").
func (e *Emulator) Start(addr string) (*Server, error) {
	ln, err := Listen(addr)
	if err != nil {
		return nil, err
	}
	return e.Serve(ln), nil
}

// Listen binds addr as Start does, without serving: a caller that builds
// the emulator's IDP for its URL (httpserve.URL) binds first, then Serve.
func Listen(addr string) (net.Listener, error) {
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
	return ln, nil
}

// Serve serves the emulator on ln, bound by the caller (Listen): the local
// stack binds first, to build the IDP for the URL it will serve (WithIDP).
func (e *Emulator) Serve(ln net.Listener) *Server {
	return &Server{httpserve.Serve(ln, e.Handler())}
}

// Config returns a client configuration for this server.
func (s *Server) Config() platform.Config { return Config(s.URL) }
