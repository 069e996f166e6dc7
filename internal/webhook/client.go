package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrRefusedAddress is the cause of a delivery to an address a webhook may
// not reach (loopback, private, link-local, …). Retrying cannot help.
var ErrRefusedAddress = errors.New("address refused")

// ClientOptions configure NewClient.
type ClientOptions struct {
	// AllowPrivate lets the client reach any address: for the local stack
	// and tests only.
	AllowPrivate bool
	// Timeout bounds one delivery, connection to last byte; 0 means 10s.
	Timeout time.Duration
}

// NewClient returns the HTTP client for deliveries. It never follows a
// redirect (the 3xx is returned as the response) and uses no proxy. Unless
// o.AllowPrivate, it refuses to connect to the addresses CheckAddress
// refuses; the check runs on the address being dialled, after resolution,
// so a name that resolves to a public address when the URL is checked and
// to a private one later (DNS rebinding) is still refused.
func NewClient(o ClientOptions) *http.Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = controlAddress
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			// A proxy would be dialled instead of the subscriber, and the
			// address check would see the proxy's address.
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		},
		// A redirect could lead to an address or scheme the subscriber's
		// URL was not checked for; the subscriber must fix its URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func controlAddress(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: %w: %q is not an IP address and port", ErrRefusedAddress, address)
	}
	return CheckAddress(ap.Addr())
}

// special are the ranges CheckAddress refuses beyond what netip.Addr's
// predicates name.
var special = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network (0.0.0.0/8)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64 (64:ff9b:1::/48)"},
	{netip.MustParsePrefix("2001::/32"), "Teredo (2001::/32)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (100::/64)"},
}

// The IPv6 ranges whose addresses carry an IPv4 address: well-known NAT64
// (RFC 6052; an IPv6-only subnet's DNS64 answers public IPv4 hosts with
// it, so it is allowed when the IPv4 address is), 6to4 (RFC 3056) and the
// deprecated IPv4-compatible form (RFC 4291).
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	compatible = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address of those ranges
// carries, and which form it is.
func embeddedIPv4(a netip.Addr) (netip.Addr, string, bool) {
	if !a.Is6() {
		return netip.Addr{}, "", false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), "the NAT64 form", true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), "the 6to4 form", true
	case compatible.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), "the IPv4-compatible form", true
	}
	return netip.Addr{}, "", false
}

// CheckAddress returns an error wrapping ErrRefusedAddress, saying why,
// for an address a webhook may not reach: loopback, private (RFC 1918,
// fc00::/7), link-local (169.254.0.0/16 with the instance metadata
// service, fe80::/10), unspecified, multicast, carrier-grade NAT and other
// special-use IPv4 ranges, and the IPv4-mapped IPv6 forms of them all.
func CheckAddress(a netip.Addr) error {
	a = a.Unmap()
	// An IPv6 address that carries an IPv4 address is judged by it too: a
	// NAT64 or 6to4 gateway would take the request there.
	if v4, how, ok := embeddedIPv4(a); ok {
		if err := CheckAddress(v4); err != nil {
			return fmt.Errorf("webhook: %w: %s is %s of %s, which is refused (%w)", ErrRefusedAddress, a, how, v4, err)
		}
	}
	why := ""
	switch {
	case !a.IsValid():
		why = "not an address"
	case a.IsLoopback():
		why = "loopback"
	case a.IsPrivate():
		why = "private"
	case a.IsLinkLocalUnicast():
		why = "link-local"
	case a.IsUnspecified():
		why = "unspecified"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		why = "multicast"
	default:
		for _, s := range special {
			if s.prefix.Contains(a) {
				why = s.why
				break
			}
		}
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("webhook: %w: %s is %s", ErrRefusedAddress, a, why)
}
