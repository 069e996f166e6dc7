package stackdef_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/stackdef"
	"github.com/signingflow/signing/internal/samtemplate"
)

const small = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: local
    AllowedValues: [local, prod]
  Wait:
    Type: Number
    Default: 60
    MinValue: 10
  Secret:
    Type: String
Conditions:
  IsLocal: !Equals [!Ref Env, local]
  NotLocal: !Not [!Condition IsLocal]
Globals:
  Function:
    Timeout: 30
    MemorySize: 256
    LoggingConfig:
      LogFormat: JSON
      ApplicationLogLevel: INFO
    Environment:
      Variables:
        FROM_GLOBALS: "yes"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 120
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DLQ.Arn
        maxReceiveCount: 3
  DLQ:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn/
      Handler: bootstrap
      Timeout: 10
      LoggingConfig:
        ApplicationLogLevel: DEBUG
      Environment:
        Variables:
          TABLE: !Ref Table
          QUEUE_URL: !Ref Queue
          QUEUE_ARN: !GetAtt Queue.Arn
          SUBBED: !Sub "${AWS::StackName}/${Table}/${Queue.QueueName}/${!Literal}"
          JOINED: !Join ["-", [a, !Ref Env, !Select [1, !Split [",", "x,y,z"]]]]
          CHOSEN: !If [IsLocal, local-value, !Ref AWS::NoValue]
          DROPPED: !If [NotLocal, prod-value, !Ref AWS::NoValue]
          SECRET: !Ref Secret
      Events:
        Route:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: post
            Path: /things/{id}
        Open:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: GET
            Path: /health
            Auth:
              Authorizer: NONE
        Messages:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: https://issuer.example
              audience: [aud1]
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: !Sub "${AWS::StackName}-machine"
      Definition:
        StartAt: A
        States:
          A: {Type: Pass, Result: "${Wait}", End: true}
      DefinitionSubstitutions:
        Wait: !Ref Wait
        FnArn: !GetAtt Fn.Arn
Outputs:
  QueueUrl:
    Value: !Ref Queue
`

func resolveSmall(t *testing.T, params map[string]string) (*stackdef.Stack, error) {
	t.Helper()
	tpl, err := samtemplate.Parse([]byte(small))
	if err != nil {
		t.Fatal(err)
	}
	return stackdef.Resolve(tpl, stackdef.Options{StackName: "st", EdgeURL: "http://127.0.0.1:4566", Parameters: params})
}

func TestResolve_small(t *testing.T) {
	t.Parallel()
	st, err := resolveSmall(t, map[string]string{"Secret": "arn:aws:secretsmanager:eu-north-1:123456789012:secret:s"})
	if err != nil {
		t.Fatalf("Resolve() error = %v", err)
	}
	fn, ok := st.Function("Fn")
	if !ok {
		t.Fatal("no function Fn")
	}
	wantEnv := map[string]string{
		"FROM_GLOBALS": "yes",
		"TABLE":        "st-Table",
		"QUEUE_URL":    "http://127.0.0.1:4566/123456789012/st-Queue",
		"QUEUE_ARN":    "arn:aws:sqs:eu-north-1:123456789012:st-Queue",
		"SUBBED":       "st/st-Table/st-Queue/${Literal}",
		"JOINED":       "a-local-y",
		"CHOSEN":       "local-value",
		"SECRET":       "arn:aws:secretsmanager:eu-north-1:123456789012:secret:s",
	}
	for k, want := range wantEnv {
		if got := fn.Env[k]; got != want {
			t.Errorf("Env[%s] = %q, want %q", k, got, want)
		}
	}
	if _, ok := fn.Env["DROPPED"]; ok {
		t.Error("Env has DROPPED; AWS::NoValue should leave it out")
	}
	if fn.Timeout != 10*time.Second || fn.MemoryMB != 256 || fn.CodeURI != "functions/fn" || fn.Name != "st-Fn" {
		t.Errorf("function = %+v", fn)
	}
	if fn.LogFormat != "JSON" || fn.ApplicationLogLevel != "DEBUG" || fn.SystemLogLevel != "" {
		t.Errorf("LoggingConfig = %q %q %q, want JSON from Globals, the function's DEBUG and no system level", fn.LogFormat, fn.ApplicationLogLevel, fn.SystemLogLevel)
	}
	q, _ := st.Queue("Queue")
	if q.DeadLetterQueue != "DLQ" || q.MaxReceiveCount != 3 || q.Attributes["VisibilityTimeout"] != "120" ||
		q.Attributes["RedrivePolicy"] != `{"deadLetterTargetArn":"arn:aws:sqs:eu-north-1:123456789012:st-DLQ","maxReceiveCount":3}` {
		t.Errorf("queue = %+v", q)
	}
	routes := st.RoutesOf("Api")
	if len(routes) != 2 {
		t.Fatalf("routes = %+v, want 2", routes)
	}
	got := map[string]string{}
	for _, r := range routes {
		got[r.Method+" "+r.Path] = r.Authorizer
	}
	if got["GET /health"] != "" || got["POST /things/{id}"] != "Jwt" {
		t.Errorf("route authorizers = %v", got)
	}
	if a := st.HTTPAPIs[0].Authorizers["Jwt"]; a.Issuer != "https://issuer.example" || len(a.Audience) != 1 || a.Audience[0] != "aud1" {
		t.Errorf("authorizer = %+v", a)
	}
	want := stackdef.SQSMapping{Function: "Fn", Event: "Messages", Queue: "Queue", BatchSize: 5, MaxBatchingWindow: 2 * time.Second, ReportBatchItemFailures: true, Enabled: true}
	if len(st.SQSMappings) != 1 || st.SQSMappings[0] != want {
		t.Errorf("SQSMappings = %+v, want [%+v]", st.SQSMappings, want)
	}
	sm := st.StateMachines[0]
	if sm.Name != "st-machine" || sm.ARN != "arn:aws:states:eu-north-1:123456789012:stateMachine:st-machine" {
		t.Errorf("state machine = %s %s", sm.Name, sm.ARN)
	}
	// An override below the parameter's MinValue renders (the e2e tests
	// shorten WaitTimeoutSeconds so), where the parameter itself is refused
	// (TestResolve_parameterErrors, below_min).
	def, err := sm.Render(map[string]string{"Wait": "2"})
	if err != nil || !strings.Contains(def, `"Result":"2"`) {
		t.Errorf("Render() = %s, %v; want the override", def, err)
	}
	if st.Outputs["QueueUrl"] != q.URL {
		t.Errorf("Outputs[QueueUrl] = %q, want %q", st.Outputs["QueueUrl"], q.URL)
	}
}

func TestResolve_parameterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params map[string]string
		want   []string
	}{
		{name: "missing_without_default", params: nil, want: []string{"parameter Secret: no value and no default"}},
		{name: "not_allowed", params: map[string]string{"Secret": "s", "Env": "dev"}, want: []string{`"dev" is not one of its AllowedValues`}},
		{name: "below_min", params: map[string]string{"Secret": "s", "Wait": "2"}, want: []string{"below its MinValue"}},
		{name: "unknown", params: map[string]string{"Secret": "s", "Nope": "x"}, want: []string{"parameter Nope: not in the template"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveSmall(t, tt.params)
			if err == nil {
				t.Fatal("Resolve() error = nil")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestRender_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sm        stackdef.StateMachine
		overrides map[string]string
		want      string
	}{
		{name: "missing_substitution", sm: stackdef.StateMachine{LogicalID: "M", Definition: `{"a":"${Nope}"}`}, want: "no DefinitionSubstitutions for Nope"},
		{name: "unknown_override", sm: stackdef.StateMachine{LogicalID: "M", Definition: `{}`}, overrides: map[string]string{"X": "1"}, want: "override X"},
		{name: "not_json", sm: stackdef.StateMachine{LogicalID: "M", Definition: `{"a":${X}}`, Substitutions: map[string]string{"X": "not json"}}, want: "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.sm.Render(tt.overrides)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestResolve_projectTemplate resolves template.yaml as the local stack does.
func TestResolve_projectTemplate(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../../..")
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	for name, p := range tpl.Parameters {
		if m, _ := p.(map[string]any); m["Default"] == nil {
			params[name] = "x"
			if strings.HasSuffix(name, "SecretArn") {
				params[name] = "arn:aws:secretsmanager:eu-north-1:123456789012:secret:" + name
			}
			if strings.HasSuffix(name, "KmsKeyArn") {
				params[name] = "arn:aws:kms:eu-north-1:123456789012:key/" + name
			}
			if strings.HasSuffix(name, "Url") || name == "JwtIssuer" || name == "CorsAllowedOrigins" {
				params[name] = "https://" + strings.ToLower(name) + ".invalid"
			}
		}
	}
	st, err := stackdef.Resolve(tpl, stackdef.Options{ModuleRoot: root, Parameters: params})
	if err != nil {
		t.Fatalf("Resolve(template.yaml) error = %v", err)
	}
	// The HTTP API's CORS configuration, as the local HTTP API answers it.
	for _, api := range st.HTTPAPIs {
		if c := api.Cors; c == nil || !slices.Equal(c.AllowOrigins, []string{"https://corsallowedorigins.invalid"}) || !c.AllowCredentials || c.MaxAge <= 0 {
			t.Errorf("HTTP API %s: Cors = %+v, want the CorsAllowedOrigins parameter's origin, credentials and a max age", api.LogicalID, api.Cors)
		}
	}
	if len(st.Functions) == 0 || len(st.Tables) == 0 {
		t.Fatalf("resolved %d functions and %d tables", len(st.Functions), len(st.Tables))
	}
	for _, f := range st.Functions {
		if f.CodeURI == "" || f.Timeout <= 0 {
			t.Errorf("function %s = %+v", f.LogicalID, f)
		}
	}
	for _, sm := range st.StateMachines {
		def, err := sm.Render(nil)
		if err != nil {
			t.Errorf("Render(%s) error = %v", sm.LogicalID, err)
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(def), &v); err != nil || v["StartAt"] == nil {
			t.Errorf("Render(%s) is not a state machine: %v", sm.LogicalID, err)
		}
	}
}
