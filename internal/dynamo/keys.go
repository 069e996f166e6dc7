package dynamo

// This file is the only place that knows the table's key strings and
// attribute names. The state machine's direct DynamoDB integrations use the
// exported names below (through DefinitionSubstitutions), never literals.
//
// Items of one signing task, all under PK = INST#<instanceGuid>:
//
//	SK = TASK#<taskId>                                  task
//	SK = TASK#<taskId>#SIGNEE#<signeeKey>               signee (GSI1 keys while the request is open)
//	SK = TASK#<taskId>#SIG#<signeeKey>                  signature (immutable)
//	SK = TASK#<taskId>#RCPT#<signeeKey>                 receipt due (from signature until receipt sent)
//	SK = TASK#<taskId>#RCPT#<signeeKey>#<attempt>       receipt owed for a signature of a replaced attempt
//	SK = TASK#<taskId>#AUDIT#<time>#<subject>#<event>   audit entry (append-only)
//
// Index BySigner: GSI1PK = SIGNER#<identityHash>,
// GSI1SK = <task created time>#<instanceGuid>#<taskId>#<signeeKey>.

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// Key attributes and the index, as declared for SigningTable in template.yaml.
const (
	AttrPK        = "PK"
	AttrSK        = "SK"
	AttrGSI1PK    = "GSI1PK"
	AttrGSI1SK    = "GSI1SK"
	IndexBySigner = "BySigner"
)

// Attributes of the task item that the workflow reads or writes directly.
const (
	AttrType            = "type"
	AttrStatus          = "status"
	AttrVersion         = "version"
	AttrTotal           = "total"
	AttrSigned          = "signed"
	AttrGroups          = "groups"
	AttrReplacements    = "replacements"
	AttrPending         = "pending"
	AttrWaitToken       = "waitToken"
	AttrCompletionToken = "completionToken"
	AttrExecutionARN    = "executionArn"
	AttrUpdatedAt       = "updatedAt"
	// AttrAttempt is the attempt of the task or signee item; items written
	// before attempts were stored have none and are attempt 1.
	AttrAttempt = "attempt"
)

// OfAttempt is the condition that an item is of the attempt ":attempt"
// (#attempt names AttrAttempt): every write of a workflow step carries it,
// so a step of a superseded attempt changes nothing.
const OfAttempt = "(attribute_not_exists(#attempt) OR #attempt = :attempt)"

// Attributes the store's conditions name: the attempt (task and signee
// items), the restart marker on the task item, and the digest of the
// create or restart that wrote a signee.
const (
	attrAttempt          = AttrAttempt
	attrRestartAttempt   = "restartAttempt"
	attrRestartDigest    = "restartDigest"
	attrRestartAt        = "restartAt"
	attrReleaseUntil     = "releaseUntil"
	attrRemindersDone    = "remindersDoneUntil"
	attrRejectedBy       = "rejectedBy"
	attrDeadline         = "deadline"
	attrDeadlineExtended = "deadlineExtendedAt"
	attrRejectReason     = "rejectReason"
	attrReleaseAttempt   = "releaseAttempt"
	attrCreateDigest     = "createDigest"
)

// Item types, in the "type" attribute of every item.
const (
	typeTask      = "task"
	typeSignee    = "signee"
	typeSignature = "signature"
	typeReceipt   = "receipt"
	typeAudit     = "audit"
)

// Key prefixes and separators.
const (
	prefixInstance   = "INST#"
	prefixTask       = "TASK#"
	prefixSigner     = "SIGNER#"
	partSignee       = "#SIGNEE#"
	partSignature    = "#SIG#"
	partReceipt      = "#RCPT#"
	partAudit        = "#AUDIT#"
	sep              = "#"
	auditTaskSubject = "task"
	// auditRestarted is the audit event of a restart (SK …#task#restarted).
	auditRestarted = "restarted"
)

// TaskPKFormat and TaskSKFormat build the task item's key with the
// States.Format intrinsic: States.Format(TaskPKFormat, $.instanceGuid).
const (
	TaskPKFormat = prefixInstance + "{}"
	TaskSKFormat = prefixTask + "{}"
)

// The state machine's wait step stores its task token on the task item with
// this conditional update (aws-sdk:dynamodb:updateItem.waitForTaskToken), so
// a signature cannot slip between its check and its wait. Store.RegisterWait
// makes the very same write. Values: ":token" (the task token), ":one" (N 1),
// ":zero" (N 0), ":collecting" (S "collecting"), ":attempt" (N, the
// execution's attempt: a wait of a superseded attempt is refused).
const (
	RegisterWaitUpdate    = "SET #waitToken = :token, #version = #version + :one"
	RegisterWaitCondition = "#status = :collecting AND #pending = :zero AND " + OfAttempt
)

// RegisterWaitNames returns the ExpressionAttributeNames of the wait step's update.
func RegisterWaitNames() map[string]string {
	return map[string]string{
		"#waitToken": AttrWaitToken,
		"#version":   AttrVersion,
		"#status":    AttrStatus,
		"#pending":   AttrPending,
		"#attempt":   AttrAttempt,
	}
}

// The state machine's completion wait stores its task token on the task item
// with this conditional update while the task is collecting; a completion
// (or reject) that lands first makes the write fail, and the workflow looks
// again. Store.RegisterCompletionWait makes the very same write. Values:
// ":token", ":one" (N 1), ":collecting" (S "collecting"), ":attempt" (N).
const (
	RegisterCompletionUpdate    = "SET #completionToken = :token, #version = #version + :one"
	RegisterCompletionCondition = "#status = :collecting AND " + OfAttempt
)

// RegisterCompletionNames returns the ExpressionAttributeNames of the completion wait's update.
func RegisterCompletionNames() map[string]string {
	return map[string]string{
		"#completionToken": AttrCompletionToken,
		"#version":         AttrVersion,
		"#status":          AttrStatus,
		"#attempt":         AttrAttempt,
	}
}

// StateMachineSubstitutions are the DefinitionSubstitutions through which
// the state machine's direct writes (its aws-sdk:dynamodb states) take the
// task item's key formats, the wait steps' conditional updates and the
// attribute names above: placeholder → value. It is the one list of them:
// template.yaml repeats the values under SigningStateMachine, since
// CloudFormation reads no Go, and internal/asl's tests check that the
// template holds exactly these and that each direct write, substituted,
// is the write Store.RegisterWait or Store.RegisterCompletionWait makes.
func StateMachineSubstitutions() map[string]string {
	return map[string]string{
		"TaskPKFormat":                TaskPKFormat,
		"TaskSKFormat":                TaskSKFormat,
		"RegisterWaitUpdate":          RegisterWaitUpdate,
		"RegisterWaitCondition":       RegisterWaitCondition,
		"RegisterCompletionUpdate":    RegisterCompletionUpdate,
		"RegisterCompletionCondition": RegisterCompletionCondition,
		"WaitTokenAttribute":          AttrWaitToken,
		"CompletionTokenAttribute":    AttrCompletionToken,
		"VersionAttribute":            AttrVersion,
		"StatusAttribute":             AttrStatus,
		"PendingAttribute":            AttrPending,
		"AttemptAttribute":            AttrAttempt,
	}
}

// TaskKey returns the primary key of the task item.
func TaskKey(k signing.TaskKey) map[string]types.AttributeValue {
	return itemKey(instancePK(k.InstanceGUID), taskSK(k.TaskID))
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func instancePK(guid string) string { return prefixInstance + guid }

func taskSK(taskID string) string { return prefixTask + taskID }

func signeePrefix(taskID string) string { return taskSK(taskID) + partSignee }

func signeeSK(taskID string, k signing.SigneeKey) string { return signeePrefix(taskID) + string(k) }

func signaturePrefix(taskID string) string { return taskSK(taskID) + partSignature }

func signatureSK(taskID string, k signing.SigneeKey) string {
	return signaturePrefix(taskID) + string(k)
}

func receiptPrefix(taskID string) string { return taskSK(taskID) + partReceipt }

func receiptSK(taskID string, k signing.SigneeKey) string { return receiptPrefix(taskID) + string(k) }

// owedSK is the key of the receipt owed for k's signature of attempt, kept
// by the restart that replaced the attempt; it sorts after k's receipt due.
func owedSK(taskID string, k signing.SigneeKey, attempt int) string {
	return receiptSK(taskID, k) + "#" + fmt.Sprintf("%04d", attempt)
}

func auditPrefix(taskID string) string { return taskSK(taskID) + partAudit }

// auditSK orders entries by time. subject is a signee key or "task", event
// the status reached; each subject reaches each event at most once, so the
// key is deterministic and a repeated write cannot add a second entry.
func auditSK(taskID string, at time.Time, subject, event string) string {
	return auditPrefix(taskID) + keyTime(at) + sep + subject + sep + event
}

func signerPK(identityHash string) string { return prefixSigner + identityHash }

func signerSK(taskCreated time.Time, k signing.TaskKey, signee signing.SigneeKey) string {
	return keyTime(taskCreated) + sep + k.InstanceGUID + sep + k.TaskID + sep + string(signee)
}

// keyTimeLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so
// that keys sort by time as strings (time.RFC3339Nano trims zeros and does not).
const keyTimeLayout = "2006-01-02T15:04:05.000000000Z"

func keyTime(t time.Time) string { return t.UTC().Format(keyTimeLayout) }
