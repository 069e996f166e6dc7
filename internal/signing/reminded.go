package signing

import (
	"errors"
	"fmt"
	"time"
)

// SigneeChange is a change of a signee's record besides its status
// transitions (Transition): a reminder sent, an invitation sent again.
// Repository.ChangeSignee applies it under the repository's concurrency
// control with its audit entry, in one write.
type SigneeChange interface {
	// Apply returns the signee after the change; changed is false when
	// there is nothing to write (the change is done already, or it no
	// longer applies). It refuses what the signee's state does not allow.
	Apply(s Signee) (next Signee, changed bool, err error)
	// Entry is the change's audit entry for the signee.
	Entry(key SigneeKey) AuditEntry
}

// Reminded records that the reminder due at Due (its scheduled time, which
// identifies it: reminder.Due) was sent at At.
type Reminded struct {
	Due, At time.Time
}

// Apply records the reminder on a signee who was told and has not signed,
// once per scheduled time: a reminder of a time at or before the last one
// recorded changes nothing, and so does one to a signee who signed, was
// revoked or failed.
func (r Reminded) Apply(s Signee) (Signee, bool, error) {
	if r.Due.IsZero() || r.At.IsZero() {
		return s, false, Invalid("reminded", "needs its scheduled time and the time it was sent")
	}
	if s.Status != SigneeNotified || !r.Due.After(s.RemindedAt) {
		return s, false, nil
	}
	s.RemindedAt, s.Reminders = r.Due.UTC(), s.Reminders+1
	s.Version++
	return s, true, nil
}

// Entry is "signee.reminded", naming the scheduled time.
func (r Reminded) Entry(key SigneeKey) AuditEntry {
	return AuditEntry{At: r.At.UTC(), Actor: "system", Action: "signee.reminded", SigneeKey: key, Detail: "reminder due " + r.Due.UTC().Format(time.RFC3339)}
}

// ErrTooSoon means an operation was refused because it was done too
// recently; a *TooSoonError says when it may be done again.
var ErrTooSoon = errors.New("too soon")

// TooSoonError is ErrTooSoon with the time to wait.
type TooSoonError struct {
	What       string
	RetryAfter time.Duration
}

func (e *TooSoonError) Error() string {
	return fmt.Sprintf("%s: too soon; again in %s", e.What, e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrTooSoon) hold.
func (e *TooSoonError) Is(target error) bool { return target == ErrTooSoon }

// Resent records that the owner (Actor) sent a signee's invitation again at
// At; a signee may get it at most once per Interval.
type Resent struct {
	At       time.Time
	Interval time.Duration
	Actor    string
}

// Apply refuses a signee who cannot be invited again (not told yet, signed,
// revoked or failed: ErrConflict) and one invited again less than Interval
// ago (*TooSoonError), and records the send otherwise.
func (r Resent) Apply(s Signee) (Signee, bool, error) {
	if r.At.IsZero() {
		return s, false, Invalid("resent", "needs its time")
	}
	if s.Status != SigneeNotified {
		return s, false, fmt.Errorf("signee %s is %s; only a signee who was told and has not signed is invited again: %w", s.Key, s.Status, ErrConflict)
	}
	if !s.ResentAt.IsZero() {
		if wait := s.ResentAt.Add(r.Interval).Sub(r.At); wait > 0 {
			return s, false, &TooSoonError{What: "invitation sent again", RetryAfter: wait}
		}
	}
	s.ResentAt, s.Resends = r.At.UTC(), s.Resends+1
	s.Version++
	return s, true, nil
}

// Entry is "signee.invitation-resent".
func (r Resent) Entry(key SigneeKey) AuditEntry {
	actor := r.Actor
	if actor == "" {
		actor = "system"
	}
	return AuditEntry{At: r.At.UTC(), Actor: actor, Action: "signee.invitation-resent", SigneeKey: key}
}
