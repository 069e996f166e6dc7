package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/asl"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signing"
)

// TestDefinition_directWrites checks the state machine's direct DynamoDB
// writes against internal/dynamo: template.yaml substitutes exactly
// dynamo.StateMachineSubstitutions (and the table by its logical ID), each
// aws-sdk:dynamodb state is a wait step whose write, substituted and with
// the execution's values filled in, is the very write the store makes for
// it (table, key, expressions, names and values), and each exported
// substitution is used by one of them.
func TestDefinition_directWrites(t *testing.T) {
	t.Parallel()
	_, raw, sm, _ := project(t)
	want := dynamo.StateMachineSubstitutions()
	values := map[string]string{}
	for name, v := range sm.Substitutions {
		switch v := v.(type) {
		case string:
			values[name] = v
		case samtemplate.Intrinsic:
			if name == "SigningTableName" && (v.Name != "Ref" || v.Arg != dynamo.TableLogicalID) {
				t.Errorf("substitution SigningTableName = %v, want !Ref %s", v, dynamo.TableLogicalID)
			}
		}
	}
	if !maps.Equal(values, want) {
		t.Errorf("template.yaml's plain DefinitionSubstitutions = %v\nwant dynamo.StateMachineSubstitutions() = %v", values, want)
	}
	const table = "signing-table"
	values["SigningTableName"] = table
	var def asl.Definition
	if err := json.Unmarshal(asl.Substitute(raw, values), &def); err != nil {
		t.Fatal(err)
	}
	var unsubstituted asl.Definition
	if err := json.Unmarshal(raw, &unsubstituted); err != nil {
		t.Fatal(err)
	}

	used := map[string]bool{}
	writes := 0
	def.Walk(func(scope, name string, s asl.State) {
		if !strings.Contains(s.Resource, ":dynamodb:") {
			return
		}
		writes++
		where := strings.TrimPrefix(scope+" / "+name, " / ")
		if scope == "" {
			for _, p := range asl.Placeholders(unsubstituted.States[name].Parameters) {
				used[p] = true
			}
		}
		if s.Resource != asl.DynamoDBUpdateCallback {
			t.Errorf("%s: %s is a direct DynamoDB call this test does not check; check it against internal/dynamo", where, s.Resource)
			return
		}
		key := signing.TaskKey{InstanceGUID: "1d3c5b7a-9e8f-4a6b-8c2d-4e6f8a0b2c4d", TaskID: "SigningTask", Attempt: 3}
		const token = "the-task-token"
		got, err := resolveUpdate(s.Parameters, map[string]any{"task": map[string]any{
			"instanceGuid": key.InstanceGUID, "taskId": key.TaskID, "attempt": float64(key.Attempt),
		}}, token)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		var store *dynamodb.UpdateItemInput
		api := captureAPI{update: func(in *dynamodb.UpdateItemInput) { store = in }}
		st := dynamo.New(api, table)
		switch aws.ToString(got.UpdateExpression) {
		case dynamo.RegisterWaitUpdate:
			err = st.RegisterWait(context.Background(), key, token)
		case dynamo.RegisterCompletionUpdate:
			err = st.RegisterCompletionWait(context.Background(), key, token)
		default:
			t.Errorf("%s: update %q is none of the store's wait writes", where, aws.ToString(got.UpdateExpression))
			return
		}
		if err != nil || store == nil {
			t.Fatalf("%s: the store's write: %v", where, err)
		}
		store.ReturnValuesOnConditionCheckFailure = "" // the store reads the old item to explain a refusal
		if g, w := mustJSON(t, got), mustJSON(t, store); g != w {
			t.Errorf("%s writes\n%s\nthe store writes\n%s", where, g, w)
		}
	})
	if writes == 0 {
		t.Error("no direct DynamoDB write in the definition; the wait steps store their tokens that way")
	}
	for name := range want {
		if !used[name] {
			t.Errorf("dynamo.StateMachineSubstitutions has %s, which no direct write uses", name)
		}
	}
}

// captureAPI is dynamo.API that records an UpdateItem and answers it.
type captureAPI struct {
	dynamo.API
	update func(*dynamodb.UpdateItemInput)
}

func (c captureAPI) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.update(in)
	return &dynamodb.UpdateItemOutput{}, nil
}

// resolveUpdate is what Step Functions sends for an updateItem state's
// Parameters: the paths (".$" fields) resolved against data and the task
// token, as the SDK's UpdateItemInput.
func resolveUpdate(params json.RawMessage, data map[string]any, token string) (*dynamodb.UpdateItemInput, error) {
	var p struct {
		TableName, UpdateExpression, ConditionExpression string
		Key, ExpressionAttributeValues                   map[string]map[string]string
		ExpressionAttributeNames                         map[string]string
	}
	dec := json.NewDecoder(strings.NewReader(string(params)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	attrs := func(m map[string]map[string]string) (map[string]types.AttributeValue, error) {
		out := map[string]types.AttributeValue{}
		for name, av := range m {
			if len(av) != 1 {
				return nil, fmt.Errorf("%s: %v is not one typed value", name, av)
			}
			for typ, v := range av {
				if base, ok := strings.CutSuffix(typ, ".$"); ok {
					s, err := resolvePath(v, data, token)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", name, err)
					}
					typ, v = base, s
				}
				switch typ {
				case "S":
					out[name] = &types.AttributeValueMemberS{Value: v}
				case "N":
					out[name] = &types.AttributeValueMemberN{Value: v}
				default:
					return nil, fmt.Errorf("%s: type %s", name, typ)
				}
			}
		}
		return out, nil
	}
	key, err := attrs(p.Key)
	if err != nil {
		return nil, err
	}
	vals, err := attrs(p.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(p.TableName), Key: key,
		UpdateExpression: aws.String(p.UpdateExpression), ConditionExpression: aws.String(p.ConditionExpression),
		ExpressionAttributeNames: p.ExpressionAttributeNames, ExpressionAttributeValues: vals,
	}, nil
}

var format = regexp.MustCompile(`^States\.Format\('([^']*)'((?:, *\$[.A-Za-z0-9]+)*)\)$`)

// resolvePath resolves a ".$" value: $$.Task.Token, a path, or
// States.Format('…{}…', paths…).
func resolvePath(expr string, data map[string]any, token string) (string, error) {
	if expr == "$$.Task.Token" {
		return token, nil
	}
	lookup := func(path string) (string, error) {
		v, ok := asl.Lookup(data, strings.TrimSpace(path))
		if !ok {
			return "", fmt.Errorf("%s is not in the data", path)
		}
		return fmt.Sprint(v), nil
	}
	m := format.FindStringSubmatch(expr)
	if m == nil {
		return lookup(expr)
	}
	out := m[1]
	for _, path := range slices.DeleteFunc(strings.Split(m[2], ","), func(s string) bool { return strings.TrimSpace(s) == "" }) {
		v, err := lookup(path)
		if err != nil {
			return "", err
		}
		if !strings.Contains(out, "{}") {
			return "", fmt.Errorf("%s: more arguments than {}", expr)
		}
		out = strings.Replace(out, "{}", v, 1)
	}
	if strings.Contains(out, "{}") {
		return "", fmt.Errorf("%s: more {} than arguments", expr)
	}
	return out, nil
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
