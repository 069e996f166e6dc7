package edge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"golang.org/x/sync/errgroup"

	"github.com/signingflow/signing/internal/devstack/devtest"
	"github.com/signingflow/signing/internal/devstack/dynamolocal"
	"github.com/signingflow/signing/internal/devstack/edge"
	"github.com/signingflow/signing/internal/devstack/httpserve"
	"github.com/signingflow/signing/internal/devstack/motoserver"
)

// TestEdge_awsSDK runs DynamoDB Local and moto behind the edge, with moto's
// executor calling services through the edge (MOTO_PORT), and drives them
// with the AWS SDK: a state machine whose Task states write to DynamoDB
// (aws-sdk integration) and invoke a Lambda (served here by a stub).
func TestEdge_awsSDK(t *testing.T) {
	t.Parallel()
	devtest.Short(t)
	ln, err := httpserve.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	invoked := make(chan string, 1)
	lambda := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		invoked <- edge.Classify(r).Function
		_, _ = fmt.Fprintf(w, `{"echo":%s}`, body)
	})
	e, err := edge.New(edge.Options{Lambda: lambda})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserve.Serve(ln, e)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var g errgroup.Group
	var ddb *dynamolocal.Instance
	var moto *motoserver.Server
	g.Go(func() (err error) { ddb, err = dynamolocal.Start(ctx, dynamolocal.Options{}); return err })
	g.Go(func() (err error) {
		moto, err = motoserver.Start(ctx, motoserver.Options{ServicesPort: srv.Port})
		return err
	})
	err = g.Wait()
	if ddb != nil {
		t.Cleanup(func() { _ = ddb.Stop() })
	}
	if moto != nil {
		t.Cleanup(func() { _ = moto.Stop() })
	}
	if errors.Is(err, dynamolocal.ErrUnavailable) || errors.Is(err, motoserver.ErrUnavailable) {
		devtest.Unavailable(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetDynamoDB(ddb.Endpoint()); err != nil {
		t.Fatal(err)
	}
	if err := e.SetMoto(moto.Endpoint()); err != nil {
		t.Fatal(err)
	}

	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	db := dynamodb.New(dynamodb.Options{Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
	sf := sfn.New(sfn.Options{Region: "eu-north-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})

	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("edge-test"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable through the edge: %v", err)
	}
	def := `{"StartAt":"Put","States":{
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem",
	    "Parameters":{"TableName":"edge-test","Item":{"PK":{"S.$":"$.key"}}},"ResultPath":null,"Next":"Invoke"},
	  "Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	    "Parameters":{"FunctionName":"arn:aws:lambda:eu-north-1:123456789012:function:stub","Payload.$":"$"},
	    "ResultSelector":{"echo.$":"$.Payload.echo"},"End":true}}}`
	sm, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("edge-test"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/local"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine through the edge: %v", err)
	}
	exec, err := sf.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"key":"k1"}`)})
	if err != nil {
		t.Fatalf("StartExecution through the edge: %v", err)
	}
	var out *sfn.DescribeExecutionOutput
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out, err = sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: exec.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			break
		}
	}
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution status = %s (%s: %s), want SUCCEEDED", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	var got struct{ Echo struct{ Key string } }
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil || got.Echo.Key != "k1" {
		t.Errorf("execution output = %s, want the echoed input", aws.ToString(out.Output))
	}
	select {
	case fn := <-invoked:
		if fn != "arn:aws:lambda:eu-north-1:123456789012:function:stub" {
			t.Errorf("invoked function = %q", fn)
		}
	default:
		t.Error("the stub Lambda was not invoked")
	}
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("edge-test"), Key: map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: "k1"}}})
	if err != nil || item.Item == nil {
		t.Errorf("GetItem(k1) = %v, %v; want the item the state machine wrote", item, err)
	}
	if got := e.Calls("dynamodb", "PutItem"); got != 1 {
		t.Errorf("edge saw %d PutItem calls, want 1 (from moto's executor)", got)
	}
}
