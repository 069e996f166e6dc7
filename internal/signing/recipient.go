package signing

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// MaxAttachmentBytes bounds the bytes of one receipt attachment read from
// Storage; the platform uploads each attachment before the message.
const MaxAttachmentBytes = 64 << 20

// recipientOf resolves who a message to the signee goes to: an
// organisation by its number, a person by the national ID Register holds
// for the signee's party, read just in time (the table never keeps it).
func (s *Service) recipientOf(ctx context.Context, sg Signee) (Recipient, error) {
	if sg.Kind == SigneeOrganisation {
		org, err := parseOrg(sg.OrgNumber)
		if err != nil {
			return Recipient{}, Invalid("orgNumber", "%v", err)
		}
		return Recipient{Org: org}, nil
	}
	return s.personRecipient(ctx, sg.PartyID)
}

// personRecipient reads a person's national ID from Register by party ID.
func (s *Service) personRecipient(ctx context.Context, partyID int64) (Recipient, error) {
	if partyID <= 0 {
		return Recipient{}, Invalid("partyId", "the recipient's party is unknown")
	}
	p, err := s.Register.GetParty(ctx, partyID)
	if err != nil {
		return Recipient{}, fmt.Errorf("look up the recipient's party %d: %w", partyID, err)
	}
	if p.Person.IsZero() {
		return Recipient{}, Invalid("partyId", "party %d is not a person", partyID)
	}
	return Recipient{Person: p.Person}, nil
}

// withBodies reads each attachment's bytes from Storage.
func (s *Service) withBodies(ctx context.Context, ref InstanceRef, in []Attachment) ([]Attachment, error) {
	out := slices.Clone(in)
	for i, a := range out {
		rc, _, err := s.Storage.ReadData(ctx, ref, a.DataElementID)
		if err != nil {
			return nil, fmt.Errorf("read attachment %s: %w", a.DataElementID, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxAttachmentBytes+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read attachment %s: %w: %w", a.DataElementID, ErrTransient, err)
		}
		if len(b) > MaxAttachmentBytes {
			return nil, Invalid("attachments", "data element %s is larger than %d bytes", a.DataElementID, MaxAttachmentBytes)
		}
		out[i].Body = b
	}
	return out, nil
}
