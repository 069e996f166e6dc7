package dynamo_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/dynamo/dynamotest"
	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signing/repotest"
)

func TestAuditFromImage(t *testing.T) {
	t.Parallel()
	k := signing.TaskKey{InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d", TaskID: "SigningTask"}
	e := signing.AuditEntry{At: time.Date(2026, 3, 1, 10, 0, 0, 123, time.UTC), Actor: "system", Action: "signee.delegated", SigneeKey: "p-1", Detail: "d"}
	gotKey, got, ok := dynamo.AuditFromImage(dynamo.AuditImage(k, e))
	if !ok || gotKey != k || !got.At.Equal(e.At) || got.Action != e.Action || got.SigneeKey != e.SigneeKey || got.Detail != e.Detail || got.Actor != e.Actor {
		t.Errorf("round trip = %v %+v %v, want %v %+v", gotKey, got, ok, k, e)
	}
	for name, image := range map[string]map[string]string{
		"task_item":  {"PK": "INST#" + k.InstanceGUID, "SK": "TASK#SigningTask", "type": "task"},
		"no_action":  {"PK": "INST#" + k.InstanceGUID, "type": "audit", "taskId": "SigningTask", "at": "2026-03-01T10:00:00Z"},
		"foreign_pk": {"PK": "X#1", "type": "audit", "taskId": "SigningTask", "at": "2026-03-01T10:00:00Z", "action": "task.created"},
	} {
		if _, _, ok := dynamo.AuditFromImage(image); ok {
			t.Errorf("%s: AuditFromImage ok, want not an audit entry", name)
		}
	}
}

// TestAuditImage_isTheStoredItem checks AuditImage against the item the
// store writes: every audit item of a created task, read back from the
// table, is the image AuditImage makes of its entry.
func TestAuditImage_isTheStoredItem(t *testing.T) {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	s := dynamo.New(db, table)
	ctx := context.Background()
	task, signees := repotest.NewTask(t, 3)
	if err := s.CreateTask(ctx, task, signees); err != nil {
		t.Fatal(err)
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, item := range out.Items {
		if v, ok := item["type"].(*types.AttributeValueMemberS); !ok || v.Value != "audit" {
			continue
		}
		n++
		image := map[string]string{}
		if err := attributevalue.UnmarshalMap(item, &image); err != nil {
			t.Fatal(err)
		}
		k, e, ok := dynamo.AuditFromImage(image)
		if !ok {
			t.Fatalf("stored audit item %v is not read as one", image)
		}
		again := dynamo.AuditImage(k, e)
		delete(again, "SK")
		delete(image, "SK") // the store's sort key names the subject's state; nothing reads it from the stream
		if !maps.Equal(again, image) {
			t.Errorf("AuditImage = %v, stored %v", again, image)
		}
	}
	if n == 0 {
		t.Fatal("no audit item stored")
	}
}
