package awsenv_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/signingflow/signing/internal/lambdaconf/awsenv"
)

func lookupOf(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

var lambdaEnv = map[string]string{
	"AWS_REGION": "eu-north-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
}

func with(extra map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range lambdaEnv {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func TestLoad_regionAndCredentials(t *testing.T) {
	t.Parallel()
	e, err := awsenv.Load(lookupOf(lambdaEnv))
	if err != nil {
		t.Fatal(err)
	}
	if e.Config.Region != "eu-north-1" {
		t.Errorf("Region = %q", e.Config.Region)
	}
	c, err := e.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKID" || c.SecretAccessKey != "SECRET" || c.SessionToken != "TOKEN" || c.Expired() {
		t.Errorf("credentials = %+v", c)
	}
	if e.Config.Retryer != nil {
		t.Error("Retryer is set; the clients' default (standard) retryer is meant")
	}

	e, err = awsenv.Load(lookupOf(map[string]string{"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}))
	if err != nil || e.Config.Region != "eu-west-1" {
		t.Errorf("AWS_DEFAULT_REGION: region %q, err %v", e.Config.Region, err)
	}
}

func TestLoad_missing(t *testing.T) {
	t.Parallel()
	for _, drop := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		env := with(nil)
		delete(env, drop)
		if _, err := awsenv.Load(lookupOf(env)); err == nil {
			t.Errorf("without %s: no error", drop)
		}
	}
}

// services are the clients the functions build, with the base endpoint
// each resolves from an aws.Config.
var services = []struct {
	id       string
	official func(aws.Config) *string
	ours     func(awsenv.Env) *string
}{
	{dynamodb.ServiceID, func(c aws.Config) *string { return dynamodb.NewFromConfig(c).Options().BaseEndpoint }, func(e awsenv.Env) *string {
		return dynamodb.NewFromConfig(e.Config, func(o *dynamodb.Options) { o.BaseEndpoint = e.BaseEndpoint(dynamodb.ServiceID) }).Options().BaseEndpoint
	}},
	{sfn.ServiceID, func(c aws.Config) *string { return sfn.NewFromConfig(c).Options().BaseEndpoint }, func(e awsenv.Env) *string {
		return sfn.NewFromConfig(e.Config, func(o *sfn.Options) { o.BaseEndpoint = e.BaseEndpoint(sfn.ServiceID) }).Options().BaseEndpoint
	}},
	{secretsmanager.ServiceID, func(c aws.Config) *string { return secretsmanager.NewFromConfig(c).Options().BaseEndpoint }, func(e awsenv.Env) *string {
		return secretsmanager.NewFromConfig(e.Config, func(o *secretsmanager.Options) { o.BaseEndpoint = e.BaseEndpoint(secretsmanager.ServiceID) }).Options().BaseEndpoint
	}},
	{kms.ServiceID, func(c aws.Config) *string { return kms.NewFromConfig(c).Options().BaseEndpoint }, func(e awsenv.Env) *string {
		return kms.NewFromConfig(e.Config, func(o *kms.Options) { o.BaseEndpoint = e.BaseEndpoint(kms.ServiceID) }).Options().BaseEndpoint
	}},
	{sqs.ServiceID, func(c aws.Config) *string { return sqs.NewFromConfig(c).Options().BaseEndpoint }, func(e awsenv.Env) *string {
		return sqs.NewFromConfig(e.Config, func(o *sqs.Options) { o.BaseEndpoint = e.BaseEndpoint(sqs.ServiceID) }).Options().BaseEndpoint
	}},
}

// TestBaseEndpoint_asTheSDK checks, for each client the functions build,
// that the endpoint overrides resolve as config.LoadDefaultConfig resolves
// them (the SDK's own reading of AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).
func TestBaseEndpoint_asTheSDK(t *testing.T) {
	dir := t.TempDir()
	cases := []map[string]string{
		{},
		{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
		{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
	}
	for _, s := range services {
		cases = append(cases,
			map[string]string{awsenv.EndpointVar(s.id): "http://127.0.0.1:9000"},
			map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", awsenv.EndpointVar(s.id): "http://127.0.0.1:9000"},
		)
	}
	all := map[string]bool{"AWS_ENDPOINT_URL": true, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": true}
	for _, s := range services {
		all[awsenv.EndpointVar(s.id)] = true
	}
	for _, c := range cases {
		env := with(c)
		env["AWS_CONFIG_FILE"] = filepath.Join(dir, "none")
		env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(dir, "none")
		for name := range all {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		e, err := awsenv.Load(lookupOf(env))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range services {
			want, got := aws.ToString(s.official(cfg)), aws.ToString(s.ours(e))
			if got != want {
				t.Errorf("%v: %s endpoint = %q, the SDK's config resolves %q", c, s.id, got, want)
			}
		}
	}
}

func TestEndpointVar(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		dynamodb.ServiceID: "AWS_ENDPOINT_URL_DYNAMODB", sfn.ServiceID: "AWS_ENDPOINT_URL_SFN",
		secretsmanager.ServiceID: "AWS_ENDPOINT_URL_SECRETS_MANAGER", kms.ServiceID: "AWS_ENDPOINT_URL_KMS", sqs.ServiceID: "AWS_ENDPOINT_URL_SQS",
	} {
		if got := awsenv.EndpointVar(id); got != want {
			t.Errorf("EndpointVar(%q) = %q, want %q", id, got, want)
		}
	}
}
