package webhook_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/webhook"
)

var knownTypes = []string{"no.altinn.signing.signee.signed", "no.altinn.signing.task.completed"}

func TestParseSubscribers(t *testing.T) {
	t.Parallel()
	raw := `[
	  {"id":"case-system","url":"https://example.com/hook?token=x",
	   "types":["no.altinn.signing.signee.signed"],"apps":["ttd/founders"]},
	  {"id":"archive","url":"https://archive.example.com/"}
	]`
	got, err := webhook.ParseSubscribers(raw, knownTypes, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []webhook.Subscriber{
		{ID: "case-system", URL: "https://example.com/hook?token=x",
			Types: []string{"no.altinn.signing.signee.signed"}, Apps: []string{"ttd/founders"}},
		{ID: "archive", URL: "https://archive.example.com/"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, none := range []string{"", " ", "[]"} {
		if got, err := webhook.ParseSubscribers(none, knownTypes, false); err != nil || len(got) != 0 {
			t.Errorf("ParseSubscribers(%q) = %v, %v; want none", none, got, err)
		}
	}
}

func TestParseSubscribers_errors(t *testing.T) {
	t.Parallel()
	ok := `{"id":"a","url":"https://example.com/"}`
	with := func(field string) string {
		return `{"id":"b","url":"https://example.com/",` + field + `}`
	}
	sub := func(id, url string) string {
		return `{"id":"` + id + `","url":"` + url + `"}`
	}
	tests := []struct {
		name         string
		raw          string
		allowPrivate bool
		want         string // the start of the error, after "webhook: "
	}{
		{name: "not_an_array", raw: `{}`, want: "subscribers: "},
		{name: "unknown_field", raw: `[` + ok + `,` + with(`"secret":"x"`) + `]`, want: `subscribers[1]: json: unknown field "secret"`},
		{name: "duplicate_member", raw: `[` + ok + `,` + with(`"id":"c"`) + `]`, want: "subscribers[1].id: is given more than once"},
		{name: "id_missing", raw: `[` + sub("", "https://example.com/") + `]`, want: "subscribers[0].id: "},
		{name: "id_upper_case", raw: `[` + sub("Case", "https://example.com/") + `]`, want: "subscribers[0].id: "},
		{name: "id_too_long", raw: `[` + sub(strings.Repeat("a", 65), "https://example.com/") + `]`, want: "subscribers[0].id: "},
		{name: "id_twice", raw: `[` + ok + `,` + ok + `]`, want: `subscribers[1].id: "a" is subscribers[0]'s too`},
		{name: "url_http", raw: `[` + ok + `,` + sub("b", "http://example.com/") + `]`, want: "subscribers[1].url: must be https"},
		{name: "url_relative", raw: `[` + sub("b", "/hook") + `]`, want: "subscribers[0].url: must be https"},
		{name: "url_no_host", raw: `[` + sub("b", "https:///hook") + `]`, want: "subscribers[0].url: must be absolute"},
		{name: "url_userinfo", raw: `[` + sub("b", "https://u:p@example.com/") + `]`, want: "subscribers[0].url: must not carry a user"},
		{name: "url_fragment", raw: `[` + sub("b", "https://example.com/#x") + `]`, want: "subscribers[0].url: must not have a fragment"},
		{name: "url_empty_fragment", raw: `[` + sub("b", "https://example.com/#") + `]`, want: "subscribers[0].url: must not have a fragment"},
		{name: "url_private_literal", raw: `[` + sub("b", "https://10.1.2.3/") + `]`, want: "subscribers[0].url: webhook: address refused: 10.1.2.3 is private"},
		{name: "url_metadata_literal", raw: `[` + sub("b", "https://169.254.169.254/") + `]`, want: "subscribers[0].url: webhook: address refused"},
		{name: "secret_in_config", raw: `[` + with(`"secretArn":"arn:aws:secretsmanager:eu-north-1:123456789012:secret:x"`) + `]`, want: "subscribers[0]: json: unknown field"},
		{name: "url_ftp_even_private", raw: `[` + sub("b", "ftp://127.0.0.1/") + `]`, allowPrivate: true, want: "subscribers[0].url: must be https or http"},
		{name: "type_unknown", raw: `[` + with(`"types":["no.altinn.signing.signee.signed","no.altinn.signing.nope"]`) + `]`, want: `subscribers[0].types[1]: "no.altinn.signing.nope" is not an event type`},
		{name: "app_without_org", raw: `[` + with(`"apps":["founders"]`) + `]`, want: `subscribers[0].apps[0]: "founders" is not org/app`},
		{name: "app_with_colon", raw: `[` + with(`"apps":["ttd/a:b"]`) + `]`, want: `subscribers[0].apps[0]: "ttd/a:b" is not org/app`},
		{name: "app_nested", raw: `[` + with(`"apps":["ttd/a/b"]`) + `]`, want: `subscribers[0].apps[0]: "ttd/a/b" is not org/app`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.ParseSubscribers(tt.raw, knownTypes, tt.allowPrivate)
			if err == nil {
				t.Fatalf("got %+v, want an error starting %q", got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "webhook: "+tt.want) {
				t.Errorf("error %q, want it to start %q", err, "webhook: "+tt.want)
			}
		})
	}
}

func TestParseSubscribers_allowPrivate(t *testing.T) {
	t.Parallel()
	raw := `[{"id":"local","url":"http://127.0.0.1:8080/hook"}]`
	if _, err := webhook.ParseSubscribers(raw, knownTypes, true); err != nil {
		t.Errorf("with allowPrivate: %v", err)
	}
	if _, err := webhook.ParseSubscribers(raw, knownTypes, false); err == nil {
		t.Error("without allowPrivate: no error")
	}
}

func TestSubscriber_Wants(t *testing.T) {
	t.Parallel()
	const signed, completed = "no.altinn.signing.signee.signed", "no.altinn.signing.task.completed"
	narrow := webhook.Subscriber{Types: []string{signed}, Apps: []string{"ttd/founders"}}
	tests := []struct {
		name     string
		s        webhook.Subscriber
		typ      string
		org, app string
		want     bool
	}{
		{name: "all_wants_anything", s: webhook.Subscriber{}, typ: completed, org: "ttd", app: "other", want: true},
		{name: "type_and_app_match", s: narrow, typ: signed, org: "ttd", app: "founders", want: true},
		{name: "other_type", s: narrow, typ: completed, org: "ttd", app: "founders"},
		{name: "other_app", s: narrow, typ: signed, org: "ttd", app: "other"},
		{name: "other_org", s: narrow, typ: signed, org: "digdir", app: "founders"},
		{name: "types_only", s: webhook.Subscriber{Types: []string{signed}}, typ: signed, org: "x", app: "y", want: true},
		{name: "apps_only", s: webhook.Subscriber{Apps: []string{"ttd/founders"}}, typ: completed, org: "ttd", app: "founders", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.Wants(tt.typ, tt.org, tt.app); got != tt.want {
				t.Errorf("Wants(%q, %q, %q) = %v, want %v", tt.typ, tt.org, tt.app, got, tt.want)
			}
		})
	}
}
