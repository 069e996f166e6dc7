// Package awsenv builds a Lambda's aws.Config from the environment Lambda
// sets, without the SDK's config package.
//
// config.LoadDefaultConfig reads shared config and credentials files and
// links every credential source it may fall back on (SSO, SSO-OIDC,
// sign-in, STS, IMDS, process and container credentials). A Lambda uses
// none of them: the runtime puts the region and the role's temporary
// credentials in the environment. Measured on 2 shared cores (process
// start to the first Runtime API "next", p50 of 30): an aws-lambda-go hello
// world 3.4–4.8 ms; the same with a DynamoDB client on a hand-made
// aws.Config about the same; with config.LoadDefaultConfig 12.5 ms. So
// LoadDefaultConfig and what it links was most of the functions' cold
// start, and the functions build their clients from Load instead: on a
// quieter run of the same machine the eight functions went from 10.1–15.2 ms
// to 5.6–7.2 ms with this change alone (hello world 1.7–1.9 ms).
//
// What Load reads, as the SDK names it:
//
//	AWS_REGION (else AWS_DEFAULT_REGION)        the region
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,   the execution role's credentials
//	AWS_SESSION_TOKEN
//	AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL  endpoint overrides, per client
//	                                            (BaseEndpoint); <SERVICE> is the
//	                                            client's ServiceID upper-cased with
//	                                            spaces as underscores (DYNAMODB, SFN,
//	                                            SECRETS_MANAGER, KMS, SQS)
//	AWS_IGNORE_CONFIGURED_ENDPOINT_URLS         true ignores both overrides
//
// The local stack sets AWS_ENDPOINT_URL and static credentials for every
// function, so it needs no other code path. Retries are the SDK's default
// (each client's standard retryer); no shared config file, profile or
// credential chain is read.
package awsenv

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Environment variable names, as the SDK's config package reads them.
const (
	EnvRegion                   = "AWS_REGION"
	EnvDefaultRegion            = "AWS_DEFAULT_REGION"
	EnvAccessKeyID              = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey          = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken             = "AWS_SESSION_TOKEN"
	EnvEndpointURL              = "AWS_ENDPOINT_URL"
	EnvIgnoreConfiguredEndpoint = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
)

// credentialsSource names the credentials' origin as the SDK's own
// environment provider does.
const credentialsSource = "EnvConfigCredentials"

// Env is a Lambda's AWS configuration: the aws.Config every client is
// built from, and the endpoint overrides each client applies itself.
type Env struct {
	Config aws.Config
	lookup func(string) (string, bool)
}

// Load reads the region and credentials through lookup (os.LookupEnv in
// main). A missing region or key pair is an error: Lambda always sets them,
// and a function without them would fail its first call instead of its init.
func Load(lookup func(string) (string, bool)) (Env, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	region := get(EnvRegion)
	if region == "" {
		region = get(EnvDefaultRegion)
	}
	creds := aws.Credentials{
		AccessKeyID:     get(EnvAccessKeyID),
		SecretAccessKey: get(EnvSecretAccessKey),
		SessionToken:    get(EnvSessionToken),
		Source:          credentialsSource,
	}
	var errs []error
	if region == "" {
		errs = append(errs, errors.New("awsenv: AWS_REGION: must be set"))
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		errs = append(errs, errors.New("awsenv: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: must be set"))
	}
	if len(errs) > 0 {
		return Env{}, errors.Join(errs...)
	}
	return Env{
		Config: aws.Config{
			Region: region,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return creds, nil
			}),
		},
		lookup: lookup,
	}, nil
}

// EndpointVar is the environment variable that overrides the endpoint of
// the service with serviceID (a client package's ServiceID constant), as
// the SDK names it: "Secrets Manager" → AWS_ENDPOINT_URL_SECRETS_MANAGER.
func EndpointVar(serviceID string) string {
	return EnvEndpointURL + "_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}

// BaseEndpoint is the endpoint of the service with serviceID, for its
// client's Options.BaseEndpoint: AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else nil (the SDK resolves the region's endpoint).
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true makes it nil.
func (e Env) BaseEndpoint(serviceID string) *string {
	if e.lookup == nil {
		return nil
	}
	get := func(name string) string {
		v, _ := e.lookup(name)
		return strings.TrimSpace(v)
	}
	if ignore, err := strconv.ParseBool(get(EnvIgnoreConfiguredEndpoint)); err == nil && ignore {
		return nil
	}
	if v := get(EndpointVar(serviceID)); v != "" {
		return aws.String(v)
	}
	if v := get(EnvEndpointURL); v != "" {
		return aws.String(v)
	}
	return nil
}
