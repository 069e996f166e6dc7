package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// CreateTask stores the task and its signees. Signees are written first,
// in transactions of up to 100 conditional puts, and the task item (with the
// last signees and the audit entry) last, so a task that exists always has
// all its signees; a retry after a partial create completes it. Tasks with
// at most 98 signees are written in one transaction.
func (s *Store) CreateTask(ctx context.Context, task signing.Task, signees []signing.Signee) error {
	task, err := signing.PrepareCreate(task, signees, s.now())
	if err != nil {
		return wrap("create task", task.Key, err)
	}
	keys := make([]signing.SigneeKey, len(signees))
	for i, sg := range signees {
		keys[i] = sg.Key
	}
	sd := digestKeys(keys)
	cd := createDigest(task.ConfigDigest, sd)
	existing, present, err := s.createState(ctx, task.Key, cd)
	if err != nil {
		return wrap("create task", task.Key, err)
	}
	if existing != nil {
		return wrap("create task", task.Key, sameCreate(*existing, task.Attempt, task.ConfigDigest, sd))
	}
	return wrap("create task", task.Key, s.writeCreate(ctx, task, signees, sd, present))
}

// createState reads what a create finds: the task if it exists, else the
// signees an earlier attempt of the same create left (another create's
// leftovers are ErrConflict). A fresh task costs one query that finds nothing.
func (s *Store) createState(ctx context.Context, k signing.TaskKey, cd string) (*taskItem, map[string]bool, error) {
	// The task item sorts first under its prefix, then audit entries and
	// the rest; before the task exists only signees of a partial create can.
	in := s.prefixQuery(k.InstanceGUID, taskSK(k.TaskID))
	in.Limit = aws.Int32(1)
	out, err := s.api.Query(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	present := map[string]bool{}
	if len(out.Items) == 0 {
		return nil, present, nil
	}
	sk, _ := out.Items[0][AttrSK].(*types.AttributeValueMemberS)
	switch {
	case sk == nil:
		return nil, present, nil
	case sk.Value == taskSK(k.TaskID):
		var it taskItem
		if err := unmarshal(out.Items[0], &it); err != nil {
			return nil, nil, err
		}
		return &it, nil, nil
	case !strings.HasPrefix(sk.Value, signeePrefix(k.TaskID)):
		return nil, present, nil // another task whose ID starts with this one's
	}
	left := s.prefixQuery(k.InstanceGUID, signeePrefix(k.TaskID))
	left.ProjectionExpression = aws.String("#sk, #cd")
	left.ExpressionAttributeNames["#cd"] = attrCreateDigest
	items, _, err := s.query(ctx, left, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range items {
		var it signeeItem
		if err := unmarshal(m, &it); err != nil {
			return nil, nil, err
		}
		if it.CreateDigest != cd {
			return nil, nil, fmt.Errorf("signees of another create of this task exist: %w", signing.ErrConflict)
		}
		present[it.SK] = true
	}
	return nil, present, nil
}

// sameCreate decides a repeated create (or restart) of the stored attempt:
// nil for the same input, else ErrConflict.
func sameCreate(existing taskItem, attempt int, configDigest, signeesDigest string) error {
	switch {
	case existing.attempt() != attempt:
		return fmt.Errorf("task exists at attempt %d, not %d: %w", existing.attempt(), attempt, signing.ErrConflict)
	case existing.ConfigDigest != configDigest:
		return fmt.Errorf("task exists with another configuration: %w", signing.ErrConflict)
	case existing.SigneesDigest != signeesDigest:
		return fmt.Errorf("task exists with another set of signees: %w", signing.ErrConflict)
	}
	return nil
}

func (s *Store) writeCreate(ctx context.Context, task signing.Task, signees []signing.Signee, sd string, present map[string]bool) error {
	cd := createDigest(task.ConfigDigest, sd)
	items := make([]signeeItem, 0, len(signees))
	for _, sg := range signees {
		it := newSigneeItem(task, sg, cd)
		if !present[it.SK] {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b signeeItem) int { return strings.Compare(a.SK, b.SK) })
	ti := newTaskItem(task, sd)
	taskPut, err := s.putNew(ti)
	if err != nil {
		return err
	}
	audit, err := s.auditPut(task.Key, signing.AuditEntry{
		At: task.CreatedAt, Actor: "system", Action: "task.created",
		Detail: strconv.Itoa(len(signees)) + " signees",
	}, "created")
	if err != nil {
		return err
	}
	// The last transaction holds the task, its audit entry and the last signees.
	tail := min(len(items), maxTransactItems-2)
	head, last := items[:len(items)-tail], items[len(items)-tail:]
	for start := 0; start < len(head); start += maxTransactItems {
		chunk := head[start:min(start+maxTransactItems, len(head))]
		if err := s.writeSignees(ctx, chunk, cd, nil); err != nil {
			return err
		}
	}
	return s.writeSignees(ctx, last, cd, []types.TransactWriteItem{taskPut, audit})
}

// writeSignees puts the signees that do not exist yet, with extra actions
// after them, in one transaction. Signees left by an earlier attempt of the
// same create are skipped; a signee of another create is ErrConflict; an
// existing task decides by sameCreate.
func (s *Store) writeSignees(ctx context.Context, chunk []signeeItem, cd string, extra []types.TransactWriteItem) error {
	present := map[string]bool{}
	for attempt := 0; ; attempt++ {
		var actions []types.TransactWriteItem
		var written []signeeItem
		for _, it := range chunk {
			if present[it.SK] {
				continue
			}
			a, err := s.putNew(it)
			if err != nil {
				return err
			}
			actions = append(actions, a)
			written = append(written, it)
		}
		actions = append(actions, extra...)
		if len(actions) == 0 {
			return nil
		}
		err := s.transact(ctx, actions)
		if err == nil {
			return nil
		}
		reasons, ok := cancellation(err)
		if !ok || !anyConditionFailed(reasons) || attempt >= 3 {
			return err
		}
		for i, it := range written {
			old, failed := conditionFailed(reasons, i)
			if !failed {
				continue
			}
			var prev signeeItem
			if err := unmarshal(old, &prev); err != nil {
				return err
			}
			if prev.CreateDigest != cd {
				return fmt.Errorf("signee %s exists from another create of this task: %w", it.Key, signing.ErrConflict)
			}
			present[it.SK] = true
		}
		if len(extra) > 0 {
			if old, failed := conditionFailed(reasons, len(written)); failed {
				var prev taskItem
				if err := unmarshal(old, &prev); err != nil {
					return err
				}
				var ti taskItem
				if err := unmarshal(extra[0].Put.Item, &ti); err != nil {
					return err
				}
				return sameCreate(prev, ti.attempt(), ti.ConfigDigest, ti.SigneesDigest)
			}
		}
	}
}

// GetTask returns the task.
func (s *Store) GetTask(ctx context.Context, k signing.TaskKey) (signing.Task, error) {
	if err := validateKey(k); err != nil {
		return signing.Task{}, wrap("get task", k, err)
	}
	it, found, err := s.getTask(ctx, k)
	if err != nil {
		return signing.Task{}, wrap("get task", k, err)
	}
	if !found {
		return signing.Task{}, wrap("get task", k, signing.ErrNotFound)
	}
	return it.task(), nil
}

// SetExecution records the execution ARN once; the same ARN again is a no-op.
func (s *Store) SetExecution(ctx context.Context, k signing.TaskKey, executionARN string) error {
	if err := validateKey(k); err != nil {
		return wrap("set execution", k, err)
	}
	if executionARN == "" {
		return wrap("set execution", k, signing.Invalid("executionArn", "must be set"))
	}
	now := s.now()
	audit, err := s.auditPut(k, signing.AuditEntry{At: now, Actor: "system", Action: "execution.started", Detail: executionARN}, "execution")
	if err != nil {
		return wrap("set execution", k, err)
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName:           &s.table,
		Key:                 TaskKey(k),
		UpdateExpression:    aws.String("SET #arn = :arn, #version = #version + :one, #updated = :now"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND attribute_not_exists(#arn)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrPK, "#arn": AttrExecutionARN, "#version": AttrVersion, "#updated": AttrUpdatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":arn": str(executionARN), ":one": n(1), ":now": str(fmtTime(now)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	err = s.transact(ctx, []types.TransactWriteItem{update, audit})
	if reasons, ok := cancellation(err); ok {
		if old, failed := conditionFailed(reasons, 0); failed {
			var prev taskItem
			if len(old) == 0 {
				return wrap("set execution", k, signing.ErrNotFound)
			}
			if uerr := unmarshal(old, &prev); uerr != nil {
				return wrap("set execution", k, uerr)
			}
			if prev.ExecutionARN == executionARN {
				return nil
			}
			return wrap("set execution", k, fmt.Errorf("task runs in another execution: %w", signing.ErrConflict))
		}
	}
	return wrap("set execution", k, err)
}

// RegisterWait stores the wait token with the same conditional write as the
// state machine's wait step (RegisterWaitUpdate, RegisterWaitCondition).
func (s *Store) RegisterWait(ctx context.Context, k signing.TaskKey, token string) error {
	if err := validateKey(k); err != nil {
		return wrap("register wait", k, err)
	}
	if token == "" {
		return wrap("register wait", k, signing.Invalid("token", "must be set"))
	}
	cond, names, values := waitWrite(RegisterWaitCondition, RegisterWaitNames(), k, map[string]types.AttributeValue{
		":token": str(token), ":one": n(1), ":zero": n(0), ":collecting": str(string(signing.TaskCollecting)),
	})
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 TaskKey(k),
		UpdateExpression:                    aws.String(RegisterWaitUpdate),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionalCheck(err); failed {
		return wrap("register wait", k, waitRefused(k, old))
	}
	return wrap("register wait", k, err)
}

// waitWrite completes a wait's write for k: qualified (a workflow step),
// the condition holds the attempt, as the state machine's; unqualified, the
// attempt part is left out and any attempt takes the token.
func waitWrite(cond string, names map[string]string, k signing.TaskKey, values map[string]types.AttributeValue) (string, map[string]string, map[string]types.AttributeValue) {
	if k.Attempt == 0 {
		delete(names, "#attempt")
		return strings.TrimSuffix(cond, " AND "+OfAttempt), names, values
	}
	values[":attempt"] = n(int64(k.Attempt))
	return cond, names, values
}

// waitRefused explains a refused wait of k (qualified) from the task as it was.
func waitRefused(k signing.TaskKey, old map[string]types.AttributeValue) error {
	if len(old) == 0 {
		return signing.ErrNotFound
	}
	var prev taskItem
	if err := unmarshal(old, &prev); err != nil {
		return err
	}
	if err := k.CheckAttempt(prev.attempt(), prev.RestartAttempt); err != nil {
		return err
	}
	if prev.Status != string(signing.TaskCollecting) {
		return signing.ClosedError(signing.TaskStatus(prev.Status))
	}
	return fmt.Errorf("%d signatures pending: %w", prev.Pending, signing.ErrConflict)
}

// RegisterCompletionWait stores the completion token while the task is collecting.
func (s *Store) RegisterCompletionWait(ctx context.Context, k signing.TaskKey, token string) error {
	if err := validateKey(k); err != nil {
		return wrap("register completion wait", k, err)
	}
	if token == "" {
		return wrap("register completion wait", k, signing.Invalid("token", "must be set"))
	}
	cond, names, values := waitWrite(RegisterCompletionCondition, RegisterCompletionNames(), k, map[string]types.AttributeValue{
		":token": str(token), ":one": n(1), ":collecting": str(string(signing.TaskCollecting)),
	})
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 TaskKey(k),
		UpdateExpression:                    aws.String(RegisterCompletionUpdate),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionalCheck(err); failed {
		return wrap("register completion wait", k, waitRefused(k, old))
	}
	return wrap("register completion wait", k, err)
}

// TakePending reads the pending count p and the receipts due, then lowers
// pending by p (if it is still at least p) and drops the wait token, which
// has done its job. A signature landing meanwhile keeps pending above zero,
// so the next RegisterWait refuses and the workflow comes round again.
func (s *Store) TakePending(ctx context.Context, k signing.TaskKey) (signing.PendingBatch, error) {
	if err := validateKey(k); err != nil {
		return signing.PendingBatch{}, wrap("take pending", k, err)
	}
	for attempt := 0; ; attempt++ {
		it, found, err := s.getTask(ctx, k)
		if err != nil {
			return signing.PendingBatch{}, wrap("take pending", k, err)
		}
		if !found {
			return signing.PendingBatch{}, wrap("take pending", k, signing.ErrNotFound)
		}
		due, _, err := s.query(ctx, s.prefixQuery(k.InstanceGUID, receiptPrefix(k.TaskID)), 0)
		if err != nil {
			return signing.PendingBatch{}, wrap("take pending", k, err)
		}
		batch := signing.PendingBatch{NeedReceipt: []signing.SigneeKey{}}
		for _, d := range due {
			var r receiptItem
			if err := unmarshal(d, &r); err != nil {
				return signing.PendingBatch{}, wrap("take pending", k, err)
			}
			// Due now or owed from an earlier attempt: one entry per signee
			// (the items sort by signee key, the owed after the due).
			if sk := signing.SigneeKey(r.SigneeKey); len(batch.NeedReceipt) == 0 || batch.NeedReceipt[len(batch.NeedReceipt)-1] != sk {
				batch.NeedReceipt = append(batch.NeedReceipt, sk)
			}
		}
		if it.Pending == 0 && it.WaitToken == "" {
			batch.Task = it.task()
			return batch, nil
		}
		names := map[string]string{"#pending": AttrPending, "#version": AttrVersion, "#token": AttrWaitToken}
		values := map[string]types.AttributeValue{":p": n(int64(it.Pending)), ":one": n(1)}
		out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       TaskKey(k),
			UpdateExpression:          aws.String("SET #pending = #pending - :p, #version = #version + :one REMOVE #token"),
			ConditionExpression:       aws.String(ofAttempt("#pending >= :p", it.attempt(), names, values)),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllNew,
		})
		if _, failed := conditionalCheck(err); failed && attempt < s.retries {
			// Another TakePending took some of them meanwhile; read again.
			if perr := s.pause(ctx, attempt); perr != nil {
				return signing.PendingBatch{}, wrap("take pending", k, perr)
			}
			continue
		}
		if err != nil {
			if _, failed := conditionalCheck(err); failed {
				err = fmt.Errorf("pending keeps changing: %w: %w", signing.ErrTransient, err)
			}
			return signing.PendingBatch{}, wrap("take pending", k, err)
		}
		var after taskItem
		if err := unmarshal(out.Attributes, &after); err != nil {
			return signing.PendingBatch{}, wrap("take pending", k, err)
		}
		batch.Task = after.task()
		return batch, nil
	}
}

// Complete moves the task to completed once every signee has signed and
// returns (and removes) the stored completion token. Completing a completed
// task again changes nothing and returns no token.
func (s *Store) Complete(ctx context.Context, k signing.TaskKey, at time.Time, actor string) (string, error) {
	if err := validateKey(k); err != nil {
		return "", wrap("complete task", k, err)
	}
	if at.IsZero() {
		at = s.now()
	}
	for attempt := 0; ; attempt++ {
		it, found, err := s.getTask(ctx, k)
		if err != nil {
			return "", wrap("complete task", k, err)
		}
		if !found {
			return "", wrap("complete task", k, signing.ErrNotFound)
		}
		if it.Status == string(signing.TaskCompleted) {
			return "", nil
		}
		if err := it.task().CanComplete(); err != nil {
			return "", wrap("complete task", k, err)
		}
		err = s.finish(ctx, it, signing.TaskCompleted, at, actor, "", nil)
		if errors.Is(err, errTaskChanged) && attempt < s.retries {
			if perr := s.pause(ctx, attempt); perr != nil {
				return "", wrap("complete task", k, perr)
			}
			continue
		}
		if err != nil {
			return "", wrap("complete task", k, err)
		}
		return it.CompletionToken, nil
	}
}

// Close rejects, expires or fails the task while it is collecting and returns (and
// removes) the stored tokens, so each is failed once.
func (s *Store) Close(ctx context.Context, k signing.TaskKey, status signing.TaskStatus, at time.Time, actor, reason string, statement ...signing.Statement) (signing.CloseResult, error) {
	op := "close task"
	if err := validateKey(k); err != nil {
		return signing.CloseResult{}, wrap(op, k, err)
	}
	if !status.Closable() {
		return signing.CloseResult{}, wrap(op, k, signing.Invalid("status", "must be %s, %s or %s", signing.TaskRejected, signing.TaskExpired, signing.TaskFailed))
	}
	if at.IsZero() {
		at = s.now()
	}
	for attempt := 0; ; attempt++ {
		it, found, err := s.getTask(ctx, k)
		if err != nil {
			return signing.CloseResult{}, wrap(op, k, err)
		}
		if !found {
			return signing.CloseResult{}, wrap(op, k, signing.ErrNotFound)
		}
		if it.Status == string(status) {
			return signing.CloseResult{Task: it.task(), Already: true}, nil
		}
		if it.Status != string(signing.TaskCollecting) {
			return signing.CloseResult{}, wrap(op, k, signing.ClosedError(signing.TaskStatus(it.Status)))
		}
		var st *signing.Statement
		if len(statement) > 0 && status == signing.TaskRejected {
			st = &statement[0]
		}
		err = s.finish(ctx, it, status, at, actor, reason, st)
		if errors.Is(err, errTaskChanged) && attempt < s.retries {
			if perr := s.pause(ctx, attempt); perr != nil {
				return signing.CloseResult{}, wrap(op, k, perr)
			}
			continue
		}
		if err != nil {
			return signing.CloseResult{}, wrap(op, k, err)
		}
		res := signing.CloseResult{WaitToken: it.WaitToken, CompletionToken: it.CompletionToken}
		// Signatures may have landed after the read: return the task as closed.
		after, found, err := s.getTask(ctx, k)
		if err != nil || !found {
			after = closed(it, status, at, reason)
			if st != nil {
				after.RejectedBy, after.RejectReason = st.By, st.Reason
			}
		}
		res.Task = after.task()
		return res, nil
	}
}

// errTaskChanged means the task's status or tokens changed between read and write.
var errTaskChanged = errors.New("task changed meanwhile")

// closed returns the task item after finishing it.
func closed(it taskItem, status signing.TaskStatus, at time.Time, reason string) taskItem {
	it.Status = string(status)
	it.ClosedAt, it.UpdatedAt = fmtTime(at), fmtTime(at)
	it.CloseReason = reason
	it.Version++
	it.CompletionToken = ""
	if status != signing.TaskCompleted {
		it.WaitToken = ""
	}
	return it
}

// finish moves a collecting task to a final status in one transaction with
// its audit entry, if its status and tokens are still those of it.
func (s *Store) finish(ctx context.Context, it taskItem, status signing.TaskStatus, at time.Time, actor, reason string, st *signing.Statement) error {
	k := signing.TaskKey{InstanceGUID: it.InstanceGUID, TaskID: it.TaskID}
	if actor == "" {
		actor = "system"
	}
	expr := "SET #status = :status, #closed = :at, #updated = :at, #version = #version + :one"
	names := map[string]string{
		"#status": AttrStatus, "#closed": "closedAt", "#updated": AttrUpdatedAt, "#version": AttrVersion,
		"#ctoken": AttrCompletionToken,
	}
	values := map[string]types.AttributeValue{
		":status": str(string(status)), ":at": str(fmtTime(at)), ":one": n(1),
		":collecting": str(string(signing.TaskCollecting)),
	}
	if reason != "" {
		expr += ", #reason = :reason"
		names["#reason"] = "closeReason"
		values[":reason"] = str(reason)
	}
	if st != nil {
		expr += ", #rby = :rby"
		names["#rby"], values[":rby"] = attrRejectedBy, str(st.By)
		if st.Reason != "" {
			expr += ", #rtext = :rtext"
			names["#rtext"], values[":rtext"] = attrRejectReason, str(st.Reason)
		}
	}
	expr += " REMOVE #ctoken"
	if status != signing.TaskCompleted {
		expr += ", #wtoken"
	}
	// Signatures may land until the write (they only add to the counts), but
	// the tokens must be the ones read, or a token stored meanwhile would be
	// removed without being returned.
	// And the attempt read: a task closed and started again meanwhile is
	// another attempt, which this write must not close.
	cond := ofAttempt("#status = :collecting", it.attempt(), names, values)
	names["#wtoken"] = AttrWaitToken
	for _, tk := range []struct{ name, value string }{{"#wtoken", it.WaitToken}, {"#ctoken", it.CompletionToken}} {
		if tk.value == "" {
			cond += " AND attribute_not_exists(" + tk.name + ")"
			continue
		}
		v := ":" + tk.name[1:]
		values[v] = str(tk.value)
		cond += " AND " + tk.name + " = " + v
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName:                           &s.table,
		Key:                                 TaskKey(k),
		UpdateExpression:                    aws.String(expr),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone,
	}}
	audit, err := s.auditPut(k, signing.AuditEntry{At: at, Actor: actor, Action: "task." + string(status), Detail: signing.CloseDetail(reason, st)}, string(status))
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{update, audit})
	if reasons, ok := cancellation(err); ok {
		if _, failed := conditionFailed(reasons, 0); failed {
			return errTaskChanged
		}
		if _, failed := conditionFailed(reasons, 1); failed {
			return fmt.Errorf("audit entry exists: %w", signing.ErrConflict)
		}
	}
	return err
}

// ExtendDeadline moves the task item's deadline later in one transaction
// with its audit entry, conditional on the version read (so the returned
// wait token is the one stored), the task collecting and the key's attempt.
// The signee items keep the first deadline: PendingFor reads the task's.
func (s *Store) ExtendDeadline(ctx context.Context, k signing.TaskKey, deadline, at time.Time, actor string) (signing.Task, string, error) {
	const op = "extend deadline"
	if err := validateKey(k); err != nil {
		return signing.Task{}, "", wrap(op, k, err)
	}
	for attempt := 0; ; attempt++ {
		it, err := s.requireAttempt(ctx, k)
		if err != nil {
			return signing.Task{}, "", wrap(op, k, err)
		}
		cur := it.task()
		if !cur.Status.Open() {
			return signing.Task{}, "", wrap(op, k, signing.ClosedError(cur.Status))
		}
		if !cur.Deadline.IsZero() && !deadline.After(cur.Deadline) {
			return signing.Task{}, "", wrap(op, k, signing.Invalid("deadline", "must be later than the current deadline"))
		}
		names := map[string]string{
			"#version": AttrVersion, "#deadline": attrDeadline, "#extended": attrDeadlineExtended, "#updated": AttrUpdatedAt,
			"#status": AttrStatus,
		}
		values := map[string]types.AttributeValue{
			":v": n(it.Version), ":one": n(1), ":deadline": str(fmtTime(deadline)), ":at": str(fmtTime(at)),
			":collecting": str(string(signing.TaskCollecting)),
		}
		update := types.TransactWriteItem{Update: &types.Update{
			TableName:                 &s.table,
			Key:                       TaskKey(k),
			UpdateExpression:          aws.String("SET #deadline = :deadline, #extended = :at, #updated = :at, #version = #version + :one"),
			ConditionExpression:       aws.String(ofAttempt("#version = :v AND #status = :collecting", it.attempt(), names, values)),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}}
		audit, err := s.auditPut(k, signing.AuditEntry{At: at, Actor: actor, Action: "task.deadline-extended", Detail: signing.ExtensionDetail(cur.Deadline, deadline)}, "deadline-extended")
		if err != nil {
			return signing.Task{}, "", wrap(op, k, err)
		}
		err = s.transact(ctx, []types.TransactWriteItem{update, audit})
		if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
			if attempt < s.retries {
				if perr := s.pause(ctx, attempt); perr != nil {
					return signing.Task{}, "", wrap(op, k, perr)
				}
				continue
			}
			err = fmt.Errorf("the task keeps changing: %w: %w", signing.ErrTransient, err)
		}
		if err != nil {
			return signing.Task{}, "", wrap(op, k, err)
		}
		cur.Deadline, cur.DeadlineExtendedAt, cur.UpdatedAt = deadline.UTC(), at.UTC(), at.UTC()
		cur.Version++
		return cur, it.WaitToken, nil
	}
}

// SetRemindersDone moves the task item's remindersDoneUntil forward to at,
// conditional on the key's attempt; an equal or later value stays.
func (s *Store) SetRemindersDone(ctx context.Context, k signing.TaskKey, at time.Time) error {
	const op = "set reminders done"
	if err := validateKey(k); err != nil {
		return wrap(op, k, err)
	}
	names := map[string]string{"#pk": AttrPK, "#done": attrRemindersDone, "#version": AttrVersion}
	values := map[string]types.AttributeValue{":at": str(sortableTime(at)), ":one": n(1)}
	cond := "attribute_exists(#pk) AND (attribute_not_exists(#done) OR #done < :at)"
	if k.Attempt > 0 {
		cond = ofAttempt(cond, k.Attempt, names, values)
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		UpdateExpression:          aws.String("SET #done = :at, #version = #version + :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if _, failed := conditionalCheck(err); failed {
		// Later already, or another attempt, or no task: say which.
		if _, rerr := s.requireAttempt(ctx, k); rerr != nil {
			return wrap(op, k, rerr)
		}
		return nil
	}
	return wrap(op, k, err)
}

// BeginRelease records on the task item a release of k's attempt until
// until, conditional on that attempt being current and no restart marker
// being set: a restart either keeps the record (openAttempt) or makes this
// write fail as superseded.
func (s *Store) BeginRelease(ctx context.Context, k signing.TaskKey, until time.Time) error {
	const op = "begin release"
	if err := validateKey(k); err != nil {
		return wrap(op, k, err)
	}
	names := map[string]string{
		"#pk": AttrPK, "#ra": attrRestartAttempt, "#until": attrReleaseUntil, "#rattempt": attrReleaseAttempt,
		"#version": AttrVersion, "#updated": AttrUpdatedAt,
	}
	values := map[string]types.AttributeValue{
		":until": str(fmtTime(until)), ":now": str(fmtTime(s.now())), ":one": n(1), ":rattempt": n(int64(max(k.Attempt, 1))),
	}
	cond := "attribute_exists(#pk) AND attribute_not_exists(#ra)"
	if k.Attempt > 0 {
		cond = ofAttempt(cond, k.Attempt, names, values)
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		UpdateExpression:          aws.String("SET #until = :until, #rattempt = :rattempt, #updated = :now, #version = #version + :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if _, failed := conditionalCheck(err); failed {
		// Name the reason from the item as it is now.
		if _, rerr := s.requireAttempt(ctx, k); rerr != nil {
			return wrap(op, k, rerr)
		}
		return wrap(op, k, fmt.Errorf("a restart is under way: %w", signing.ErrSuperseded))
	}
	return wrap(op, k, err)
}

// EndRelease removes the release recorded with until from the task item
// if it is still there; another release's record, or none, stays.
func (s *Store) EndRelease(ctx context.Context, k signing.TaskKey, until time.Time) error {
	const op = "end release"
	if err := validateKey(k); err != nil {
		return wrap(op, k, err)
	}
	if until.IsZero() {
		return nil
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		UpdateExpression:          aws.String("REMOVE #until, #rattempt SET #version = #version + :one"),
		ConditionExpression:       aws.String("#until = :until"),
		ExpressionAttributeNames:  map[string]string{"#until": attrReleaseUntil, "#rattempt": attrReleaseAttempt, "#version": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":until": str(fmtTime(until)), ":one": n(1)},
	})
	if _, failed := conditionalCheck(err); failed {
		return nil
	}
	return wrap(op, k, err)
}
