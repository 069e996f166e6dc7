package signees

import (
	"context"
	"fmt"
	"io"

	"github.com/signingflow/signing/internal/signing"
)

// Source finds an instance's signees through the registry, reading form data
// from storage. It implements signing.SigneeSource.
type Source struct {
	Registry *Registry
	Storage  signing.Storage
	Options  Options
}

var _ signing.SigneeSource = (*Source)(nil)

// Candidates calls the provider the config selects and validates its output.
func (s *Source) Candidates(ctx context.Context, cfg signing.Config, inst signing.Instance) ([]signing.Candidate, error) {
	return Resolve(ctx, s.Registry, cfg, storageData{storage: s.Storage, inst: inst}, s.Options)
}

// storageData reads an instance's data elements from storage on demand.
type storageData struct {
	storage signing.Storage
	inst    signing.Instance
}

func (d storageData) Instance() signing.Instance { return d.inst }

func (d storageData) ReadData(ctx context.Context, dataType string) ([]byte, string, error) {
	for _, el := range d.inst.Data {
		if el.DataType != dataType {
			continue
		}
		rc, info, err := d.storage.ReadData(ctx, d.inst.Ref, el.ID)
		if err != nil {
			return nil, "", fmt.Errorf("read data element %s: %w", el.ID, err)
		}
		defer rc.Close()
		body, err := io.ReadAll(io.LimitReader(rc, maxFormData+1))
		if err != nil {
			return nil, "", fmt.Errorf("read data element %s: %w", el.ID, err)
		}
		contentType := info.ContentType
		if contentType == "" {
			contentType = el.ContentType
		}
		return body, contentType, nil
	}
	return nil, "", fmt.Errorf("the instance has no data element of type %q: %w", dataType, signing.ErrNotFound)
}
