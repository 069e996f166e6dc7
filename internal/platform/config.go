package platform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for Config.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultStreamTimeout = 5 * time.Minute
	DefaultUserAgent     = "signingflow-signing/1 (+internal/platform)"
	// DefaultAttachmentPolls and DefaultAttachmentPollInterval wait for an
	// uploaded correspondence attachment to be published as app-lib does
	// (60 reads a second apart).
	DefaultAttachmentPolls        = 60
	DefaultAttachmentPollInterval = time.Second
)

// Config configures the platform clients. Each client needs only its own URL.
type Config struct {
	// StorageURL is the storage API base, e.g. "https://platform.example/storage/api/v1".
	StorageURL string
	// AccessURL is the access management API base, e.g. "https://platform.example/accessmanagement/api/v1".
	AccessURL string
	// CorrespondenceURL is the platform host that serves /correspondence/api/v1/….
	CorrespondenceURL string
	// RegisterURL is the platform host that serves /register/api/v1/….
	RegisterURL string
	// AuthorizationURL is the platform host that serves /authorization/api/v1/….
	AuthorizationURL string
	// AttachmentPolls and AttachmentPollInterval bound the wait for an
	// uploaded attachment to be published; zero means the defaults.
	AttachmentPolls        int
	AttachmentPollInterval time.Duration
	// SubscriptionKey, when set, is sent as Ocp-Apim-Subscription-Key on
	// every call, as app-lib does (Altinn/app-lib-dotnet
	// src/Altinn.App.Core/Configuration/PlatformSettings.cs).
	SubscriptionKey string

	// Timeout bounds each call (for streamed reads: until the response
	// headers arrive). Zero means DefaultTimeout.
	Timeout time.Duration
	// StreamTimeout bounds reading a streamed data element body. Zero means
	// DefaultStreamTimeout.
	StreamTimeout time.Duration
	// Tokens supplies the bearer token of every request. Required.
	Tokens TokenSource
	// PlatformTokens supplies the app's platform access token, the
	// PlatformAccessToken header that access management and register
	// require (e.g. platformauth.PlatformAccessToken). Required by the
	// access and register clients.
	PlatformTokens TokenSource
	// HTTPClient sends the requests; nil means a client with its own
	// transport. Redirects are never followed.
	HTTPClient *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
}

// TokenSource supplies bearer tokens, e.g. from Maskinporten or a local issuer.
type TokenSource interface {
	// Token returns a token valid for at least the next call.
	Token(ctx context.Context) (string, error)
}

// StaticToken is a TokenSource that always returns the same token; for local use.
type StaticToken string

// Token returns the token.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// TokenFunc adapts a function to TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// service is the resolved configuration of one service client.
type service struct {
	name            string
	base            *url.URL
	timeout         time.Duration
	streamTimeout   time.Duration
	tokens          TokenSource
	platformTokens  TokenSource
	http            *http.Client
	userAgent       string
	subscriptionKey string
}

// newService checks the configuration for the service whose base URL is rawURL.
func (c Config) newService(name, field, rawURL string) (*service, error) {
	var errs []error
	base, err := parseBase(rawURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("platform: Config.%s: %w", field, err))
	}
	if c.Tokens == nil {
		errs = append(errs, errors.New("platform: Config.Tokens: must be set"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("platform: Config.Timeout: must not be negative"))
	}
	if c.StreamTimeout < 0 {
		errs = append(errs, errors.New("platform: Config.StreamTimeout: must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &service{
		name:            name,
		base:            base,
		timeout:         c.Timeout,
		streamTimeout:   c.StreamTimeout,
		tokens:          c.Tokens,
		platformTokens:  c.PlatformTokens,
		userAgent:       c.UserAgent,
		subscriptionKey: c.SubscriptionKey,
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.streamTimeout == 0 {
		s.streamTimeout = DefaultStreamTimeout
	}
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	s.http = noRedirects(c.HTTPClient)
	return s, nil
}

// parseBase checks that raw is an absolute http(s) URL without query or fragment.
func parseBase(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("must be set")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("must be an http or https URL")
	}
	if u.Host == "" {
		return nil, errors.New("must name a host")
	}
	if u.User != nil {
		return nil, errors.New("must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must not have a query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// noRedirects returns a copy of c (or a new client) that never follows a
// redirect, so neither token can travel to another host.
func noRedirects(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// Clients bundles one client per service.
type Clients struct {
	Storage        *StorageClient
	Access         *AccessClient
	Correspondence *CorrespondenceClient
	Register       *RegisterClient
	Authorization  *AuthorizationClient
}

// NewClients builds every client; it reports every configuration error at once.
func NewClients(c Config) (Clients, error) {
	var out Clients
	var errs []error
	var err error
	if out.Storage, err = NewStorageClient(c); err != nil {
		errs = append(errs, err)
	}
	if out.Access, err = NewAccessClient(c); err != nil {
		errs = append(errs, err)
	}
	if out.Correspondence, err = NewCorrespondenceClient(c); err != nil {
		errs = append(errs, err)
	}
	if out.Register, err = NewRegisterClient(c); err != nil {
		errs = append(errs, err)
	}
	if out.Authorization, err = NewAuthorizationClient(c); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Clients{}, dedupe(errs)
	}
	return out, nil
}

// dedupe joins errors, dropping repeated lines (e.g. a missing Tokens reported
// by every constructor).
func dedupe(errs []error) error {
	seen := map[string]bool{}
	var out []error
	for _, err := range errs {
		for _, line := range strings.Split(err.Error(), "\n") {
			if !seen[line] {
				seen[line] = true
				out = append(out, errors.New(line))
			}
		}
	}
	return errors.Join(out...)
}

// requirePlatformTokens adds the missing platform token source to the
// error of a client that sends the PlatformAccessToken header.
func (c Config) requirePlatformTokens(err error) error {
	if c.PlatformTokens == nil {
		return errors.Join(err, errors.New("platform: Config.PlatformTokens: must be set (the platform access token)"))
	}
	return err
}
