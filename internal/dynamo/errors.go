package dynamo

import (
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/signingflow/signing/internal/signing"
)

// Cancellation reason codes of TransactionCanceledException.
const (
	reasonNone            = "None"
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonConflict        = "TransactionConflict"
	reasonThrottling      = "ThrottlingError"
	reasonThroughput      = "ProvisionedThroughputExceeded"
)

// transientCodes are API error codes that a later retry may cure.
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"TransactionInProgressException":         true,
	"TransactionConflictException":           true,
}

// wrap adds where an error came from and classifies AWS failures: throttling,
// 5xx, exhausted retries, network errors and transaction conflicts wrap
// signing.ErrTransient. Domain errors pass through with the context added.
func wrap(op string, subject any, err error) error {
	if err == nil {
		return nil
	}
	if transient(err) {
		return fmt.Errorf("dynamo: %s %v: %w: %w", op, subject, signing.ErrTransient, err)
	}
	return fmt.Errorf("dynamo: %s %v: %w", op, subject, err)
}

func transient(err error) bool {
	if errors.Is(err, signing.ErrTransient) {
		return false // already classified
	}
	var api smithy.APIError
	if errors.As(err, &api) && transientCodes[api.ErrorCode()] {
		return true
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return true
	}
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	if reasons, ok := cancellation(err); ok {
		for _, r := range reasons {
			switch aws.ToString(r.Code) {
			case reasonConflict, reasonThrottling, reasonThroughput:
				return true
			}
		}
	}
	return false
}

// cancellation returns the reasons of a cancelled transaction, one per item.
func cancellation(err error) ([]types.CancellationReason, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	return tce.CancellationReasons, true
}

// conditionFailed reports whether the condition of transaction item i
// failed, with the item as it was (ReturnValuesOnConditionCheckFailure ALL_OLD;
// empty when the item did not exist).
func conditionFailed(reasons []types.CancellationReason, i int) (map[string]types.AttributeValue, bool) {
	if i >= len(reasons) || aws.ToString(reasons[i].Code) != reasonConditionFailed {
		return nil, false
	}
	return reasons[i].Item, true
}

// anyConditionFailed reports whether some item's condition failed.
func anyConditionFailed(reasons []types.CancellationReason) bool {
	for _, r := range reasons {
		if aws.ToString(r.Code) == reasonConditionFailed {
			return true
		}
	}
	return false
}

// onlyConflicts reports whether the transaction was cancelled only because
// other transactions were using its items, which a retry cures.
func onlyConflicts(reasons []types.CancellationReason) bool {
	conflict := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case reasonConflict:
			conflict = true
		case reasonNone, "":
		default:
			return false
		}
	}
	return conflict
}

// conditionalCheck returns the old item of a failed single-item condition.
func conditionalCheck(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, false
	}
	return ccf.Item, true
}
