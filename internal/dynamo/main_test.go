package dynamo_test

import (
	"testing"

	"github.com/signingflow/signing/internal/dynamo/dynamotest"
)

// TestMain runs the package with one DynamoDB Local, started on first use.
func TestMain(m *testing.M) { dynamotest.Main(m) }
