package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/webhook"
)

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		why  string // "" when allowed
	}{
		{addr: "127.0.0.1", why: "loopback"},
		{addr: "127.8.9.10", why: "loopback"},
		{addr: "::1", why: "loopback"},
		{addr: "::ffff:127.0.0.1", why: "loopback"},
		{addr: "10.0.0.1", why: "private"},
		{addr: "172.16.5.4", why: "private"},
		{addr: "192.168.1.1", why: "private"},
		{addr: "::ffff:10.0.0.1", why: "private"},
		{addr: "fd00:ec2::254", why: "private"},
		{addr: "169.254.169.254", why: "link-local"},
		{addr: "::ffff:169.254.169.254", why: "link-local"},
		{addr: "fe80::1", why: "link-local"},
		{addr: "0.0.0.0", why: "unspecified"},
		{addr: "::", why: "unspecified"},
		{addr: "224.0.0.1", why: "multicast"},
		{addr: "ff02::1", why: "multicast"},
		{addr: "100.64.0.1", why: "carrier-grade NAT"},
		{addr: "100.127.255.254", why: "carrier-grade NAT"},
		{addr: "::ffff:100.64.0.1", why: "100.64.0.1 is carrier-grade NAT"},
		{addr: "0.1.2.3", why: "this-network"},
		{addr: "255.255.255.255", why: "reserved"},
		{addr: "93.184.215.14"},
		{addr: "100.128.0.1"},
		{addr: "172.32.0.1"},
		{addr: "2606:4700::6810:84e5"},
		{addr: "::ffff:93.184.215.14"},
		// IPv6 forms that carry an IPv4 address: judged by it.
		{addr: "64:ff9b::a9fe:a9fe", why: "NAT64 form of 169.254.169.254"},
		{addr: "64:ff9b::7f00:1", why: "NAT64 form of 127.0.0.1"},
		{addr: "64:ff9b::5db8:d70e"}, // DNS64's answer for a public IPv4 host
		{addr: "2002:a00:1::1", why: "6to4 form of 10.0.0.1"},
		{addr: "2002:5db8:d70e::1"},
		{addr: "::a9fe:a9fe", why: "IPv4-compatible form of 169.254.169.254"},
		{addr: "64:ff9b:1::5db8:d70e", why: "local-use NAT64"},
		{addr: "2001:0:4136:e378::1", why: "Teredo"},
		{addr: "100::1", why: "discard-only"},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer(".", "_", ":", "_").Replace(tt.addr), func(t *testing.T) {
			t.Parallel()
			err := webhook.CheckAddress(netip.MustParseAddr(tt.addr))
			switch {
			case tt.why == "" && err != nil:
				t.Errorf("CheckAddress(%s) = %v, want nil", tt.addr, err)
			case tt.why != "" && (!errors.Is(err, webhook.ErrRefusedAddress) || !strings.Contains(err.Error(), tt.why)):
				t.Errorf("CheckAddress(%s) = %v, want ErrRefusedAddress saying %q", tt.addr, err, tt.why)
			}
		})
	}
}

// TestNewClient_refusesAtDial dials real listeners: the refusal must come
// from the dialer, whatever the URL names.
func TestNewClient_refusesAtDial(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port} {
		_, err := webhook.NewClient(webhook.ClientOptions{}).Get(u)
		if !errors.Is(err, webhook.ErrRefusedAddress) || !strings.Contains(err.Error(), "is loopback") {
			t.Errorf("GET %s: %v, want ErrRefusedAddress, loopback", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server was called %d times", n)
	}
	resp, err := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true}).Get(srv.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
}

func TestNewClient_noRedirectNoProxy(t *testing.T) {
	t.Parallel()
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	t.Cleanup(target.Close)
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(srv.Close)
	c := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true})
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || followed.Load() != 0 {
		t.Errorf("status %d, target called %d times; want 302 and 0", resp.StatusCode, followed.Load())
	}
	if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil {
		t.Error("the transport may use a proxy")
	}
}

func TestNewClient_timeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, Timeout: 50 * time.Millisecond})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	start := time.Now()
	if _, err := c.Do(req); err == nil {
		t.Fatal("no timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
