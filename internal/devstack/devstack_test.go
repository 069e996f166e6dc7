package devstack

import (
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signingflow/signing/internal/devstack/localjwt"
	"github.com/signingflow/signing/internal/devstack/stackdef"
	"github.com/signingflow/signing/internal/samtemplate"
)

func projectTemplate(t *testing.T) *samtemplate.Template {
	t.Helper()
	root, err := FindModuleRoot("")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Load(filepath.Join(root, samtemplate.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestSecretParameters_projectTemplate: every secret parameter of
// template.yaml gets a local secret with a value and an ARN its
// AllowedPattern accepts, and every parameter without a default gets a
// local value. It fails when the template gains a secret parameter the
// local stack cannot fill.
func TestSecretParameters_projectTemplate(t *testing.T) {
	t.Parallel()
	tpl := projectTemplate(t)
	secrets := SecretParameters(tpl)
	for _, want := range []string{"HashKeySecretArn"} {
		if !strings.Contains(strings.Join(secrets, " "), want) {
			t.Errorf("SecretParameters() = %v, want it to hold %s", secrets, want)
		}
	}
	for _, p := range secrets {
		if v, err := secretValue(p); err != nil || v == "" {
			t.Errorf("secretValue(%s) = %d bytes, %v; want a value", p, len(v), err)
		}
		m, _ := tpl.Parameters[p].(map[string]any)
		if pattern, _ := m["AllowedPattern"].(string); pattern != "" {
			arn := SecretARN(DefaultRegion, DefaultAccountID, p)
			if !regexp.MustCompile("^(?:" + pattern + ")$").MatchString(arn) {
				t.Errorf("parameter %s: local ARN %s does not match its AllowedPattern %s", p, arn, pattern)
			}
		}
	}
	local := LocalParameters(DefaultRegion, DefaultAccountID, "http://127.0.0.1:3000", "http://127.0.0.1:5101", "http://127.0.0.1:5102"+localjwt.JWKSPath)
	for _, p := range secrets {
		local[p] = SecretARN(DefaultRegion, DefaultAccountID, p)
	}
	for _, p := range KMSKeyParameters(tpl) {
		local[p] = pendingKeyARN(DefaultRegion, DefaultAccountID, p)
	}
	for name, p := range tpl.Parameters {
		m, _ := p.(map[string]any)
		if m["Default"] == nil && local[name] == "" {
			t.Errorf("parameter %s has no default and no local value", name)
		}
		// Every local value passes the parameter's AllowedPattern, as
		// CloudFormation would check it.
		if pattern, _ := m["AllowedPattern"].(string); pattern != "" && local[name] != "" && !regexp.MustCompile("^(?:"+pattern+")$").MatchString(local[name]) {
			t.Errorf("parameter %s: local value %s does not match its AllowedPattern %s", name, local[name], pattern)
		}
	}
}

// TestKMSKeyParameters_projectTemplate: every KMS key parameter of
// template.yaml has a use in the local stack, and its placeholder ARN
// passes the parameter's AllowedPattern (as the ARN moto gives will).
func TestKMSKeyParameters_projectTemplate(t *testing.T) {
	t.Parallel()
	tpl := projectTemplate(t)
	keys := KMSKeyParameters(tpl)
	if want := []string{MaskinportenKeyParameter, PlatformAccessTokenKeyParameter}; !reflect.DeepEqual(keys, want) {
		t.Errorf("KMSKeyParameters() = %v, want %v", keys, want)
	}
	for _, p := range keys {
		if _, err := keyUse(p); err != nil {
			t.Errorf("keyUse(%s) error = %v", p, err)
		}
		m, _ := tpl.Parameters[p].(map[string]any)
		pattern, _ := m["AllowedPattern"].(string)
		for _, arn := range []string{pendingKeyARN(DefaultRegion, DefaultAccountID, p), "arn:aws:kms:eu-north-1:123456789012:key/0b6c1f2e-3d4a-4b5c-8d6e-0000000000aa"} {
			if !regexp.MustCompile("^(?:" + pattern + ")$").MatchString(arn) {
				t.Errorf("parameter %s: ARN %s does not match its AllowedPattern %s", p, arn, pattern)
			}
		}
	}
	if _, err := keyUse("ReceiptKmsKeyArn"); err == nil || !strings.Contains(err.Error(), "ReceiptKmsKeyArn") {
		t.Errorf("keyUse(ReceiptKmsKeyArn) error = %v, want one naming the parameter", err)
	}
}

func TestSecretParameters_derived(t *testing.T) {
	t.Parallel()
	tpl, err := samtemplate.Parse([]byte(`
Parameters:
  HashKeySecretArn: {Type: String, AllowedPattern: "arn:[a-z-]+:secretsmanager:.+"}
  SigningCertArn: {Type: String, AllowedPattern: "arn:aws:secretsmanager:.+"}
  ApiKeySecretArn: {Type: String}
  TopicArn: {Type: String}
  Name: {Type: String}
Resources: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := SecretParameters(tpl), []string{"ApiKeySecretArn", "HashKeySecretArn", "SigningCertArn"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SecretParameters() = %v, want %v", got, want)
	}
	names := map[string]string{
		"HashKeySecretArn":       "signing-local/hash-key",
		"PlatformTokenSecretArn": "signing-local/platform-token",
		"SigningCertArn":         "signing-local/signing-cert",
	}
	for p, want := range names {
		if got := SecretName(p); got != want {
			t.Errorf("SecretName(%s) = %q, want %q", p, got, want)
		}
	}
	if _, err := secretValue("ApiKeySecretArn"); err == nil || !strings.Contains(err.Error(), "ApiKeySecretArn") {
		t.Errorf("secretValue(ApiKeySecretArn) error = %v, want one naming the parameter", err)
	}
}

func TestHostFunction(t *testing.T) {
	t.Parallel()
	def := stackdef.Function{
		LogicalID: "ApiFunction", Name: "signing-local-ApiFunction", ARN: "arn:aws:lambda:eu-north-1:123456789012:function:signing-local-ApiFunction",
		Handler: "bootstrap", MemoryMB: 256, Timeout: time.Minute, Env: map[string]string{"A": "template", "B": "template"},
		LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "WARN",
	}
	fn := hostFunction(def, "/build/ApiFunction/bootstrap", map[string]string{"B": "extra"})
	if fn.LogFormat != "JSON" || fn.LogLevel != "INFO" {
		t.Errorf("LogFormat %q LogLevel %q, want JSON INFO from LoggingConfig", fn.LogFormat, fn.LogLevel)
	}
	if fn.Env["A"] != "template" || fn.Env["B"] != "extra" || fn.MemoryMB != 256 || fn.Timeout != time.Minute ||
		fn.Bootstrap != "/build/ApiFunction/bootstrap" || len(fn.Aliases) != 1 || fn.Aliases[0] != "ApiFunction" {
		t.Errorf("hostFunction() = %+v", fn)
	}
	def.LogFormat = "Text"
	if fn := hostFunction(def, "", nil); fn.LogFormat != "Text" || fn.LogLevel != "" {
		t.Errorf("Text format: LogFormat %q LogLevel %q, want Text and no level (Lambda levels JSON logs only)", fn.LogFormat, fn.LogLevel)
	}
	if def.Env["B"] != "template" {
		t.Error("hostFunction changed the definition's environment")
	}
}

// TestQueueAttributes pins the divergence in docs/local-stack.md: queues are created
// without their encryption settings.
func TestQueueAttributes(t *testing.T) {
	t.Parallel()
	def := stackdef.Queue{Attributes: map[string]string{"VisibilityTimeout": "360", "SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/x", "MessageRetentionPeriod": "60"}}
	got := queueAttributes(def, map[string]string{"VisibilityTimeout": "1"})
	want := map[string]string{"VisibilityTimeout": "1", "MessageRetentionPeriod": "60"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("queueAttributes() = %v, want %v", got, want)
	}
}

// TestTemplate_declaresWhatIsNotEmulated keeps the last divergence in docs/local-stack.md
// honest: template.yaml declares encryption at rest, point-in-time
// recovery, IAM policies, X-Ray tracing and alarms, which the local stack
// neither creates nor enforces.
func TestTemplate_declaresWhatIsNotEmulated(t *testing.T) {
	t.Parallel()
	tpl := projectTemplate(t)
	globals, _ := tpl.Globals["Function"].(map[string]any)
	if globals["Tracing"] != "Active" {
		t.Errorf("Globals.Function.Tracing = %v, want Active", globals["Tracing"])
	}
	var queuesSSE, queues, withPolicies, functions, alarms int
	for _, id := range tpl.LogicalIDs() {
		r := tpl.Resources[id]
		switch r.Type {
		case "AWS::SQS::Queue":
			queues++
			if r.Properties["SqsManagedSseEnabled"] == true {
				queuesSSE++
			}
		case "AWS::DynamoDB::Table":
			tbl, err := samtemplate.TableOf(r)
			if err != nil {
				t.Fatal(err)
			}
			if !tbl.SSEEnabled || !tbl.PointInTimeRecovery {
				t.Errorf("table %s: SSE %v point-in-time recovery %v, want both", id, tbl.SSEEnabled, tbl.PointInTimeRecovery)
			}
		case "AWS::Serverless::Function":
			functions++
			if r.Properties["Policies"] != nil {
				withPolicies++
			}
		case "AWS::CloudWatch::Alarm":
			alarms++
		}
	}
	if queuesSSE != queues {
		t.Errorf("%d of %d queues declare SqsManagedSseEnabled, want all", queuesSSE, queues)
	}
	if functions == 0 || withPolicies != functions {
		t.Errorf("%d of %d functions declare Policies, want all", withPolicies, functions)
	}
	if alarms == 0 {
		t.Error("the template declares no alarms")
	}
}
