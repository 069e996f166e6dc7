package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/platform"
)

// DevToken is the bearer token Config uses; the emulator accepts any
// non-empty token unless WithToken says otherwise.
const DevToken = "emulator-dev-token"

// Config returns a client configuration for an emulator at baseURL.
func Config(baseURL string) platform.Config {
	b := strings.TrimRight(baseURL, "/")
	return platform.Config{
		StorageURL:        b + "/storage/api/v1",
		AccessURL:         b + "/accessmanagement/api/v1",
		CorrespondenceURL: b,
		NotificationsURL:  b,
		RegisterURL:       b,
		Tokens:            platform.StaticToken(DevToken),
	}
}

// Server is an emulator listening on a loopback address.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:5101".
	URL  string
	srv  *http.Server
	done chan error

	once     sync.Once
	serveErr error
}

// wait returns the result of Serve once it has returned.
func (s *Server) wait() error {
	s.once.Do(func() { s.serveErr = <-s.done })
	return s.serveErr
}

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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Config returns a client configuration for this server.
func (s *Server) Config() platform.Config { return Config(s.URL) }

// Shutdown stops accepting requests and waits for those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return err
	}
	return s.wait()
}

// Close stops the server at once.
func (s *Server) Close() error {
	if err := s.srv.Close(); err != nil {
		return err
	}
	return s.wait()
}
