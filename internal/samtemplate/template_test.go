package samtemplate_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/samtemplate"
	"github.com/signingflow/signing/internal/signing"
)

func TestLoad_projectTemplate(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatalf("Load(%s) error = %v", path, err)
	}
	if got := tpl.Transform; !reflect.DeepEqual(got, []string{"AWS::Serverless-2016-10-31"}) {
		t.Errorf("Transform = %v", got)
	}
	tables, err := tpl.Tables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].LogicalID != "SigningTable" {
		t.Fatalf("Tables() = %+v, want SigningTable", tables)
	}
	out, ok := tpl.Outputs["SigningTableName"].(map[string]any)
	if !ok {
		t.Fatalf("Outputs = %#v", tpl.Outputs)
	}
	if got, want := out["Value"], (samtemplate.Intrinsic{Name: "Ref", Arg: "SigningTable"}); !reflect.DeepEqual(got, want) {
		t.Errorf("SigningTableName value = %#v, want %#v", got, want)
	}
}

const sample = `
AWSTemplateFormatVersion: "2010-09-09"
Transform: [AWS::Serverless-2016-10-31]
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DLQ.Arn
        maxReceiveCount: 5
  DLQ:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    DependsOn: Queue
    Properties:
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
          NAME: !Sub "${AWS::StackName}-${Stage}"
          JOINED: !Join [",", [a, !Ref Stage]]
          LONG: {"Fn::GetAtt": ["DLQ", "Arn"]}
          ON: true
          RATIO: 0.5
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: explicit
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: n, AttributeType: N}
      KeySchema:
        - {AttributeName: id, KeyType: HASH}
      LocalSecondaryIndexes:
        - IndexName: ByN
          KeySchema: [{AttributeName: id, KeyType: HASH}, {AttributeName: n, KeyType: RANGE}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [a, b]}
      StreamSpecification: {StreamViewType: NEW_IMAGE}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
`

func TestParse_intrinsics(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Parse([]byte(sample))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if got, want := tpl.LogicalIDs(), []string{"Queue", "DLQ", "Fn", "Table"}; !reflect.DeepEqual(got, want) {
		t.Errorf("LogicalIDs() = %v, want %v", got, want)
	}
	fn, _ := tpl.Resource("Fn")
	vars, _ := fn.Value("Environment", "Variables")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"ref", vars.(map[string]any)["QUEUE_URL"], samtemplate.Intrinsic{Name: "Ref", Arg: "Queue"}},
		{"sub", vars.(map[string]any)["NAME"], samtemplate.Intrinsic{Name: "Fn::Sub", Arg: "${AWS::StackName}-${Stage}"}},
		{"join", vars.(map[string]any)["JOINED"], samtemplate.Intrinsic{Name: "Fn::Join", Arg: []any{",", []any{"a", samtemplate.Intrinsic{Name: "Ref", Arg: "Stage"}}}}},
		{"long_getatt", vars.(map[string]any)["LONG"], samtemplate.Intrinsic{Name: "Fn::GetAtt", Arg: []any{"DLQ", "Arn"}}},
		{"bool", vars.(map[string]any)["ON"], true},
		{"float", vars.(map[string]any)["RATIO"], 0.5},
		{"depends_on", fn.Attributes["DependsOn"], "Queue"},
	}
	q, _ := tpl.Resource("Queue")
	short, _ := q.Value("RedrivePolicy", "deadLetterTargetArn")
	count, _ := q.Value("RedrivePolicy", "maxReceiveCount")
	tests = append(tests,
		struct {
			name string
			got  any
			want any
		}{"short_getatt", short, samtemplate.Intrinsic{Name: "Fn::GetAtt", Arg: []any{"DLQ", "Arn"}}},
		struct {
			name string
			got  any
			want any
		}{"int", count, int64(5)},
	)
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	if got := len(tpl.ResourcesOfType("AWS::SQS::Queue")); got != 2 {
		t.Errorf("ResourcesOfType(queue) = %d, want 2", got)
	}
	if s := (samtemplate.Intrinsic{Name: "Ref", Arg: "Queue"}).String(); s != "!Ref Queue" {
		t.Errorf("String() = %q", s)
	}
}

func TestTableOf(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Table("Table")
	if err != nil {
		t.Fatalf("Table() error = %v", err)
	}
	want := samtemplate.Table{
		LogicalID: "Table", TableName: "explicit", BillingMode: "PROVISIONED",
		AttributeDefinitions: []samtemplate.AttributeDefinition{{Name: "id", Type: "S"}, {Name: "n", Type: "N"}},
		KeySchema:            []samtemplate.KeyElement{{Name: "id", KeyType: "HASH"}},
		LocalIndexes: []samtemplate.Index{{Name: "ByN", KeySchema: []samtemplate.KeyElement{{Name: "id", KeyType: "HASH"}, {Name: "n", KeyType: "RANGE"}},
			ProjectionType: "INCLUDE", NonKeyAttributes: []string{"a", "b"}}},
		StreamViewType: "NEW_IMAGE", TimeToLiveAttribute: "ttl",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Table() =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := tpl.Table("Queue"); err == nil {
		t.Error("Table(Queue) error = nil, want one")
	}
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{name: "not_a_mapping", yaml: "- a\n- b\n", want: "must be a mapping"},
		{name: "bad_yaml", yaml: "Resources: [\n", want: "yaml"},
		{name: "no_type", yaml: "Resources:\n  X:\n    Properties: {}\n", want: "X has no Type"},
		{name: "duplicate", yaml: "Resources:\n  X: {Type: A}\n  X: {Type: B}\n", want: "X"},
		{name: "bad_properties", yaml: "Resources:\n  X: {Type: A, Properties: [1]}\n", want: "Properties must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := samtemplate.Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestTableOf_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, props, want string
	}{
		{name: "no_attributes", props: "KeySchema: [{AttributeName: id, KeyType: HASH}]", want: "AttributeDefinitions"},
		{name: "undeclared_key", props: "AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n      KeySchema: [{AttributeName: other, KeyType: HASH}]", want: "other is not in AttributeDefinitions"},
		{name: "bad_type", props: "AttributeDefinitions: [{AttributeName: id, AttributeType: X}]\n      KeySchema: [{AttributeName: id, KeyType: HASH}]", want: "AttributeType"},
		{name: "range_first", props: "AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n      KeySchema: [{AttributeName: id, KeyType: RANGE}]", want: "HASH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := samtemplate.Parse([]byte("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      " + tt.props + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tpl.Table("T"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Table() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("Resources: {X: {Type: A, Properties: {P: !Ref Y}}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := samtemplate.Parse(b)
		if err != nil {
			return
		}
		_, _ = tpl.Tables()
	})
}

func TestTemplate_FunctionsAndStateMachines(t *testing.T) {
	t.Parallel()
	const doc = `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties:
      CodeUri: functions/fn/
      Environment: {Variables: {TABLE_NAME: !Ref Table, MODE: fast}}
      Events:
        Q: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
  SM:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/x.asl.json
      DefinitionSubstitutions: {FnArn: !GetAtt Fn.Arn, Name: plain}
`
	tpl, err := samtemplate.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 1 || fns[0].CodeUri != "functions/fn/" || fns[0].BuildMethod != "go1.x" || fns[0].Events["Q"].Type != "SQS" {
		t.Fatalf("Functions() = %+v", fns)
	}
	if got, want := fns[0].EnvironmentNames(), []string{"MODE", "TABLE_NAME"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnvironmentNames() = %v, want %v", got, want)
	}
	sms, err := tpl.StateMachines()
	if err != nil {
		t.Fatal(err)
	}
	if len(sms) != 1 || sms[0].DefinitionUri != "statemachine/x.asl.json" || sms[0].Substitutions["Name"] != "plain" {
		t.Errorf("StateMachines() = %+v", sms)
	}
	if _, err := samtemplate.Parse([]byte("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: !Ref X}\n")); err != nil {
		t.Fatal(err)
	}
}

// A release begun by a function's invocation ends with it; a next attempt
// waits signing.ReleaseWindow before delegating (signing.Task.DelegateAfter),
// which must outlast every function's timeout.
func TestTemplate_timeoutsWithinReleaseWindow(t *testing.T) {
	t.Parallel()
	path, err := samtemplate.FindFile("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	timeout := func(props map[string]any) (float64, bool) {
		switch v := props["Timeout"].(type) {
		case int:
			return float64(v), true
		case int64:
			return float64(v), true
		case float64:
			return v, true
		case string:
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
		return 0, false
	}
	global, _ := tpl.Globals["Function"].(map[string]any)
	def, ok := timeout(global)
	if !ok {
		t.Fatalf("Globals.Function.Timeout is not set: %#v", global["Timeout"])
	}
	for _, r := range tpl.ResourcesOfType("AWS::Serverless::Function") {
		secs := def
		if v, ok := timeout(r.Properties); ok {
			secs = v
		}
		if d := time.Duration(secs * float64(time.Second)); d >= signing.ReleaseWindow {
			t.Errorf("%s: Timeout %s, want below signing.ReleaseWindow %s", r.LogicalID, d, signing.ReleaseWindow)
		}
	}
}
