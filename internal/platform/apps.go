package platform

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/texts"
)

var (
	appNamePattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,99}$`) })
	languagePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2,3}$`) })
)

// Application is an app's metadata as the signing service reads it.
type Application struct {
	// ID is "org/app".
	ID  string
	Org string
	// Title is the app's title by language code.
	Title map[string]string
}

// GetApplication returns the metadata of org/app:
// GET {StorageURL}/applications/{org}/{app}.
func (c *StorageClient) GetApplication(ctx context.Context, org, app string) (Application, error) {
	const op = "getApplication"
	if err := checkApp(org, app); err != nil {
		return Application{}, c.s.invalidRequest(op, err)
	}
	var out wire.Application
	if err := c.s.doJSON(ctx, request{op: op, method: http.MethodGet, path: []string{"applications", org, app}}, &out); err != nil {
		return Application{}, err
	}
	if out.ID != "" && out.ID != org+"/"+app {
		return Application{}, c.s.invalidResponse(op, http.StatusOK, "the metadata names another app")
	}
	return Application{ID: org + "/" + app, Org: out.Org, Title: out.Title}, nil
}

// GetTexts returns the texts of org/app in lang (key → value):
// GET {StorageURL}/applications/{org}/{app}/texts/{lang}. An app without
// texts in lang is an error wrapping signing.ErrNotFound.
func (c *StorageClient) GetTexts(ctx context.Context, org, app, lang string) (map[string]string, error) {
	const op = "getTexts"
	err := checkApp(org, app)
	if err == nil && !languagePattern().MatchString(lang) {
		err = fieldErrorf("language", "must be a two- or three-letter language code")
	}
	if err != nil {
		return nil, c.s.invalidRequest(op, err)
	}
	var out wire.TextResource
	if err := c.s.doJSON(ctx, request{op: op, method: http.MethodGet, path: []string{"applications", org, app, "texts", lang}}, &out); err != nil {
		return nil, err
	}
	values := make(map[string]string, len(out.Resources))
	for _, r := range out.Resources {
		if r.ID != "" {
			values[r.ID] = r.Value
		}
	}
	return values, nil
}

func checkApp(org, app string) error {
	var errs signing.FieldErrors
	if !appNamePattern().MatchString(org) {
		errs.Add("org", "must be 1-100 lowercase letters, digits or dashes")
	}
	if !appNamePattern().MatchString(app) {
		errs.Add("app", "must be 1-100 lowercase letters, digits or dashes")
	}
	return errs.Err()
}

// DefaultAppCacheTTL is how long AppCatalog keeps an app's texts.
const DefaultAppCacheTTL = 5 * time.Minute

// AppCatalog implements signing.Apps from storage's application endpoints:
// the app's titles from its metadata and its texts in nb, nn and en (a
// language the app has no texts in is skipped). The service owner's name is
// the app's "appOwner" text (nb first), else empty (the domain then uses the
// org code). Results are cached per process (one Lambda container) for a TTL.
type AppCatalog struct {
	storage *StorageClient
	ttl     time.Duration
	now     func() time.Time

	mu    sync.Mutex
	cache map[string]cachedApp
}

type cachedApp struct {
	info    signing.AppInfo
	expires time.Time
}

var _ signing.Apps = (*AppCatalog)(nil)

// NewAppCatalog returns a catalog on storage; ttl 0 means DefaultAppCacheTTL.
func NewAppCatalog(storage *StorageClient, ttl time.Duration) *AppCatalog {
	if ttl <= 0 {
		ttl = DefaultAppCacheTTL
	}
	return &AppCatalog{storage: storage, ttl: ttl, now: time.Now, cache: map[string]cachedApp{}}
}

// App returns the app's texts and titles.
func (a *AppCatalog) App(ctx context.Context, org, app string) (signing.AppInfo, error) {
	key := org + "/" + app
	a.mu.Lock()
	c, ok := a.cache[key]
	a.mu.Unlock()
	if ok && a.now().Before(c.expires) {
		return c.info, nil
	}
	meta, err := a.storage.GetApplication(ctx, org, app)
	if err != nil {
		return signing.AppInfo{}, err
	}
	info := signing.AppInfo{Titles: meta.Title, Texts: texts.Resources{}}
	for _, lang := range []string{texts.NB, texts.NN, texts.EN} {
		values, err := a.storage.GetTexts(ctx, org, app, lang)
		if errors.Is(err, signing.ErrNotFound) {
			continue
		}
		if err != nil {
			return signing.AppInfo{}, err
		}
		info.Texts[lang] = values
	}
	for _, lang := range []string{texts.NB, texts.NN, texts.EN} {
		if owner := info.Texts[lang]["appOwner"]; owner != "" {
			info.Owner = owner
			break
		}
	}
	a.mu.Lock()
	a.cache[key] = cachedApp{info: info, expires: a.now().Add(a.ttl)}
	a.mu.Unlock()
	return info, nil
}
