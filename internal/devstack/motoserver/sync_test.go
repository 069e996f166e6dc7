package motoserver_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestStart_startExecutionSync pins the launcher's normalisation of
// startExecution.sync:2 (the workflow's continue-as-new): the parent gets
// the child's ExecutionArn, Status and parsed Output under AWS's names, and
// a JSONPath in its parameters is evaluated many times (the parse cache).
func TestStart_startExecutionSync(t *testing.T) {
	t.Parallel()
	client := sfnClient(startMoto(t))
	ctx := t.Context()
	create := func(name, def string) string {
		t.Helper()
		out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/local"),
		})
		if err != nil {
			t.Fatalf("CreateStateMachine(%s) error = %v", name, err)
		}
		return aws.ToString(out.StateMachineArn)
	}
	child := create("child", `{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"answer.$":"States.MathAdd($.n, $.n)"},"End":true}}}`)
	parent := create("parent", `{"StartAt":"Child","States":{"Child":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"`+child+`","Input":{"n.$":"$.n"}},
		"ResultSelector":{"status.$":"$.Status","arn.$":"$.ExecutionArn","answer.$":"$.Output.answer"},
		"End":true}}}`)
	for i, n := range []int{21, 5} {
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(parent), Name: aws.String("parent-" + string(rune('a'+i))), Input: aws.String(`{"n":` + jsonInt(n) + `}`),
		})
		if err != nil {
			t.Fatalf("StartExecution error = %v", err)
		}
		got := waitExecution(t, client, aws.ToString(out.ExecutionArn))
		var res struct {
			Status, Arn string
			Answer      int
		}
		_ = json.Unmarshal([]byte(aws.ToString(got.Output)), &res)
		if got.Status != types.ExecutionStatusSucceeded || res.Status != "SUCCEEDED" || res.Answer != 2*n || res.Arn == "" {
			t.Errorf("parent with n=%d: %s %s %s, want SUCCEEDED with the child's status, ARN and answer %d",
				n, got.Status, aws.ToString(got.Output), aws.ToString(got.Cause), 2*n)
		}
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }
