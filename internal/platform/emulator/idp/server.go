package idp

import (
	"net/http/httptest"
)

// NewTestServer starts the double on a loopback httptest.Server, with
// opts.BaseURL set to the server's URL. Close the server when done.
func NewTestServer(opts Options) (*IDP, *httptest.Server, error) {
	srv := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + srv.Listener.Addr().String()
	p, err := New(opts)
	if err != nil {
		srv.Listener.Close()
		return nil, nil, err
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	return p, srv, nil
}
