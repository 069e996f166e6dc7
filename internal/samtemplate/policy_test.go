package samtemplate_test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/samtemplate"
)

// wildcard is one wildcard value a statement may carry: the resource that
// holds the policy, the statement's Sid, the element and its rendered value
// (samtemplate.Texts).
type wildcard struct {
	LogicalID, Sid, Element, Value string
}

// wildcardsAllowed are the only wildcards template.yaml may grant, each
// because AWS allows nothing narrower. Keep the list short; every entry
// must still match a statement.
var wildcardsAllowed = map[wildcard]string{
	{"SigningStateMachine", "LogDelivery", "Resource", "*"}: "CloudWatch Logs log delivery (vended logs) actions have no resource type in the Service Authorization Reference",
	{"SigningStateMachine", "Tracing", "Resource", "*"}:     "X-Ray PutTraceSegments, PutTelemetryRecords and the sampling reads have no resource type",
	{"ResolveSigneesFunction", "StopSupersededExecution", "Resource", "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-signing:*"}: "starting a later attempt stops the previous attempt's execution, whose name the process engine chose; the pattern covers this state machine's executions only",
	{"SigningStateMachine", "FollowChildExecution", "Resource", "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-signing:*"}:       "startExecution.sync:2 describes and stops child executions named at run time; the pattern covers this state machine's executions only",
}

// deleteItemAllowed are the only holders of dynamodb:DeleteItem, by logical ID.
var deleteItemAllowed = map[string]string{
	"ResolveSigneesFunction": "a restart (dynamo RestartTask) deletes the old attempt's signees, signatures and receipt-due markers",
	"SendReceiptFunction":    "UpdateSignee to receipt_sent deletes the receipt-due marker in the same transaction",
	"HandleRejectFunction":   "Finish sends the receipts still owed (SendReceipt: the receipt-due marker is deleted)",
}

// policyProblems checks every policy of tpl: no opaque policy (a managed
// policy or a SAM policy template hides its statements from this check), no
// NotAction or NotResource in an Allow, no wildcard ("*" or "?") in an
// allowed Action or Resource outside wildcards, and dynamodb:DeleteItem only
// for the holders in deletes. Allowlist entries that match nothing are
// problems too, so the lists shrink with the template.
func policyProblems(tpl *samtemplate.Template, wildcards map[wildcard]string, deletes map[string]string) ([]string, error) {
	stmts, opaque, err := tpl.Policies()
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, o := range opaque {
		kind := "managed policy"
		if o.Template {
			kind = "SAM policy template"
		}
		problems = append(problems, fmt.Sprintf("%s %s: %s %s hides its statements; write them out", o.LogicalID, o.Where, kind, o.Name))
	}
	usedWildcards := map[wildcard]bool{}
	usedDeletes := map[string]bool{}
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue // a Deny only narrows
		}
		if len(s.NotActions)+len(s.NotResources) > 0 {
			problems = append(problems, fmt.Sprintf("%s: NotAction or NotResource in an Allow grants everything else", s))
		}
		for _, el := range []struct {
			name   string
			values []string
		}{{"Action", s.Actions}, {"Resource", s.Resources}} {
			for _, v := range el.values {
				if !strings.ContainsAny(v, "*?") {
					continue
				}
				key := wildcard{s.LogicalID, s.Sid, el.name, v}
				if _, ok := wildcards[key]; ok {
					usedWildcards[key] = true
					continue
				}
				problems = append(problems, fmt.Sprintf("%s: wildcard %s %q", s, el.name, v))
			}
		}
		for _, a := range s.Actions {
			if !actionMatches(a, "dynamodb:DeleteItem") {
				continue
			}
			if _, ok := deletes[s.LogicalID]; ok {
				usedDeletes[s.LogicalID] = true
				continue
			}
			problems = append(problems, fmt.Sprintf("%s: %s grants dynamodb:DeleteItem", s, a))
		}
	}
	for key := range wildcards {
		if !usedWildcards[key] {
			problems = append(problems, fmt.Sprintf("wildcard allowlist entry %+v matches no statement", key))
		}
	}
	for id := range deletes {
		if !usedDeletes[id] {
			problems = append(problems, fmt.Sprintf("DeleteItem allowlist entry %s holds no dynamodb:DeleteItem", id))
		}
	}
	sort.Strings(problems)
	return problems, nil
}

// actionMatches reports whether the policy action pattern (IAM actions are
// case-insensitive; "*" matches any run of characters, "?" one) covers action.
func actionMatches(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	var match func(p, a string) bool
	match = func(p, a string) bool {
		for p != "" {
			switch p[0] {
			case '*':
				for i := 0; i <= len(a); i++ {
					if match(p[1:], a[i:]) {
						return true
					}
				}
				return false
			case '?':
				if a == "" {
					return false
				}
			default:
				if a == "" || p[0] != a[0] {
					return false
				}
			}
			p, a = p[1:], a[1:]
		}
		return a == ""
	}
	return match(p, a)
}

// TestTemplate_leastPrivilege checks template.yaml's IAM policies: no
// wildcard where AWS allows a narrower grant, dynamodb:DeleteItem only where
// the code deletes.
func TestTemplate_leastPrivilege(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	stmts, _, err := tpl.Policies()
	if err != nil {
		t.Fatal(err)
	}
	holders := map[string]bool{}
	for _, s := range stmts {
		holders[s.LogicalID] = true
	}
	for _, r := range tpl.ResourcesOfType(samtemplate.TypeFunction) {
		if !holders[r.LogicalID] {
			t.Errorf("function %s has no policy statement this test can see", r.LogicalID)
		}
	}
	problems, err := policyProblems(tpl, wildcardsAllowed, deleteItemAllowed)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

const policySample = `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn/
      Policies:
        - AWSLambdaExecute
        - SQSPollerPolicy: {QueueName: q}
        - Version: "2012-10-17"
          Statement:
            - {Sid: All, Effect: Allow, Action: "s3:*", Resource: "*"}
            - Sid: Items
              Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:DeleteItem]
              Resource: !Sub "${Table.Arn}/index/*"
            - {Sid: Keep, Effect: Deny, Action: "*", Resource: "*"}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/x.asl.json
      Policies:
        Statement:
          Sid: Children
          Effect: Allow
          Action: states:DescribeExecution
          Resource: !Sub ["arn:${AWS::Partition}:states:::execution:${n}:*", {n: !Ref Name}]
  Role:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Sid: Rest, Effect: Allow, NotAction: "iam:*", Resource: [!GetAtt Table.Arn, !If [C, "a/*", !Ref "AWS::NoValue"]]}
              - {Sid: Wipe, Effect: Allow, Action: dynamodb:delete*, Resource: !Join ["", [!GetAtt Table.Arn, "/x"]]}
`

func TestPolicies_sample(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Parse([]byte(policySample))
	if err != nil {
		t.Fatal(err)
	}
	stmts, opaque, err := tpl.Policies()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range stmts {
		got = append(got, fmt.Sprintf("%s %s a=%v r=%v na=%v", s, s.Effect, s.Actions, s.Resources, s.NotActions))
	}
	want := []string{
		"Fn Policies[2] All Allow a=[s3:*] r=[*] na=[]",
		"Fn Policies[2] Items Allow a=[dynamodb:GetItem dynamodb:DeleteItem] r=[${Table.Arn}/index/*] na=[]",
		"Fn Policies[2] Keep Deny a=[*] r=[*] na=[]",
		"Machine Policies Children Allow a=[states:DescribeExecution] r=[arn:${AWS::Partition}:states:::execution:${Name}:*] na=[]",
		"Role Policies[0].PolicyDocument Rest Allow a=[] r=[${Table.Arn} a/*] na=[iam:*]",
		"Role Policies[0].PolicyDocument Wipe Allow a=[dynamodb:delete*] r=[${Table.Arn}/x] na=[]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Policies() statements =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantOpaque := []samtemplate.OpaquePolicy{
		{LogicalID: "Fn", Where: "Policies[0]", Name: "AWSLambdaExecute"},
		{LogicalID: "Fn", Where: "Policies[1]", Name: "SQSPollerPolicy", Template: true},
		{LogicalID: "Role", Where: "ManagedPolicyArns[0]", Name: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
	}
	if !reflect.DeepEqual(opaque, wantOpaque) {
		t.Errorf("Policies() opaque = %+v, want %+v", opaque, wantOpaque)
	}

	problems, err := policyProblems(tpl,
		map[wildcard]string{
			{"Machine", "Children", "Resource", "arn:${AWS::Partition}:states:::execution:${Name}:*"}: "allowed",
			{"Machine", "Gone", "Resource", "*"}:                                                      "stale",
		},
		map[string]string{"Fn": "allowed", "Nobody": "stale"})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []string{
		"DeleteItem allowlist entry Nobody holds no dynamodb:DeleteItem",
		"Fn Policies[0]: managed policy AWSLambdaExecute hides its statements; write them out",
		"Fn Policies[1]: SAM policy template SQSPollerPolicy hides its statements; write them out",
		`Fn Policies[2] All: wildcard Action "s3:*"`,
		`Fn Policies[2] All: wildcard Resource "*"`,
		`Fn Policies[2] Items: wildcard Resource "${Table.Arn}/index/*"`,
		"Role ManagedPolicyArns[0]: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess hides its statements; write them out",
		"Role Policies[0].PolicyDocument Rest: NotAction or NotResource in an Allow grants everything else",
		`Role Policies[0].PolicyDocument Rest: wildcard Resource "a/*"`,
		`Role Policies[0].PolicyDocument Wipe: dynamodb:delete* grants dynamodb:DeleteItem`,
		`Role Policies[0].PolicyDocument Wipe: wildcard Action "dynamodb:delete*"`,
		`wildcard allowlist entry {LogicalID:Machine Sid:Gone Element:Resource Value:*} matches no statement`,
	}
	sort.Strings(wantProblems)
	if !slices.Equal(problems, wantProblems) {
		t.Errorf("policyProblems() =\n%s\nwant\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
}

func TestActionMatches(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern string
		want    bool
	}{
		{"dynamodb:DeleteItem", true},
		{"DynamoDB:deleteitem", true},
		{"dynamodb:*", true},
		{"*", true},
		{"dynamodb:Delete?tem", true},
		{"dynamodb:Delete*", true},
		{"dynamodb:DeleteTable", false},
		{"dynamodb:DeleteItems", false},
		{"s3:*", false},
		{"dynamodb:Get*", false},
	} {
		if got := actionMatches(tt.pattern, "dynamodb:DeleteItem"); got != tt.want {
			t.Errorf("actionMatches(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestPolicies_errors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, props, want string }{
		{"no_statement", "Policies: [{Version: x, Statement: []}]", ""},
		{"bad_effect", "Policies: [{Statement: [{Effect: Maybe, Action: a, Resource: r}]}]", "Effect must be Allow or Deny"},
		{"no_action", "Policies: [{Statement: [{Effect: Allow, Resource: r}]}]", "has no Action"},
		{"not_a_mapping", "Policies: [{Statement: [x]}]", "must be a mapping"},
		{"two_templates", "Policies: [{A: {}, B: {}}]", "neither a policy document"},
		{"number", "Policies: [1]", "must be a name, a document or a policy template"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := samtemplate.Parse([]byte("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      " + tt.props + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = tpl.Policies()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Policies() error = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Policies() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
