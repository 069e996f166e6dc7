package e2e

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/signingflow/signing/internal/devstack/scenario"
)

// TestStack_testOverrides pins the divergence in docs/local-stack.md of the tests' own
// stack: the state machine waits WaitTimeoutSeconds=2, below the
// parameter's MinValue.
func TestStack_testOverrides(t *testing.T) {
	s := up(t)
	r := scenario.New(s, fixture.Instances[0], example)
	out, err := sfn.NewFromConfig(s.AWSConfig()).DescribeStateMachine(within(t, 10*time.Second), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(r.StateMachineARN())})
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		States map[string]struct {
			Parameters struct {
				Settings map[string]any `json:"settings"`
			}
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Definition)), &def); err != nil {
		t.Fatalf("definition: %v", err)
	}
	if got := def.States["Load Settings"].Parameters.Settings["waitTimeoutSeconds.$"]; got != "States.StringToJson('2')" {
		t.Errorf("Load Settings waitTimeoutSeconds = %v, want the override 2", got)
	}
	param := s.Def.Parameters["WaitTimeoutSeconds"]
	if n, _ := strconv.Atoi(param); n <= 2 {
		t.Errorf("the WaitTimeoutSeconds parameter is %q; the override proves nothing", param)
	}
}
