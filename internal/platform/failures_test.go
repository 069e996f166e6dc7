package platform_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/ident"
	"github.com/signingflow/signing/internal/platform"
	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/signing"
)

// operation is one client call, named like the emulator's fault operations.
type operation struct {
	name string
	call func(ctx context.Context, c platform.Clients) error
}

func operations(t *testing.T) []operation {
	kari, org := mustNationalID(t, kariSSN), mustOrg(t, holdingOrg)
	return []operation{
		{emulator.OpGetInstance, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Storage.GetInstance(ctx, foundersRef)
			return err
		}},
		{emulator.OpReadData, func(ctx context.Context, c platform.Clients) error {
			rc, _, err := c.Storage.ReadData(ctx, foundersRef, modelID)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			return err
		}},
		{emulator.OpCreateData, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Storage.CreateData(ctx, foundersRef, signing.NewDataElement{DataType: "signatures", ContentType: "application/json", IdempotencyKey: "sig-1", Body: []byte(`{}`)})
			return err
		}},
		{emulator.OpDelegate, func(ctx context.Context, c platform.Clients) error {
			return c.Access.Delegate(ctx, delegation(olaUUID, "read", "sign"))
		}},
		{emulator.OpRevoke, func(ctx context.Context, c platform.Clients) error {
			return c.Access.Revoke(ctx, delegation(olaUUID, "read", "sign"))
		}},
		{emulator.OpSend, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Correspondence.Send(ctx, message("send-1"))
			return err
		}},
		{emulator.OpLookupPerson, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Register.LookupPerson(ctx, kari)
			return err
		}},
		{emulator.OpLookupOrganisation, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Register.LookupOrganisation(ctx, org)
			return err
		}},
		{emulator.OpGetParty, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Register.GetParty(ctx, 50002)
			return err
		}},
		{emulator.OpDecide, func(ctx context.Context, c platform.Clients) error {
			_, err := c.Authorization.KeyRoleOrganisations(ctx, "1002", []ident.OrgNumber{org})
			return err
		}},
	}
}

// TestClients_failureClasses injects each status into each operation and
// checks the error class, the domain error and that the next call succeeds.
func TestClients_failureClasses(t *testing.T) {
	t.Parallel()

	classes := []struct {
		name          string
		fault         emulator.Fault
		wantTransient bool
		want          error
		wantRetry     time.Duration
		wantDetail    string
	}{
		{name: "503", fault: emulator.Fault{Status: 503}, wantTransient: true, want: signing.ErrTransient, wantDetail: "injected fault"},
		{name: "500_html_body", fault: emulator.Fault{Status: 500, Body: "<html><body>" + strings.Repeat("oops ", 300) + "</body></html>", ContentType: "text/html"},
			wantTransient: true, want: signing.ErrTransient, wantDetail: "<html><body>oops"},
		{name: "429_retry_after", fault: emulator.Fault{Status: 429, RetryAfterSeconds: 2}, wantTransient: true, want: signing.ErrTransient, wantRetry: 2 * time.Second},
		{name: "400", fault: emulator.Fault{Status: 400}, want: signing.ErrInvalid},
		{name: "404", fault: emulator.Fault{Status: 404}, want: signing.ErrNotFound},
		{name: "409", fault: emulator.Fault{Status: 409}, want: signing.ErrConflict},
		{name: "403", fault: emulator.Fault{Status: 403}, want: signing.ErrForbidden},
	}
	for _, op := range operations(t) {
		for _, class := range classes {
			t.Run(op.name+"/"+class.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				f := class.fault
				f.Operation, f.Count = op.name, 1
				e.fault(t, f)

				err := op.call(t.Context(), e.c)
				if !errors.Is(err, class.want) {
					t.Fatalf("error = %v, want %v", err, class.want)
				}
				var te *platform.TransientError
				var pe *platform.PermanentError
				service, operation, _ := strings.Cut(op.name, ".")
				switch {
				case class.wantTransient:
					if !errors.As(err, &te) || te.Status != f.Status || te.RetryAfter != class.wantRetry || te.Service != service || te.Operation != operation {
						t.Errorf("error = %#v, want *TransientError %s %d retry after %v", err, op.name, f.Status, class.wantRetry)
					}
					if !strings.Contains(te.Detail, class.wantDetail) || len(te.Detail) > 512 {
						t.Errorf("detail = %q (%d bytes), want it to contain %q within 512 bytes", te.Detail, len(te.Detail), class.wantDetail)
					}
				default:
					if !errors.As(err, &pe) || pe.Status != f.Status || pe.Code != "InjectedFault" || pe.Service != service || pe.Operation != operation {
						t.Errorf("error = %#v, want *PermanentError %s %d", err, op.name, f.Status)
					}
					if errors.Is(err, signing.ErrTransient) {
						t.Errorf("permanent error %v matches ErrTransient", err)
					}
				}
				if err := op.call(t.Context(), e.c); err != nil {
					t.Errorf("call after the fault error = %v, want success", err)
				}
			})
		}
	}
}

// TestClients_timeout slows every operation beyond the client timeout.
func TestClients_timeout(t *testing.T) {
	t.Parallel()

	for _, op := range operations(t) {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cfg := e.cfg
			cfg.Timeout = 100 * time.Millisecond
			c := e.clients(t, cfg)
			e.fault(t, emulator.Fault{Operation: op.name, LatencyMs: 10_000, Count: 1})

			start := time.Now()
			err := op.call(t.Context(), c)
			var te *platform.TransientError
			if !errors.As(err, &te) || te.Code != "Timeout" || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, signing.ErrTransient) {
				t.Fatalf("error = %v, want *TransientError Timeout matching DeadlineExceeded", err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("call took %v, want about the 100ms timeout, not the 10s latency", elapsed)
			}
			if n := len(e.emu.Messages()) + len(e.emu.Notifications()) + len(e.emu.Delegations()); n != 0 {
				t.Errorf("recorded %d side effects, want none for an abandoned call", n)
			}
		})
	}
}

// TestRetry_timeoutThenSameKey retries a timed-out send with the same key:
// the emulator records one message.
func TestRetry_timeoutThenSameKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := e.cfg
	cfg.Timeout = time.Second
	c := e.clients(t, cfg)
	e.fault(t, emulator.Fault{Operation: emulator.OpSend, LatencyMs: 10_000, Count: 1})
	e.fault(t, emulator.Fault{Operation: emulator.OpSend, Status: 503, Count: 1})

	var waits []time.Duration
	p := platform.RetryPolicy{Attempts: 4, Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	id, err := platform.Retry(t.Context(), p, func(ctx context.Context) (string, error) {
		return c.Correspondence.Send(ctx, message("cta-retry"))
	})
	if err != nil {
		t.Fatalf("Retry(Send) error = %v", err)
	}
	again, err := c.Correspondence.Send(t.Context(), message("cta-retry"))
	if err != nil || again != id {
		t.Errorf("Send() again = %q, %v; want %q", again, err, id)
	}
	if got := len(e.emu.Messages()); got != 1 {
		t.Errorf("messages = %d, want 1", got)
	}
	// The last Send finds the correspondence by its key and sends nothing.
	if got := e.emu.Calls(emulator.OpSend); got != 3 || len(waits) != 2 {
		t.Errorf("calls, waits = %d, %v; want 3 calls and 2 waits", got, waits)
	}
}

func TestClients_connectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := emulator.Config("http://" + addr)
	c, err := platform.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}

	err = c.Access.Delegate(t.Context(), delegation(olaUUID, "read"))
	var te *platform.TransientError
	if !errors.As(err, &te) || te.Code != "ConnectionFailed" || te.Status != 0 {
		t.Errorf("Delegate() error = %v, want *TransientError ConnectionFailed", err)
	}
}

func TestClients_callerCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fault(t, emulator.Fault{Operation: emulator.OpGetInstance, LatencyMs: 2000, Count: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()

	_, err := e.c.Storage.GetInstance(ctx, foundersRef)
	var te *platform.TransientError
	if !errors.As(err, &te) || te.Code != "Timeout" || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetInstance() error = %v, want *TransientError Timeout", err)
	}
}

func TestClients_tokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	tests := []struct {
		name          string
		tokens        platform.TokenSource
		want          error
		wantTransient bool
	}{
		{name: "accepted", tokens: emulator.DevServiceOwnerTokens()},
		{name: "rejected_401", tokens: platform.StaticToken("wrong-token"), want: signing.ErrUnauthenticated},
		{name: "empty_token_not_sent", tokens: platform.StaticToken(""), want: signing.ErrUnauthenticated},
		{name: "source_fails", tokens: platform.TokenFunc(func(context.Context) (string, error) { return "", errors.New("no key") }), want: signing.ErrUnauthenticated},
		{name: "source_times_out", tokens: platform.TokenFunc(func(context.Context) (string, error) { return "", context.DeadlineExceeded }),
			want: signing.ErrTransient, wantTransient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := e.cfg
			cfg.Tokens = tt.tokens
			c := e.clients(t, cfg)

			_, err := c.Storage.GetInstance(t.Context(), foundersRef)
			if tt.want == nil {
				if err != nil {
					t.Errorf("GetInstance() error = %v", err)
				}
				return
			}
			var te *platform.TransientError
			var pe *platform.PermanentError
			if !errors.Is(err, tt.want) || (tt.wantTransient && !errors.As(err, &te)) || (!tt.wantTransient && !errors.As(err, &pe)) {
				t.Errorf("GetInstance() error = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestNewClients_config(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		cfg  platform.Config
		want []string
	}{
		{name: "empty", cfg: platform.Config{}, want: []string{"Config.StorageURL: must be set", "Config.RegisterURL: must be set", "Config.Tokens: must be set", "Config.PlatformTokens: must be set"}},
		{name: "bad_urls", cfg: platform.Config{StorageURL: "ftp://x", AccessURL: "http://", CorrespondenceURL: "http://u:p@h", RegisterURL: "h", AuthorizationURL: "http://h?x=1", Tokens: platform.StaticToken("t")},
			want: []string{"StorageURL: must be an http or https URL", "AccessURL: must name a host", "CorrespondenceURL: must not carry credentials", "AuthorizationURL: must not have a query", "RegisterURL: must be an http"}},
		{name: "negative_timeout", cfg: func() platform.Config { c := emulator.Config("http://127.0.0.1:1"); c.Timeout = -1; return c }(), want: []string{"Config.Timeout: must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			_, err := platform.NewClients(tt.cfg)
			if err == nil {
				t.Fatal("NewClients() error = nil")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NewClients() error = %q, want it to contain %q", err, w)
				}
			}
			for _, field := range []string{"Config.Tokens:", "Config.PlatformTokens:"} {
				if n := strings.Count(err.Error(), field); n > 1 {
					t.Errorf("%s reported %d times, want once", field, n)
				}
			}
		})
	}
}

// TestErrors_neverContainNationalID drives many failures and checks that no
// error text holds a fixture national ID, a last name from a lookup, or a token.
func TestErrors_neverContainNationalID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kari := mustNationalID(t, kariSSN)

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Errorf("expected an error")
			return
		}
		errs = append(errs, err)
	}
	_, err := e.c.Register.LookupPerson(t.Context(), mustNationalID(t, "01819012365"))
	collect(err)
	_, err = e.c.Register.LookupPerson(t.Context(), ident.NationalID{})
	collect(err)
	_, err = e.c.Register.GetParty(t.Context(), 99999)
	collect(err)
	for _, status := range []int{400, 404, 429, 500, 503} {
		for _, op := range []string{emulator.OpLookupPerson, emulator.OpGetParty} {
			e.fault(t, emulator.Fault{Operation: op, Status: status, Count: 1, Body: fmt.Sprintf(`{"detail":"person %s / %s not ok","code":"X"}`, kariSSN, olaSSN), ContentType: "application/problem+json"})
		}
		_, err = e.c.Register.LookupPerson(t.Context(), kari)
		collect(err)
		_, err = e.c.Register.GetParty(t.Context(), 50002)
		collect(err)
	}
	token, err := e.cfg.Tokens.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, emulator.Fault{Operation: emulator.OpLookupPerson, Status: 502, Count: 1, Body: "upstream said: " + kariSSN + " Authorization: Bearer " + token})
	_, err = e.c.Register.LookupPerson(t.Context(), kari)
	collect(err)
	cfg := e.cfg
	cfg.Timeout = 50 * time.Millisecond
	short := e.clients(t, cfg)
	e.fault(t, emulator.Fault{Operation: emulator.OpLookupPerson, LatencyMs: 1000, Count: 1})
	_, err = short.Register.LookupPerson(t.Context(), kari)
	collect(err)

	for _, err := range errs {
		msg := fmt.Sprintf("%v|%+v|%#v", err, err, err)
		for _, ssn := range fixtureSSNs {
			if strings.Contains(msg, ssn) {
				t.Errorf("error %q contains a national ID", msg)
			}
		}
		if strings.Contains(msg, token) {
			t.Errorf("error %q contains the token", msg)
		}
	}
}

// TestClients_noRedirects checks that a redirect is not followed (it would
// carry the platform access token to another host).
func TestClients_noRedirects(t *testing.T) {
	t.Parallel()
	other := newEnv(t)
	srv := newRedirector(t, other.url)
	cfg := emulator.Config(srv)
	c, err := platform.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}

	err = c.Access.Delegate(t.Context(), delegation(olaUUID, "read"))
	var pe *platform.PermanentError
	if !errors.As(err, &pe) || pe.Status != http.StatusTemporaryRedirect {
		t.Errorf("Delegate() error = %v, want *PermanentError 307", err)
	}
	if got := other.emu.Calls(emulator.OpDelegate); got != 0 {
		t.Errorf("redirect target got %d calls, want 0", got)
	}
}
