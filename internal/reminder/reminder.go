// Package reminder computes when the signees of a signing task are
// reminded: offsets after the invitation ("P7D") or before the deadline
// ("-P2D") as ISO 8601 durations, the collapse of reminders missed while
// the task waited or failed into one catch-up reminder, the next time
// something is due, and the daytime window outside which SMS is held
// back. Calendar arithmetic and the window are in Europe/Oslo, where the
// platform's users live; the zone database is embedded (time/tzdata), so
// the result does not depend on the files of the Lambda image.
//
// The package is pure: it reads no clock and stores nothing.
package reminder

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Oslo without the image's zoneinfo
)

// Oslo is the time zone of reminders, deadlines in texts and the SMS
// window, loaded on first use (a load at package init would cost every
// cold start, also of the functions that never remind).
var Oslo = sync.OnceValue(func() *time.Location { return mustLoad("Europe/Oslo") })

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("reminder: time zone %s: %v", name, err))
	}
	return loc
}

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("reminder: invalid")

// Offset is one configured reminder: a duration after the invitation, or
// (BeforeDeadline) before the deadline.
type Offset struct {
	// Raw is the offset as configured, e.g. "P7D" or "-P2D".
	Raw            string
	BeforeDeadline bool
	// Years, Months, Weeks and Days are calendar units, added in Europe/Oslo
	// (a day across a clock change is 23 or 25 hours); Clock is the time
	// part (PT…), added as elapsed time.
	Years, Months, Weeks, Days int
	Clock                      time.Duration
}

// MaxOffsets bounds the reminders of one task.
const MaxOffsets = 10

// ParseOffset parses an ISO 8601 duration with an optional leading '-':
// P[nY][nM][nW][nD][T[nH][nM][nS]], integers only, not zero, at most a
// year in all.
func ParseOffset(s string) (Offset, error) {
	o := Offset{Raw: s}
	rest := s
	if strings.HasPrefix(rest, "-") {
		o.BeforeDeadline, rest = true, rest[1:]
	}
	if !strings.HasPrefix(rest, "P") || len(rest) < 3 {
		return Offset{}, fmt.Errorf("%w: %q: want an ISO 8601 duration such as P7D (after the invitation) or -P2D (before the deadline)", ErrInvalid, s)
	}
	rest = rest[1:]
	inTime := false
	seen := map[string]bool{}
	for rest != "" {
		if rest[0] == 'T' {
			if inTime || len(rest) == 1 {
				return Offset{}, fmt.Errorf("%w: %q: misplaced T", ErrInvalid, s)
			}
			inTime, rest = true, rest[1:]
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 4 {
			return Offset{}, fmt.Errorf("%w: %q: want a number of at most 4 digits before each unit", ErrInvalid, s)
		}
		n, _ := strconv.Atoi(rest[:i])
		unit := string(rest[i])
		if inTime {
			unit = "T" + unit
		}
		if seen[unit] {
			return Offset{}, fmt.Errorf("%w: %q: unit %s given twice", ErrInvalid, s, unit)
		}
		seen[unit] = true
		switch unit {
		case "Y":
			o.Years = n
		case "M":
			o.Months = n
		case "W":
			o.Weeks = n
		case "D":
			o.Days = n
		case "TH":
			o.Clock += time.Duration(n) * time.Hour
		case "TM":
			o.Clock += time.Duration(n) * time.Minute
		case "TS":
			o.Clock += time.Duration(n) * time.Second
		default:
			return Offset{}, fmt.Errorf("%w: %q: unknown unit %q", ErrInvalid, s, rest[i])
		}
		rest = rest[i+1:]
	}
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, Oslo())
	span := o.add(ref, 1).Sub(ref)
	switch {
	case span <= 0:
		return Offset{}, fmt.Errorf("%w: %q: must not be zero", ErrInvalid, s)
	case span > 366*24*time.Hour:
		return Offset{}, fmt.Errorf("%w: %q: must be at most a year", ErrInvalid, s)
	}
	return o, nil
}

// String returns Raw.
func (o Offset) String() string { return o.Raw }

// add moves t by the offset in direction sign (+1 or -1) in Europe/Oslo.
func (o Offset) add(t time.Time, sign int) time.Time {
	u := t.In(Oslo()).AddDate(sign*o.Years, sign*o.Months, sign*(o.Weeks*7+o.Days))
	return u.Add(time.Duration(sign) * o.Clock).UTC()
}

// At is when the offset falls for a signee invited at invited in a task
// with deadline (zero: none). ok is false when the reminder has no time:
// one before a deadline that is not set.
func (o Offset) At(invited, deadline time.Time) (at time.Time, ok bool) {
	if o.BeforeDeadline {
		if deadline.IsZero() {
			return time.Time{}, false
		}
		return o.add(deadline, -1), true
	}
	return o.add(invited, 1), true
}

// ParseOffsets parses a list of offsets, at most MaxOffsets, none twice.
func ParseOffsets(raw []string) ([]Offset, error) {
	if len(raw) > MaxOffsets {
		return nil, fmt.Errorf("%w: %d reminders, at most %d", ErrInvalid, len(raw), MaxOffsets)
	}
	out := make([]Offset, 0, len(raw))
	for i, s := range raw {
		if slices.Contains(raw[:i], s) {
			return nil, fmt.Errorf("%w: %q given twice", ErrInvalid, s)
		}
		o, err := ParseOffset(s)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Times are a signee's reminder times in order: each offset's time that
// falls after the invitation and before the deadline (nothing is sent at
// or after the deadline), duplicates removed.
func Times(offsets []Offset, invited, deadline time.Time) []time.Time {
	var out []time.Time
	for _, o := range offsets {
		at, ok := o.At(invited, deadline)
		if !ok || !at.After(invited) || (!deadline.IsZero() && !at.Before(deadline)) {
			continue
		}
		out = append(out, at)
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// Due tells what is owed at now, given the reminder times (Times) and
// doneUntil, the latest reminder time already handled (zero: none). send
// is true when at least one time after doneUntil has come: every such
// time, however many an outage let pass, is one catch-up reminder, and at
// is the latest of them, which identifies the reminder (its idempotency
// part) and becomes the new doneUntil. next is the first time still to
// come, zero when none. Times are compared, not counted, so a moved
// deadline reschedules the reminders before it: those of the new deadline
// that lie after doneUntil are still to come.
func Due(times []time.Time, doneUntil, now time.Time) (send bool, at, next time.Time) {
	for _, t := range times {
		switch {
		case !t.After(doneUntil):
		case !t.After(now):
			send, at = true, t
		case next.IsZero():
			next = t
		}
	}
	return send, at, next
}

// Window is the time of day in Europe/Oslo when SMS may be sent: from
// From (inclusive) to To (exclusive), both as durations since midnight.
type Window struct {
	From, To time.Duration
}

// DefaultWindow is 08:00 to 21:00.
var DefaultWindow = Window{From: 8 * time.Hour, To: 21 * time.Hour}

// ParseWindow parses "HH:MM-HH:MM" (From before To, same day; the end may
// be 24:00, so "00:00-24:00" holds nothing back); empty is DefaultWindow.
func ParseWindow(s string) (Window, error) {
	if s == "" {
		return DefaultWindow, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("%w: SMS window %q: want HH:MM-HH:MM, e.g. 08:00-21:00", ErrInvalid, s)
	}
	f, err1 := clock(from)
	t, err2 := clock(to)
	if err := errors.Join(err1, err2); err != nil {
		return Window{}, fmt.Errorf("%w: SMS window %q: %v", ErrInvalid, s, err)
	}
	if f >= t {
		return Window{}, fmt.Errorf("%w: SMS window %q: the start must be before the end", ErrInvalid, s)
	}
	return Window{From: f, To: t}, nil
}

func clock(s string) (time.Duration, error) {
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Next returns t when it is inside the window, else the window's next
// opening, in UTC.
func (w Window) Next(t time.Time) time.Time {
	local := t.In(Oslo())
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Oslo())
	open := dayTime(midnight, w.From)
	switch {
	case local.Before(open):
		return open.UTC()
	case w.To >= 24*time.Hour || local.Before(dayTime(midnight, w.To)):
		return t.UTC()
	}
	next := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, Oslo())
	return dayTime(next, w.From).UTC()
}

// dayTime is the wall-clock time d after midnight on midnight's day (on a
// clock-change day the wall clock, not elapsed time, decides).
func dayTime(midnight time.Time, d time.Duration) time.Time {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	return time.Date(midnight.Year(), midnight.Month(), midnight.Day(), h, m, 0, 0, Oslo())
}

// String formats the window as ParseWindow reads it.
func (w Window) String() string {
	f := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return f(w.From) + "-" + f(w.To)
}

var months = map[string][12]string{
	"nb": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	"nn": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// FormatDeadline writes t as a reader of lang (nb, nn or en; anything else
// is nb) reads a date and time, in Europe/Oslo: "5. desember 2026 kl. 14.00"
// (Språkrådet's clock style) or "5 December 2026 at 14:00 Norwegian time".
func FormatDeadline(t time.Time, lang string) string {
	local := t.In(Oslo())
	names, ok := months[lang]
	if !ok {
		lang, names = "nb", months["nb"]
	}
	month := names[local.Month()-1]
	if lang == "en" {
		return fmt.Sprintf("%d %s %d at %02d:%02d Norwegian time", local.Day(), month, local.Year(), local.Hour(), local.Minute())
	}
	return fmt.Sprintf("%d. %s %d kl. %02d.%02d", local.Day(), month, local.Year(), local.Hour(), local.Minute())
}
