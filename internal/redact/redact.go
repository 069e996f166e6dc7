// Package redact masks what has the shape of a national ID in text that
// came from input, before it is logged or returned as an error's cause.
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
)

// digits matches a run of digits; a run of eleven or more may hold a
// national ID.
var digits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d{11,}`) })

// keep matches what is never personal data but may hold eleven digits: a
// GUID (its last group, …-00000000005b) and a signee key (p-/o- and a
// keyed hash in hex); masking them would only hide which instance or
// signee it was.
var keep = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[po]-[0-9a-f]{16,64}\b`)
})

// Digits masks every run of eleven or more digits in s outside GUIDs and
// signee keys.
func Digits(s string) string {
	if !digits().MatchString(s) {
		return s
	}
	mask := func(part string) string {
		return digits().ReplaceAllStringFunc(part, func(run string) string { return strings.Repeat("*", len(run)) })
	}
	var b strings.Builder
	last := 0
	for _, loc := range keep().FindAllStringIndex(s, -1) {
		b.WriteString(mask(s[last:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(mask(s[last:]))
	return b.String()
}

// Handler masks national-ID-shaped runs in every record's message and
// string, integer, error, Stringer and []byte attributes, groups included, before next
// writes it: whatever a log line carries from input, it carries redacted.
type Handler struct{ Next slog.Handler }

// Enabled implements slog.Handler.
func (h Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.Next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Digits(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.Next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = attr(a)
	}
	return Handler{h.Next.WithAttrs(clean)}
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Next.WithGroup(name)} }

func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Digits(v.String()))
	case slog.KindInt64, slog.KindUint64:
		if s := v.String(); digits().MatchString(s) {
			return slog.String(a.Key, Digits(s))
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Digits(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, Digits(x.String()))
		case []byte:
			return slog.String(a.Key, Digits(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
