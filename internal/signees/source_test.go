package signees

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/signing"
)

// fakeStorage serves data elements from memory.
type fakeStorage struct {
	signing.Storage
	bodies map[string]string
}

func (f fakeStorage) ReadData(_ context.Context, _ signing.InstanceRef, id string) (io.ReadCloser, signing.DataElement, error) {
	body, ok := f.bodies[id]
	if !ok {
		return nil, signing.DataElement{}, signing.ErrNotFound
	}
	return io.NopCloser(strings.NewReader(body)), signing.DataElement{ID: id, ContentType: "application/json"}, nil
}

func TestSource_Candidates(t *testing.T) {
	t.Parallel()
	reg, _ := NewRegistry(BuiltIn()...)
	src := &Source{Registry: reg, Storage: fakeStorage{bodies: map[string]string{"d-model": foundersJSON()}}}
	cfg := signing.Config{SigneeProviderID: "founders", SigneeStatesDataTypeID: "signeeState"}
	inst := signing.Instance{Data: []signing.DataElement{
		{ID: "d-pdf", DataType: "ref-data-as-pdf"},
		{ID: "d-model", DataType: "model"},
	}}

	got, err := src.Candidates(context.Background(), cfg, inst)
	if err != nil {
		t.Fatalf("Candidates() error = %v", err)
	}
	if len(got) != 3 || got[0].Person.Digits() != kariID || got[2].Org.String() != orgA {
		t.Errorf("Candidates() = %+v", got)
	}

	inst.Data = inst.Data[:1]
	if _, err := src.Candidates(context.Background(), cfg, inst); !errors.Is(err, signing.ErrNotFound) || !strings.Contains(err.Error(), `"model"`) {
		t.Errorf("Candidates() without form data: err = %v, want ErrNotFound naming the data type", err)
	}
}
