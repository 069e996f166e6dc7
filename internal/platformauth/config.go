package platformauth

import (
	"net"
	"net/url"
	"strings"
)

// FieldError names one bad configuration field.
type FieldError struct {
	// Field is the struct field, e.g. "TokenURL".
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// ConfigError lists every bad field of a configuration at once.
type ConfigError struct {
	// Config is the struct, e.g. "MaskinportenConfig".
	Config string
	// Fields are the problems, in field order.
	Fields []FieldError
}

// Error implements error.
func (e *ConfigError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Problem
	}
	return "platformauth: invalid " + e.Config + ": " + strings.Join(parts, "; ")
}

// problems collects FieldErrors.
type problems struct {
	config string
	fields []FieldError
}

func (p *problems) add(field, problem string) {
	p.fields = append(p.fields, FieldError{Field: field, Problem: problem})
}

// required adds a problem when v is empty or holds whitespace.
func (p *problems) required(field, v string) {
	switch {
	case v == "":
		p.add(field, "is required")
	case strings.ContainsAny(v, " \t\r\n"):
		p.add(field, "must not contain whitespace")
	}
}

// url adds a problem unless v is an absolute https URL, or http on a
// loopback host (the local emulator).
func (p *problems) url(field, v string) {
	if v == "" {
		p.add(field, "is required")
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.add(field, "must be an absolute URL without query or fragment")
		return
	}
	if u.Scheme == "https" || (u.Scheme == "http" && loopback(u.Hostname())) {
		return
	}
	p.add(field, "must be https (http only on a loopback host)")
}

func (p *problems) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ConfigError{Config: p.config, Fields: p.fields}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
