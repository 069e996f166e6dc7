package dynamo

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/signing"
)

// fill sets every field reachable in v to a non-zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x-" + v.Type().Name())
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}

// TestItems_keepEveryField round-trips a task and a signee with every field
// set through their items, so a field added to the domain types cannot be
// dropped silently.
func TestItems_keepEveryField(t *testing.T) {
	t.Parallel()
	var task signing.Task
	fill(reflect.ValueOf(&task).Elem())
	task.Instance.InstanceGUID = task.Key.InstanceGUID
	task.Key.Attempt = 0 // a key's attempt qualifies a call; the item holds the task's Attempt
	m, err := marshal(newTaskItem(task, "digest"))
	if err != nil {
		t.Fatal(err)
	}
	var ti taskItem
	if err := unmarshal(m, &ti); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "task", ti.task(), task)

	var s signing.Signee
	fill(reflect.ValueOf(&s).Elem())
	m, err = marshal(newSigneeItem(task, s, "digest"))
	if err != nil {
		t.Fatal(err)
	}
	var si signeeItem
	if err := unmarshal(m, &si); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "signee", si.signee(), s)

	var sig signing.Signature
	fill(reflect.ValueOf(&sig).Elem())
	sig.Task.Attempt = 0
	m, err = marshal(newSignatureItem(sig))
	if err != nil {
		t.Fatal(err)
	}
	var gi signatureItem
	if err := unmarshal(m, &gi); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "signature", gi.signature(), sig)
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}
