package proof

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
)

// FixtureNationalIDs are the synthetic national IDs the tests use: the
// founders fixture's Kari, Ola and Per (named by no form: a replacement),
// and the stranger the API tests add.
var FixtureNationalIDs = []string{"15838523428", "02919043558", "31129956715", "12847832280"}

// Sink collects log output; it is safe for concurrent writes.
type Sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String returns everything written so far.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Lines returns how many lines were written.
func (s *Sink) Lines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Count(s.buf.Bytes(), []byte("\n"))
}

// Logger returns a JSON logger at debug level that writes to s.
func (s *Sink) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// guids finds GUIDs, whose digits are no national IDs.
var guids = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// elevenDigits finds runs of digits; a run of exactly eleven has the shape of a national ID.
var elevenDigits = regexp.MustCompile(`\d+`)

// Leaks reports where text holds one of the known national IDs or any run
// of exactly eleven digits. Each finding names the line and shows the
// number masked (its first six digits), so reporting a leak does not leak it.
func Leaks(text string, known ...string) []string {
	var out []string
	for n, line := range strings.Split(text, "\n") {
		seen := map[string]bool{}
		for _, id := range known {
			if id != "" && strings.Contains(line, id) {
				seen[id] = true
			}
		}
		// A GUID's last group may hold eleven digits and a letter: not an ID.
		for _, run := range elevenDigits.FindAllString(guids.ReplaceAllString(line, "<guid>"), -1) {
			if len(run) == 11 {
				seen[run] = true
			}
		}
		for id := range seen {
			out = append(out, fmt.Sprintf("line %d: %s", n+1, mask(id)))
		}
	}
	return out
}

// mask keeps the first six characters (the birth date) of an ID.
func mask(id string) string {
	if len(id) <= 6 {
		return strings.Repeat("*", len(id))
	}
	return id[:6] + strings.Repeat("*", len(id)-6)
}
