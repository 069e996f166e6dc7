// Package httpserve serves the local HTTP handlers (the local stack's edge
// and HTTP API emulation, the platform emulator) on addresses bound before
// the servers start, so a port is known before whatever needs it starts.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a handler listening on an address.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:4566".
	URL  string
	Port int
	srv  *http.Server
	done chan error

	once     sync.Once
	serveErr error
}

// Listen binds addr (e.g. "127.0.0.1:4566", or ":0" style for a free port)
// without serving yet, so the port is known before the upstreams start.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httpserve: listen %s: %w", addr, err)
	}
	return ln, nil
}

// URL is the base URL Serve gives ln, e.g. "http://127.0.0.1:4566", known
// before serving (the local stack builds the emulator's IDP for it).
func URL(ln net.Listener) string {
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Serve serves h on ln until Shutdown.
func Serve(ln net.Listener, h http.Handler) *Server {
	addr := ln.Addr().(*net.TCPAddr)
	s := &Server{
		URL:  URL(ln),
		Port: addr.Port,
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second},
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s
}

// Shutdown stops accepting calls and waits for those in flight until ctx
// ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	if serveErr := s.wait(); err == nil {
		err = serveErr
	}
	return err
}

// Close stops the server at once.
func (s *Server) Close() error {
	if err := s.srv.Close(); err != nil {
		return err
	}
	return s.wait()
}

// wait returns the result of Serve once it has returned; it may be called
// more than once.
func (s *Server) wait() error {
	s.once.Do(func() { s.serveErr = <-s.done })
	return s.serveErr
}
