package memrepo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/memrepo"
	"github.com/signingflow/signing/internal/signing/repotest"
)

func TestRepo_Contract(t *testing.T) {
	t.Parallel()
	repotest.Run(t, func(t *testing.T) signing.Repository { return memrepo.New(nil) })
}

func TestRepo_Err(t *testing.T) {
	t.Parallel()
	repo := memrepo.New(nil)
	f := repotest.Create(t, repo, 1)
	boom := errors.New("boom")
	repo.Err = func(op string) error {
		if op == "GetTask" {
			return boom
		}
		return nil
	}
	if _, err := repo.GetTask(context.Background(), f.Key()); !errors.Is(err, boom) {
		t.Errorf("GetTask() error = %v, want the injected error", err)
	}
	if _, err := repo.GetSignee(context.Background(), f.Key(), f.Signees[0].Key); err != nil {
		t.Errorf("GetSignee() error = %v, want none", err)
	}
}

func TestRepo_ReturnsCopies(t *testing.T) {
	t.Parallel()
	repo := memrepo.New(nil)
	f := repotest.Create(t, repo, 1)
	got := f.MustSignee(t, 0)
	got.AdditionalActions[0] = "changed"
	got.Communication.TextArgs[0] = "changed"
	repotest.SameJSON(t, "stored signee", f.MustSignee(t, 0), f.Signees[0])
	task := f.MustTask(t)
	task.Config.DataTypesToSign[0] = "changed"
	repotest.SameJSON(t, "stored task", f.MustTask(t), f.Task)
}
