package reminder_test

import (
	"errors"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/reminder"
)

func oslo(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, reminder.Oslo()).UTC()
}

func TestParseOffset(t *testing.T) {
	t.Parallel()
	invited := oslo(2026, 3, 20, 10, 0) // the week Norway moves to summer time
	deadline := oslo(2026, 4, 10, 12, 0)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"P7D", oslo(2026, 3, 27, 10, 0)}, // calendar days: 10:00 still, across the clock change
		{"P1W", oslo(2026, 3, 27, 10, 0)},
		{"PT36H", invited.Add(36 * time.Hour)},
		{"P1DT2H30M", oslo(2026, 3, 21, 12, 30)},
		{"-P2D", oslo(2026, 4, 8, 12, 0)},
		{"-PT1H", oslo(2026, 4, 10, 11, 0)},
		{"P1M", oslo(2026, 4, 20, 10, 0)},
	}
	for _, tt := range tests {
		o, err := reminder.ParseOffset(tt.in)
		if err != nil {
			t.Errorf("ParseOffset(%q) error = %v", tt.in, err)
			continue
		}
		got, ok := o.At(invited, deadline)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("ParseOffset(%q).At() = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	o, _ := reminder.ParseOffset("-P2D")
	if _, ok := o.At(invited, time.Time{}); ok {
		t.Errorf("-P2D without a deadline has a time")
	}
	for _, bad := range []string{"", "7D", "P", "-P", "PT", "P0D", "PT0S", "P7", "P7DT", "P1.5D", "P7D7D", "PT1H1H", "P2Y", "P12345D", "P1X", "+P1D", "--P1D", "P-1D", "p7d", "P7DT1D"} {
		if _, err := reminder.ParseOffset(bad); !errors.Is(err, reminder.ErrInvalid) {
			t.Errorf("ParseOffset(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := reminder.ParseOffsets([]string{"P7D", "P7D"}); !errors.Is(err, reminder.ErrInvalid) {
		t.Errorf("ParseOffsets(twice) error = %v, want ErrInvalid", err)
	}
	many := make([]string, reminder.MaxOffsets+1)
	for i := range many {
		many[i] = "P" + string(rune('1'+i%9)) + "D" + string(rune('A'+i))
	}
	if _, err := reminder.ParseOffsets(many); !errors.Is(err, reminder.ErrInvalid) {
		t.Errorf("ParseOffsets(%d) error = %v, want ErrInvalid", len(many), err)
	}
}

func TestTimesAndDue(t *testing.T) {
	t.Parallel()
	offsets, err := reminder.ParseOffsets([]string{"-P2D", "P7D", "P3D", "-P30D", "P40D"})
	if err != nil {
		t.Fatal(err)
	}
	invited := oslo(2026, 5, 4, 9, 0)
	deadline := oslo(2026, 5, 20, 9, 0)
	times := reminder.Times(offsets, invited, deadline)
	// -P30D falls before the invitation and P40D after the deadline: dropped.
	want := []time.Time{oslo(2026, 5, 7, 9, 0), oslo(2026, 5, 11, 9, 0), oslo(2026, 5, 18, 9, 0)}
	if len(times) != len(want) {
		t.Fatalf("Times() = %v, want %v", times, want)
	}
	for i := range want {
		if !times[i].Equal(want[i]) {
			t.Errorf("Times()[%d] = %v, want %v", i, times[i], want[i])
		}
	}
	tests := []struct {
		name      string
		doneUntil time.Time
		now       time.Time
		send      bool
		at        time.Time
		next      time.Time
	}{
		{"before the first", time.Time{}, oslo(2026, 5, 6, 9, 0), false, time.Time{}, want[0]},
		{"at the first", time.Time{}, want[0], true, want[0], want[1]},
		{"first done, second not yet", want[0], oslo(2026, 5, 10, 9, 0), false, time.Time{}, want[1]},
		{"two missed in an outage: one catch-up", time.Time{}, oslo(2026, 5, 12, 9, 0), true, want[1], want[2]},
		{"all missed: one catch-up, nothing next", want[0], oslo(2026, 5, 19, 9, 0), true, want[2], time.Time{}},
		{"all done", want[2], oslo(2026, 5, 19, 9, 0), false, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		send, at, next := reminder.Due(times, tt.doneUntil, tt.now)
		if send != tt.send || !at.Equal(tt.at) || !next.Equal(tt.next) {
			t.Errorf("%s: Due() = %v, %v, %v; want %v, %v, %v", tt.name, send, at, next, tt.send, tt.at, tt.next)
		}
	}
	// The deadline moves a week later after the -P2D reminder was sent: the
	// new deadline's -P2D is still to come.
	later := deadline.AddDate(0, 0, 7)
	moved := reminder.Times(offsets, invited, later)
	if send, _, next := reminder.Due(moved, want[2], oslo(2026, 5, 19, 9, 0)); send || !next.Equal(oslo(2026, 5, 25, 9, 0)) {
		t.Errorf("after the extension: Due() = %v, next %v; want nothing now, next the new deadline's -P2D", send, next)
	}
	if got := reminder.Times(offsets, invited, time.Time{}); len(got) != 3 {
		t.Errorf("Times() without a deadline = %v, want the three after the invitation", got)
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	w, err := reminder.ParseWindow("")
	if err != nil || w != reminder.DefaultWindow || w.String() != "08:00-21:00" {
		t.Fatalf("ParseWindow(\"\") = %v, %v", w, err)
	}
	tests := []struct{ at, want time.Time }{
		{oslo(2026, 5, 4, 7, 59), oslo(2026, 5, 4, 8, 0)},
		{oslo(2026, 5, 4, 8, 0), oslo(2026, 5, 4, 8, 0)},
		{oslo(2026, 5, 4, 20, 59), oslo(2026, 5, 4, 20, 59)},
		{oslo(2026, 5, 4, 21, 0), oslo(2026, 5, 5, 8, 0)},
		{oslo(2026, 12, 31, 23, 30), oslo(2027, 1, 1, 8, 0)},
		{oslo(2026, 3, 28, 22, 0), oslo(2026, 3, 29, 8, 0)}, // the night summer time begins
	}
	for _, tt := range tests {
		if got := w.Next(tt.at); !got.Equal(tt.want) {
			t.Errorf("Next(%v) = %v, want %v", tt.at.In(reminder.Oslo()), got.In(reminder.Oslo()), tt.want.In(reminder.Oslo()))
		}
	}
	all, err := reminder.ParseWindow("00:00-24:00")
	if err != nil || all.String() != "00:00-24:00" {
		t.Fatalf("ParseWindow(all day) = %v, %v", all, err)
	}
	for _, at := range []time.Time{oslo(2026, 5, 4, 23, 59), oslo(2026, 5, 4, 0, 0), oslo(2026, 3, 29, 2, 30)} {
		if got := all.Next(at); !got.Equal(at) {
			t.Errorf("all day: Next(%v) = %v, want at once", at, got)
		}
	}
	for _, bad := range []string{"8-21", "08:00", "21:00-08:00", "08:00-08:00", "25:00-26:00", "08:00-21:0", "24:00-24:00"} {
		if _, err := reminder.ParseWindow(bad); !errors.Is(err, reminder.ErrInvalid) {
			t.Errorf("ParseWindow(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestFormatDeadline(t *testing.T) {
	t.Parallel()
	at := oslo(2026, 12, 5, 14, 0)
	for lang, want := range map[string]string{
		"nb": "5. desember 2026 kl. 14.00",
		"nn": "5. desember 2026 kl. 14.00",
		"en": "5 December 2026 at 14:00 Norwegian time",
		"se": "5. desember 2026 kl. 14.00",
	} {
		if got := reminder.FormatDeadline(at, lang); got != want {
			t.Errorf("FormatDeadline(%s) = %q, want %q", lang, got, want)
		}
	}
	summer := oslo(2026, 7, 1, 9, 5)
	if got := reminder.FormatDeadline(summer, "nb"); got != "1. juli 2026 kl. 09.05" {
		t.Errorf("FormatDeadline(summer) = %q", got)
	}
}
