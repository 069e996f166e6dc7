package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// RestartTask replaces the rejected, expired or failed attempt previousAttempt of a
// task with task (the new attempt) and its signees, in four steps:
//
//  1. mark: one transaction sets the restart marker on the task item
//     (restartAttempt, restartDigest: the digest of the new input,
//     restartAt) if the task is rejected, expired or failed at previousAttempt, and
//     appends the "task.restarted" audit entry. The task keeps its closed
//     status, so nothing can sign, wait or complete while it is restarted.
//  2. clear: the old attempt's signee, signature and receipt-due items are
//     deleted (and with the signees their index entries), up to 99 in a
//     transaction;
//  3. fill: the new signees are put, up to 99 in a transaction;
//  4. open: one conditional put replaces the task item with the new
//     attempt: collecting, fresh counters, no tokens, no execution, no
//     marker.
//
// Every transaction of steps 2 and 3 carries a condition check that the
// marker is still this restart's, and step 4 is conditional on it too; so
// nothing of a restart is written after the task opened, and the task
// opens only after all old items are gone and all new ones are in. A crash
// anywhere leaves the marker; a repeat with the same input finds it, skips
// step 1, deletes what is left of the old attempt, puts the signees still
// missing and opens the task. A restart to a higher attempt takes over a
// lower one left half done (the lower one is then stale: ErrConflict).
func (s *Store) RestartTask(ctx context.Context, task signing.Task, signees []signing.Signee, previousAttempt int) error {
	const op = "restart task"
	task, err := signing.PrepareRestart(task, signees, previousAttempt, s.now())
	if err != nil {
		return wrap(op, task.Key, err)
	}
	keys := make([]signing.SigneeKey, len(signees))
	for i, sg := range signees {
		keys[i] = sg.Key
	}
	r := restart{task: task, signees: signees, previous: previousAttempt, sd: digestKeys(keys)}
	r.cd = createDigest(task.ConfigDigest, r.sd)
	for try := 0; ; try++ {
		err := s.restartOnce(ctx, r)
		if errors.Is(err, errTaskChanged) {
			if try < s.retries {
				if perr := s.pause(ctx, try); perr != nil {
					return wrap(op, task.Key, perr)
				}
				continue
			}
			err = fmt.Errorf("the task keeps changing: %w: %w", signing.ErrTransient, err)
		}
		return wrap(op, task.Key, err)
	}
}

// restart is the input of one RestartTask call.
type restart struct {
	task     signing.Task
	signees  []signing.Signee
	previous int
	// sd is the digest of the signee keys, cd of the whole input (createDigest).
	sd, cd string
}

// restartOnce reads the task and takes the restart as far as it can. It
// returns errTaskChanged when a condition failed because someone else wrote
// meanwhile; the caller reads again and goes on from there.
func (s *Store) restartOnce(ctx context.Context, r restart) error {
	k := r.task.Key
	it, found, err := s.getTask(ctx, k)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("task: %w", signing.ErrNotFound)
	}
	next := r.task.Attempt
	switch {
	case it.RestartAttempt == next:
		if it.RestartDigest != r.cd {
			return fmt.Errorf("a restart to attempt %d with another configuration or set of signees is in progress: %w", next, signing.ErrConflict)
		}
		// Resume: the marker is ours.
	case it.RestartAttempt > next:
		return fmt.Errorf("attempt %d is stale: a restart to attempt %d is in progress: %w", next, it.RestartAttempt, signing.ErrConflict)
	case it.attempt() == next:
		// Done already (a repeat), or another input for this attempt.
		return sameCreate(it, next, r.task.ConfigDigest, r.sd)
	case it.attempt() != r.previous:
		return fmt.Errorf("task is at attempt %d, not %d: %w", it.attempt(), r.previous, signing.ErrConflict)
	case !signing.TaskStatus(it.Status).Restartable():
		return fmt.Errorf("attempt %d is %s; only a rejected, expired or failed attempt is restarted: %w", it.attempt(), it.Status, signing.ErrConflict)
	default:
		if err := s.markRestart(ctx, &it, r); err != nil {
			return err
		}
	}
	task := r.task
	at := parseTime(it.RestartAt)
	task.CreatedAt, task.UpdatedAt = at, at
	guard := s.restartGuard(k, next, r.cd)
	if err := s.keepOwedReceipts(ctx, k, it.attempt(), guard); err != nil {
		return err
	}
	present, err := s.clearAttempt(ctx, k, next, r.cd, guard)
	if err != nil {
		return err
	}
	if err := s.fillAttempt(ctx, task, r.signees, r.cd, present, guard); err != nil {
		return err
	}
	return s.openAttempt(ctx, it, task, r)
}

// markRestart sets the restart marker on the task item it (as read) with
// the "task.restarted" audit entry, and updates it to match.
func (s *Store) markRestart(ctx context.Context, it *taskItem, r restart) error {
	k := r.task.Key
	at := r.task.CreatedAt
	names := map[string]string{
		"#status": AttrStatus, "#attempt": attrAttempt, "#ra": attrRestartAttempt, "#rd": attrRestartDigest,
		"#rat": attrRestartAt, "#version": AttrVersion, "#updated": AttrUpdatedAt,
	}
	values := map[string]types.AttributeValue{
		":next": n(int64(r.task.Attempt)), ":cd": str(r.cd), ":at": str(fmtTime(at)), ":one": n(1),
		":prev":     n(int64(r.previous)),
		":rejected": str(string(signing.TaskRejected)), ":expired": str(string(signing.TaskExpired)),
		":failed": str(string(signing.TaskFailed)),
	}
	cond := "#status IN (:rejected, :expired, :failed) AND #attempt = :prev"
	if r.previous == 1 {
		cond = "#status IN (:rejected, :expired, :failed) AND (#attempt = :prev OR attribute_not_exists(#attempt))"
	}
	if it.RestartAttempt == 0 {
		cond += " AND attribute_not_exists(#ra)"
	} else {
		// Take over a lower restart left half done.
		cond += " AND #ra = :seen"
		values[":seen"] = n(int64(it.RestartAttempt))
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		UpdateExpression:          aws.String("SET #ra = :next, #rd = :cd, #rat = :at, #updated = :at, #version = #version + :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
	audit, err := s.auditPut(k, signing.AuditEntry{
		At: at, Actor: "system", Action: "task.restarted", Detail: signing.RestartDetail(it.task(), r.task.Attempt, len(r.signees)),
	}, auditRestarted)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{update, audit})
	if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
		return errTaskChanged
	}
	if err != nil {
		return err
	}
	it.RestartAttempt, it.RestartDigest, it.RestartAt = r.task.Attempt, r.cd, fmtTime(at)
	it.UpdatedAt = fmtTime(at)
	it.Version++
	return nil
}

// restartGuard is the condition check that the task item still carries
// the marker of the restart to attempt with input digest cd.
func (s *Store) restartGuard(k signing.TaskKey, attempt int, cd string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		ConditionExpression:       aws.String("#ra = :attempt AND #rd = :cd"),
		ExpressionAttributeNames:  map[string]string{"#ra": attrRestartAttempt, "#rd": attrRestartDigest},
		ExpressionAttributeValues: map[string]types.AttributeValue{":attempt": n(int64(attempt)), ":cd": str(cd)},
	}}
}

// attemptItem is what clearing reads of the items under a task.
type attemptItem struct {
	SK           string `json:"SK"`
	Attempt      int    `json:"attempt"`
	CreateDigest string `json:"createDigest"`
}

// keepOwedReceipts turns every receipt still due of the replaced attempt
// into an owed receipt (owedSK) holding a copy of its signature, in one
// guarded transaction per receipt with the receipt-due item's delete, so
// clearAttempt deletes the signature and nothing owed is lost: the new
// attempt's receipts step sends it (signing.Service.SendReceipt).
func (s *Store) keepOwedReceipts(ctx context.Context, k signing.TaskKey, previous int, guard types.TransactWriteItem) error {
	due, _, err := s.query(ctx, s.prefixQuery(k.InstanceGUID, receiptPrefix(k.TaskID)), 0)
	if err != nil {
		return err
	}
	for _, m := range due {
		var r receiptItem
		if err := unmarshal(m, &r); err != nil {
			return err
		}
		if r.Attempt > 0 {
			continue // owed already, from an earlier restart
		}
		sk := signing.SigneeKey(r.SigneeKey)
		var sig signatureItem
		found, err := s.getItem(ctx, itemKey(instancePK(k.InstanceGUID), signatureSK(k.TaskID, sk)), &sig)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("receipt due for %s without its signature: %w", sk, signing.ErrConflict)
		}
		owed := r
		owed.SK, owed.Attempt, owed.Signature = owedSK(k.TaskID, sk, previous), previous, &sig
		put, err := s.putNew(owed)
		if err != nil {
			return err
		}
		del := types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: itemKey(instancePK(k.InstanceGUID), r.SK),
			ConditionExpression:      aws.String("attribute_exists(#sk)"),
			ExpressionAttributeNames: map[string]string{"#sk": AttrSK},
		}}
		if err := s.guarded(ctx, guard, []types.TransactWriteItem{put, del}); err != nil {
			return err
		}
	}
	return nil
}

// OwedReceipts lists the receipts owed for signatures of earlier attempts
// (kept by RestartTask), ordered by signee key and attempt.
func (s *Store) OwedReceipts(ctx context.Context, k signing.TaskKey) ([]signing.OwedReceipt, error) {
	if err := validateKey(k); err != nil {
		return nil, wrap("owed receipts", k, err)
	}
	if _, err := s.requireAttempt(ctx, k); err != nil {
		return nil, wrap("owed receipts", k, err)
	}
	items, _, err := s.query(ctx, s.prefixQuery(k.InstanceGUID, receiptPrefix(k.TaskID)), 0)
	if err != nil {
		return nil, wrap("owed receipts", k, err)
	}
	out := []signing.OwedReceipt{}
	for _, m := range items {
		var r receiptItem
		if err := unmarshal(m, &r); err != nil {
			return nil, wrap("owed receipts", k, err)
		}
		if r.Attempt > 0 && r.Signature != nil {
			out = append(out, signing.OwedReceipt{Attempt: r.Attempt, Signature: r.Signature.signature()})
		}
	}
	return out, nil
}

// SettleOwedReceipt deletes the owed receipt of signee's signature of
// attempt, with an audit entry, once it is sent; one gone already changes
// nothing.
func (s *Store) SettleOwedReceipt(ctx context.Context, k signing.TaskKey, signee signing.SigneeKey, attempt int) error {
	subject := k.String() + "/" + string(signee)
	if err := validateSignee(k, signee); err != nil {
		return wrap("settle owed receipt", subject, err)
	}
	if _, err := s.requireAttempt(ctx, k); err != nil {
		return wrap("settle owed receipt", subject, err)
	}
	at := s.now()
	audit, err := s.auditPut(k.Unqualified(), signing.AuditEntry{At: at, Actor: "system", Action: "receipt.owed_sent", SigneeKey: signee, Detail: fmt.Sprintf("attempt %d", attempt)}, "owed_sent_"+strconv.Itoa(attempt))
	if err != nil {
		return wrap("settle owed receipt", subject, err)
	}
	del := types.TransactWriteItem{Delete: &types.Delete{
		TableName: &s.table, Key: itemKey(instancePK(k.InstanceGUID), owedSK(k.TaskID, signee, attempt)),
		ConditionExpression:      aws.String("attribute_exists(#sk)"),
		ExpressionAttributeNames: map[string]string{"#sk": AttrSK},
	}}
	err = s.transact(ctx, []types.TransactWriteItem{del, audit})
	if reasons, ok := cancellation(err); ok {
		if _, failed := conditionFailed(reasons, 0); failed {
			return nil // settled already
		}
	}
	return wrap("settle owed receipt", subject, err)
}

// clearAttempt deletes every signee, signature and receipt-due item of the
// task that does not belong to the new attempt (owed receipts stay), and returns the sort keys
// of the new attempt's signees already written (by an earlier run of this
// restart). A signee is deleted only if it is still not the new attempt's.
func (s *Store) clearAttempt(ctx context.Context, k signing.TaskKey, attempt int, cd string, guard types.TransactWriteItem) (map[string]bool, error) {
	present := map[string]bool{}
	var deletes []types.TransactWriteItem
	for _, prefix := range []string{signeePrefix(k.TaskID), signaturePrefix(k.TaskID), receiptPrefix(k.TaskID)} {
		in := s.prefixQuery(k.InstanceGUID, prefix)
		in.ProjectionExpression = aws.String("#sk, #attempt, #cd")
		in.ExpressionAttributeNames["#attempt"] = attrAttempt
		in.ExpressionAttributeNames["#cd"] = attrCreateDigest
		items, _, err := s.query(ctx, in, 0)
		if err != nil {
			return nil, err
		}
		signee := prefix == signeePrefix(k.TaskID)
		for _, m := range items {
			var it attemptItem
			if err := unmarshal(m, &it); err != nil {
				return nil, err
			}
			if prefix == receiptPrefix(k.TaskID) && it.Attempt > 0 {
				continue // owed: kept until sent
			}
			if signee && it.Attempt == attempt {
				if it.CreateDigest != cd {
					return nil, fmt.Errorf("signees of another input of attempt %d exist: %w", attempt, signing.ErrConflict)
				}
				present[it.SK] = true
				continue
			}
			d := &types.Delete{TableName: &s.table, Key: itemKey(instancePK(k.InstanceGUID), it.SK)}
			if signee {
				d.ConditionExpression = aws.String("attribute_not_exists(#attempt) OR #attempt <> :attempt")
				d.ExpressionAttributeNames = map[string]string{"#attempt": attrAttempt}
				d.ExpressionAttributeValues = map[string]types.AttributeValue{":attempt": n(int64(attempt))}
			}
			deletes = append(deletes, types.TransactWriteItem{Delete: d})
		}
	}
	return present, s.guarded(ctx, guard, deletes)
}

// fillAttempt puts the new attempt's signees that are not present yet.
func (s *Store) fillAttempt(ctx context.Context, task signing.Task, signees []signing.Signee, cd string, present map[string]bool, guard types.TransactWriteItem) error {
	items := make([]signeeItem, 0, len(signees))
	for _, sg := range signees {
		if it := newSigneeItem(task, sg, cd); !present[it.SK] {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b signeeItem) int { return strings.Compare(a.SK, b.SK) })
	puts := make([]types.TransactWriteItem, 0, len(items))
	for _, it := range items {
		p, err := s.putNew(it)
		if err != nil {
			return err
		}
		puts = append(puts, p)
	}
	return s.guarded(ctx, guard, puts)
}

// guarded runs actions in transactions of up to 99, each with guard (the
// restart's condition check on the task item). A failed condition is
// errTaskChanged: someone else wrote meanwhile, so read again.
func (s *Store) guarded(ctx context.Context, guard types.TransactWriteItem, actions []types.TransactWriteItem) error {
	const chunk = maxTransactItems - 1
	for start := 0; start < len(actions); start += chunk {
		items := append([]types.TransactWriteItem{guard}, actions[start:min(start+chunk, len(actions))]...)
		err := s.transact(ctx, items)
		if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
			return errTaskChanged
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// openAttempt replaces the task item it (marked, as read) with the new
// attempt, if the marker and version are still those read.
func (s *Store) openAttempt(ctx context.Context, it taskItem, task signing.Task, r restart) error {
	// A release of the old attempt begun before the marker may still be
	// revoking: the new attempt keeps its time (signing.Task.DelegateAfter).
	// None can begin after the marker (BeginRelease's condition), and the
	// version condition below sees one begun after the item was read.
	task.ReleaseAt = parseTime(it.ReleaseAt)
	ti := newTaskItem(task, r.sd)
	ti.Version = it.Version + 1
	item, err := marshal(ti)
	if err != nil {
		return err
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("#ra = :attempt AND #rd = :cd AND #version = :v"),
		ExpressionAttributeNames: map[string]string{
			"#ra": attrRestartAttempt, "#rd": attrRestartDigest, "#version": AttrVersion,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":attempt": n(int64(task.Attempt)), ":cd": str(r.cd), ":v": n(it.Version),
		},
	})
	if _, failed := conditionalCheck(err); failed {
		return errTaskChanged
	}
	return err
}
