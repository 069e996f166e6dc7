package edge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signingflow/signing/internal/devstack/edge"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		target  string // URL path and query
		headers map[string]string
		want    edge.Call
	}{
		{
			name:   "sigv4_dynamodb",
			method: "POST", target: "/",
			headers: map[string]string{
				"Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/eu-north-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
				"X-Amz-Target":  "DynamoDB_20120810.PutItem",
			},
			want: edge.Call{Service: "dynamodb", Operation: "PutItem"},
		},
		{
			name:   "sigv4_states",
			method: "POST", target: "/",
			headers: map[string]string{
				"Authorization": "AWS4-HMAC-SHA256 Credential=ak/20260101/eu-north-1/states/aws4_request, SignedHeaders=host, Signature=abc",
				"X-Amz-Target":  "AWSStepFunctions.SendTaskSuccess",
			},
			want: edge.Call{Service: "states", Operation: "SendTaskSuccess"},
		},
		{
			name:   "sqs_query_protocol",
			method: "POST", target: "/?Action=ReceiveMessage",
			headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/20260101/eu-north-1/sqs/aws4_request, Signature=x"},
			want:    edge.Call{Service: "sqs", Operation: "ReceiveMessage"},
		},
		{
			name:   "lambda_invoke_by_name",
			method: "POST", target: "/2015-03-31/functions/ResolveSignees/invocations",
			headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/20260101/eu-north-1/lambda/aws4_request, Signature=x"},
			want:    edge.Call{Service: "lambda", Operation: "Invoke", Function: "ResolveSignees"},
		},
		{
			name:   "lambda_invoke_by_arn_unsigned",
			method: "POST", target: "/2015-03-31/functions/arn:aws:lambda:eu-north-1:123456789012:function:f/invocations",
			want: edge.Call{Service: "lambda", Operation: "Invoke", Function: "arn:aws:lambda:eu-north-1:123456789012:function:f"},
		},
		{
			name:   "lambda_other_operation",
			method: "GET", target: "/2015-03-31/functions/",
			headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/20260101/eu-north-1/lambda/aws4_request, Signature=x"},
			want:    edge.Call{Service: "lambda"},
		},
		{
			name:   "target_fallback_unsigned",
			method: "POST", target: "/",
			headers: map[string]string{"X-Amz-Target": "AmazonSQS.SendMessage"},
			want:    edge.Call{Service: "sqs", Operation: "SendMessage"},
		},
		{
			name:   "presigned_url",
			method: "GET", target: "/bucket/key?X-Amz-Credential=a%2F20260101%2Feu-north-1%2Fs3%2Faws4_request&X-Amz-Signature=x",
			want: edge.Call{Service: "s3"},
		},
		{
			name:   "malformed_scope",
			method: "POST", target: "/",
			headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c, Signature=x"},
			want:    edge.Call{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.target, nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if got := edge.Classify(r); got != tt.want {
				t.Errorf("Classify() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// upstream answers with its name and the Host it saw.
func upstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", name)
		_, _ = io.WriteString(w, name+" host="+r.Host+" body="+string(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestEdge_routes(t *testing.T) {
	t.Parallel()
	ddb, moto := upstream(t, "dynamodb"), upstream(t, "moto")
	lambda := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "lambda") })
	e, err := edge.New(edge.Options{DynamoDB: ddb.URL, Moto: moto.URL, Lambda: lambda})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name    string
		path    string
		service string
		target  string
		want    string
	}{
		{name: "dynamodb", path: "/", service: "dynamodb", target: "DynamoDB_20120810.GetItem", want: "dynamodb host=" + host + " body=payload"},
		{name: "states_to_moto", path: "/", service: "states", target: "AWSStepFunctions.StartExecution", want: "moto host=" + host + " body=payload"},
		{name: "sqs_to_moto", path: "/", service: "sqs", target: "AmazonSQS.SendMessage", want: "moto host=" + host + " body=payload"},
		{name: "lambda_invoke", path: "/2015-03-31/functions/f/invocations", service: "lambda", want: "lambda"},
		{name: "lambda_list_to_moto", path: "/2015-03-31/functions/", service: "lambda", want: "moto host=" + host + " body=payload"},
		{name: "unsigned_to_moto", path: "/moto-api/", want: "moto host=" + host + " body=payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("POST", srv.URL+tt.path, strings.NewReader("payload"))
			if tt.service != "" {
				req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/20260101/eu-north-1/"+tt.service+"/aws4_request, Signature=x")
			}
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if got := string(body); got != tt.want {
				t.Errorf("body = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEdge_faults(t *testing.T) {
	t.Parallel()
	moto := upstream(t, "moto")
	e, err := edge.New(edge.Options{Moto: moto.URL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	call := func(op string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	e.InjectFault(edge.Fault{Service: "states", Operation: "SendTaskSuccess", Drop: true})
	e.InjectFault(edge.Fault{Operation: "StartExecution", Status: 500, Code: "InternalServerError", Count: 2})
	tests := []struct {
		op         string
		wantStatus int
		wantBody   string
	}{
		{op: "SendTaskSuccess", wantStatus: 200, wantBody: "{}"},
		{op: "SendTaskSuccess", wantStatus: 200, wantBody: "moto host="},
		{op: "StartExecution", wantStatus: 500, wantBody: `"__type":"InternalServerError"`},
		{op: "StartExecution", wantStatus: 500, wantBody: `"__type":"InternalServerError"`},
		{op: "StartExecution", wantStatus: 200, wantBody: "moto host="},
	}
	for i, tt := range tests {
		status, body := call(tt.op)
		if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("call %d %s = %d %q, want %d containing %q", i, tt.op, status, body, tt.wantStatus, tt.wantBody)
		}
	}
	if got := e.Calls("states", "SendTaskSuccess"); got != 2 {
		t.Errorf("Calls(states, SendTaskSuccess) = %d, want 2", got)
	}
	if got := e.Calls("states", ""); got != 5 {
		t.Errorf("Calls(states) = %d, want 5", got)
	}
	if got := e.PendingFaults(); got != 0 {
		t.Errorf("PendingFaults() = %d, want 0", got)
	}
}

func TestEdge_noUpstream(t *testing.T) {
	t.Parallel()
	e, err := edge.New(edge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
}

func TestNew_badUpstream(t *testing.T) {
	t.Parallel()
	if _, err := edge.New(edge.Options{Moto: "localhost:5000"}); err == nil {
		t.Error("New() error = nil for an upstream without scheme")
	}
}
