package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"regexp"
	"sync"
	"time"
)

var sha256Pattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

// DataElementDigest is the SHA-256 of one signed data element.
type DataElementDigest struct {
	DataElementID string `json:"dataElementId"`
	DataType      string `json:"dataType"`
	// SHA256 is the lowercase hex digest of the element's bytes.
	SHA256 string `json:"sha256Hash"`
	Size   int64  `json:"size"`
	// ContentType and Filename are the element's as it was signed; the
	// receipt names its attachments with them, without reading the
	// instance again. Empty in signatures recorded without them.
	ContentType string `json:"contentType,omitempty"`
	Filename    string `json:"filename,omitempty"`
}

// DigestReader hashes r and returns the digest for element id of dataType.
func DigestReader(id, dataType string, r io.Reader) (DataElementDigest, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return DataElementDigest{}, err
	}
	return DataElementDigest{DataElementID: id, DataType: dataType, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// Signer is who signed: always a person, identified without a raw national ID.
type Signer struct {
	// IdentityHash is the keyed hash of the person's national ID.
	IdentityHash string `json:"identityHash"`
	MaskedID     string `json:"maskedId"`
	Name         string `json:"name"`
	// UserID is the platform user ID from the caller's token, if any.
	UserID    string `json:"userId,omitempty"`
	PartyID   int64  `json:"partyId,omitempty"`
	PartyUUID string `json:"partyUuid,omitempty"`
}

// Signature is one recorded signature. It fulfils exactly one signee (a
// person for themself, or a person for an organisation) and never changes.
type Signature struct {
	Task      TaskKey   `json:"task"`
	SigneeKey SigneeKey `json:"signeeKey"`
	Signer    Signer    `json:"signer"`
	// OnBehalfOf is the organisation number signed for, if any.
	OnBehalfOf string              `json:"onBehalfOf,omitempty"`
	SignedAt   time.Time           `json:"signedAt"`
	Digests    []DataElementDigest `json:"digests"`
	// RequestHash identifies the request that recorded the signature (see
	// RequestHash); a retry of that request is answered with this
	// signature instead of a conflict. Empty when the client sent no key.
	RequestHash string `json:"requestHash,omitempty"`
	// Group is the signee's signing group when the task has groups
	// (Task.Groups): the signature counts toward it. 0 otherwise.
	Group int `json:"group,omitempty"`
}

// Validate checks a signature before it is recorded.
func (s Signature) Validate() error {
	var errs FieldErrors
	if err := s.Task.Validate(); err != nil {
		errs = append(errs, err.(FieldErrors)...)
	}
	if err := s.SigneeKey.Validate(); err != nil {
		errs.Add("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	if len(s.Signer.IdentityHash) < 24 {
		errs.Add("signer.identityHash", "must be a keyed hash")
	}
	if s.SignedAt.IsZero() {
		errs.Add("signedAt", "must be set")
	}
	if len(s.Digests) == 0 {
		errs.Add("digests", "must cover at least one data element")
	}
	for i, d := range s.Digests {
		if d.DataElementID == "" {
			errs.Add(fieldIndex("digests", i, "dataElementId"), "must be set")
		}
		if !sha256Pattern().MatchString(d.SHA256) {
			errs.Add(fieldIndex("digests", i, "sha256Hash"), "must be 64 lowercase hex digits")
		}
	}
	return errs.Err()
}
