package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/signingflow/signing/internal/signing"
)

// GetSignee returns one signee of the task.
func (s *Store) GetSignee(ctx context.Context, k signing.TaskKey, key signing.SigneeKey) (signing.Signee, error) {
	subject := k.String() + "/" + string(key)
	if err := validateSignee(k, key); err != nil {
		return signing.Signee{}, wrap("get signee", subject, err)
	}
	it, found, err := s.getSignee(ctx, k, key)
	if err != nil {
		return signing.Signee{}, wrap("get signee", subject, err)
	}
	if !found {
		return signing.Signee{}, wrap("get signee", subject, signing.ErrNotFound)
	}
	return it.signee(), nil
}

func validateSignee(k signing.TaskKey, key signing.SigneeKey) error {
	var errs signing.FieldErrors
	if err := k.Validate(); err != nil {
		errs = append(errs, err.(signing.FieldErrors)...)
	}
	if err := key.Validate(); err != nil {
		errs.Add("signeeKey", "must look like p-<hex> or o-<hex>")
	}
	return errs.Err()
}

// pageLimit returns the page size for p.
func pageLimit(p signing.Page) (int, error) {
	switch {
	case p.Limit < 0:
		return 0, signing.Invalid("page.limit", "must not be negative")
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit > MaxPageLimit:
		return MaxPageLimit, nil
	}
	return p.Limit, nil
}

// ListSignees returns one page of the task's signees, ordered by signee key.
// The token is the last key of the previous page.
func (s *Store) ListSignees(ctx context.Context, k signing.TaskKey, page signing.Page) ([]signing.Signee, string, error) {
	if err := validateKey(k); err != nil {
		return nil, "", wrap("list signees", k, err)
	}
	limit, err := pageLimit(page)
	if err != nil {
		return nil, "", wrap("list signees", k, err)
	}
	in := s.prefixQuery(k.InstanceGUID, signeePrefix(k.TaskID))
	if k.Attempt > 0 {
		// A step lists its own attempt's signees: while a restart runs, the
		// old and the new attempt's signees are both under the task.
		if _, err := s.requireAttempt(ctx, k); err != nil {
			return nil, "", wrap("list signees", k, err)
		}
		in.FilterExpression = aws.String(ofAttempt("", k.Attempt, in.ExpressionAttributeNames, in.ExpressionAttributeValues))
	}
	if page.Token != "" {
		after, err := decodeSigneeToken(page.Token)
		if err != nil {
			return nil, "", wrap("list signees", k, err)
		}
		in.ExclusiveStartKey = itemKey(instancePK(k.InstanceGUID), signeeSK(k.TaskID, after))
	}
	// One more than the page tells whether another page follows.
	items, _, err := s.query(ctx, in, limit+1)
	if err != nil {
		return nil, "", wrap("list signees", k, err)
	}
	if len(items) == 0 && page.Token == "" {
		if err := s.requireTask(ctx, k); err != nil {
			return nil, "", wrap("list signees", k, err)
		}
	}
	var next string
	if len(items) > limit {
		items = items[:limit]
		next = encodeToken([]byte(items[limit-1][AttrSK].(*types.AttributeValueMemberS).Value[len(signeePrefix(k.TaskID)):]))
	}
	out := make([]signing.Signee, 0, len(items))
	for _, m := range items {
		var it signeeItem
		if err := unmarshal(m, &it); err != nil {
			return nil, "", wrap("list signees", k, err)
		}
		out = append(out, it.signee())
	}
	return out, next, nil
}

func encodeToken(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeSigneeToken(tok string) (signing.SigneeKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	key := signing.SigneeKey(b)
	if err != nil || key.Validate() != nil {
		return "", signing.Invalid("page.token", "is not a token this listing returned")
	}
	return key, nil
}

// UpdateSignee applies t if the signee's status allows it (signing.Plan),
// writing the signee and an audit entry in one transaction conditional on
// the version read; a receipt sent also clears the receipt-due marker.
func (s *Store) UpdateSignee(ctx context.Context, k signing.TaskKey, key signing.SigneeKey, t signing.Transition) (signing.Signee, error) {
	subject := k.String() + "/" + string(key)
	if err := validateSignee(k, key); err != nil {
		return signing.Signee{}, wrap("update signee", subject, err)
	}
	if err := validateTransition(t); err != nil {
		return signing.Signee{}, wrap("update signee", subject, err)
	}
	if t.At.IsZero() {
		t.At = s.now()
	}
	var extra []types.TransactWriteItem
	if t.To == signing.SigneeReceiptSent {
		extra = append(extra, types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table,
			Key:       itemKey(instancePK(k.InstanceGUID), receiptSK(k.TaskID, key)),
		}})
	}
	return s.writeSignee(ctx, "update signee", k, key, func(cur signing.Signee) (signing.Signee, bool, error) { return cur.Apply(t) },
		transitionEntry(key, t), string(t.To), extra)
}

// ChangeSignee applies change to the signee item with the change's audit
// entry in one transaction, conditional on the version read (and the key's
// attempt); a signee changed meanwhile is read again and the change planned
// anew.
func (s *Store) ChangeSignee(ctx context.Context, k signing.TaskKey, key signing.SigneeKey, change signing.SigneeChange) (signing.Signee, error) {
	if err := validateSignee(k, key); err != nil {
		return signing.Signee{}, wrap("change signee", k.String()+"/"+string(key), err)
	}
	e := change.Entry(key)
	return s.writeSignee(ctx, "change signee", k, key, change.Apply, e, strings.TrimPrefix(e.Action, "signee."), nil)
}

// writeSignee reads the signee, plans the write with apply and writes the
// signee item, the audit entry and extra in one transaction conditional on
// the version read (and the key's attempt). A signee changed meanwhile is
// read again and planned anew; when nothing is to be written it returns the
// signee as read.
func (s *Store) writeSignee(ctx context.Context, op string, k signing.TaskKey, key signing.SigneeKey,
	apply func(signing.Signee) (signing.Signee, bool, error), entry signing.AuditEntry, event string, extra []types.TransactWriteItem,
) (signing.Signee, error) {
	subject := k.String() + "/" + string(key)
	for attempt := 0; ; attempt++ {
		it, found, err := s.getSignee(ctx, k, key)
		if err != nil {
			return signing.Signee{}, wrap(op, subject, err)
		}
		if !found {
			return signing.Signee{}, wrap(op, subject, signing.ErrNotFound)
		}
		cur := it.signee()
		next, changed, err := apply(cur)
		if err != nil {
			return signing.Signee{}, wrap(op, subject, err)
		}
		if !changed {
			return cur, nil
		}
		it.set(next)
		names := map[string]string{"#version": AttrVersion}
		values := map[string]types.AttributeValue{":v": n(cur.Version)}
		cond := "#version = :v"
		if k.Attempt > 0 {
			cond = ofAttempt(cond, k.Attempt, names, values)
		}
		put, err := s.put(it, cond)
		if err != nil {
			return signing.Signee{}, wrap(op, subject, err)
		}
		put.Put.ExpressionAttributeNames = names
		put.Put.ExpressionAttributeValues = values
		audit, err := s.auditPut(k, entry, event)
		if err != nil {
			return signing.Signee{}, wrap(op, subject, err)
		}
		err = s.transact(ctx, append([]types.TransactWriteItem{put, audit}, extra...))
		if reasons, ok := cancellation(err); ok && attempt < s.retries {
			if _, failed := conditionFailed(reasons, 0); failed {
				// Changed meanwhile (e.g. signed): plan again from the new state.
				if perr := s.pause(ctx, attempt); perr != nil {
					return signing.Signee{}, wrap(op, subject, perr)
				}
				continue
			}
		}
		if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
			err = fmt.Errorf("signee keeps changing: %w: %w", signing.ErrTransient, err)
		}
		if err != nil {
			return signing.Signee{}, wrap(op, subject, err)
		}
		return next, nil
	}
}

// validateTransition checks what Signee.Apply does not: the status is known
// and signing goes through RecordSignature.
func validateTransition(t signing.Transition) error {
	if !t.To.Valid() {
		return signing.Invalid("transition.to", "unknown status %q", t.To)
	}
	if t.To == signing.SigneeSigned {
		return signing.Invalid("transition.to", "signatures are recorded with RecordSignature")
	}
	return nil
}

// transitionEntry is the audit entry of a signee's transition.
func transitionEntry(key signing.SigneeKey, t signing.Transition) signing.AuditEntry {
	e := signing.AuditEntry{At: t.At.UTC(), Actor: "system", Action: "signee." + string(t.To), SigneeKey: key}
	if t.To == signing.SigneeFailed {
		e.Detail = t.Step + ": " + t.Reason
	}
	return e
}

// RecordSignature records sig in one transaction: the task must be
// collecting (signed and pending +1), the signee must be able to sign
// (status becomes signed, its request leaves the index), and the signature,
// the receipt-due marker and the audit entry are created. It then reads the
// task for the counts and the stored wait token.
func (s *Store) RecordSignature(ctx context.Context, sig signing.Signature) (signing.RecordResult, error) {
	subject := sig.Task.String() + "/" + string(sig.SigneeKey)
	if err := sig.Validate(); err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	k, at := sig.Task, sig.SignedAt.UTC()
	sig.SignedAt = at
	taskNames := map[string]string{
		"#signed": AttrSigned, "#pending": AttrPending, "#version": AttrVersion, "#updated": AttrUpdatedAt, "#status": AttrStatus,
	}
	taskValues := map[string]types.AttributeValue{
		":one": n(1), ":at": str(fmtTime(at)), ":collecting": str(string(signing.TaskCollecting)),
	}
	taskSet := "SET #signed = #signed + :one, #pending = #pending + :one, #version = #version + :one, #updated = :at"
	taskCond := "#status = :collecting"
	if sig.Group > 0 {
		// The signee's group counts it too. The condition refuses a task
		// without that group rather than write a malformed count, and a
		// group that has the signatures it needs ("k of n"): its other
		// signees are no longer needed.
		taskNames["#groups"], taskNames["#group"], taskNames["#gsigned"], taskNames["#grequired"] = AttrGroups, strconv.Itoa(sig.Group), "signed", "required"
		taskSet += ", #groups.#group.#gsigned = #groups.#group.#gsigned + :one"
		taskCond += " AND attribute_exists(#groups.#group) AND #groups.#group.#gsigned < #groups.#group.#grequired"
	}
	if k.Attempt > 0 {
		// The attempt the caller read: a task rejected and started again
		// meanwhile is another attempt.
		taskCond = ofAttempt(taskCond, k.Attempt, taskNames, taskValues)
	}
	taskUpdate := types.TransactWriteItem{Update: &types.Update{
		TableName:                           &s.table,
		Key:                                 TaskKey(k),
		UpdateExpression:                    aws.String(taskSet),
		ConditionExpression:                 aws.String(taskCond),
		ExpressionAttributeNames:            taskNames,
		ExpressionAttributeValues:           taskValues,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	from := signing.Predecessors(signing.SigneeSigned)
	values := map[string]types.AttributeValue{":signed": str(string(signing.SigneeSigned)), ":at": str(fmtTime(at)), ":one": n(1)}
	in := ""
	for i, st := range from {
		name := ":from" + strconv.Itoa(i)
		values[name] = str(string(st))
		if i > 0 {
			in += ", "
		}
		in += name
	}
	signeeUpdate := types.TransactWriteItem{Update: &types.Update{
		TableName:           &s.table,
		Key:                 itemKey(instancePK(k.InstanceGUID), signeeSK(k.TaskID, sig.SigneeKey)),
		UpdateExpression:    aws.String("SET #status = :signed, #signedAt = :at, #version = #version + :one REMOVE #gpk, #gsk"),
		ConditionExpression: aws.String("#status IN (" + in + ")"),
		ExpressionAttributeNames: map[string]string{
			"#status": AttrStatus, "#signedAt": "signedAt", "#version": AttrVersion, "#gpk": AttrGSI1PK, "#gsk": AttrGSI1SK,
		},
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	sigPut, err := s.putNew(newSignatureItem(sig))
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	receiptPut, err := s.putNew(receiptItem{
		PK: instancePK(k.InstanceGUID), SK: receiptSK(k.TaskID, sig.SigneeKey), Type: typeReceipt,
		SigneeKey: string(sig.SigneeKey), SignedAt: fmtTime(at),
	})
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	detail := ""
	if sig.OnBehalfOf != "" {
		detail = "on behalf of organisation " + sig.OnBehalfOf
	}
	audit, err := s.auditPut(k, signing.AuditEntry{
		At: at, Actor: sig.Signer.IdentityHash, Action: "signature.recorded", SigneeKey: sig.SigneeKey, Detail: detail,
	}, string(signing.SigneeSigned))
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	err = s.transact(ctx, []types.TransactWriteItem{taskUpdate, signeeUpdate, sigPut, receiptPut, audit})
	if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
		return signing.RecordResult{}, wrap("record signature", subject, signatureRefused(k, sig.Group, reasons))
	}
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, err)
	}
	it, found, err := s.getTask(ctx, k)
	if err != nil {
		return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("recorded, then reading the task: %w", err))
	}
	if !found {
		return signing.RecordResult{}, wrap("record signature", subject, fmt.Errorf("recorded, then the task was gone: %w", signing.ErrNotFound))
	}
	return signing.RecordResult{Task: it.task(), WaitToken: it.WaitToken}, nil
}

// signatureRefused maps the failed conditions of RecordSignature's
// transaction (task, signee, signature, receipt, audit) to a domain error.
func signatureRefused(k signing.TaskKey, group int, reasons []types.CancellationReason) error {
	if old, failed := conditionFailed(reasons, 0); failed {
		if len(old) == 0 {
			return fmt.Errorf("task: %w", signing.ErrNotFound)
		}
		var prev taskItem
		if err := unmarshal(old, &prev); err != nil {
			return err
		}
		if err := k.CheckAttempt(prev.attempt(), prev.RestartAttempt); err != nil {
			return err
		}
		if g, ok := prev.Groups[strconv.Itoa(group)]; ok && group > 0 && prev.Status == string(signing.TaskCollecting) && g.Signed >= g.Required {
			// Still collecting: the signee's group had the signatures it
			// requires (another signature took the last place).
			return signing.ErrSignatureNotNeeded
		}
		if prev.Status == string(signing.TaskCollecting) {
			return fmt.Errorf("the task changed meanwhile: %w", signing.ErrConflict)
		}
		return signing.ClosedError(signing.TaskStatus(prev.Status))
	}
	if old, failed := conditionFailed(reasons, 1); failed {
		if len(old) == 0 {
			return fmt.Errorf("signee: %w", signing.ErrNotFound)
		}
		var prev signeeItem
		if err := unmarshal(old, &prev); err != nil {
			return err
		}
		if signing.SigneeStatus(prev.Status).HasSigned() {
			return fmt.Errorf("signee has already signed: %w", signing.ErrConflict)
		}
		return fmt.Errorf("signee is %s and cannot sign: %w", prev.Status, signing.ErrConflict)
	}
	return fmt.Errorf("signature exists: %w", signing.ErrConflict)
}

// ListSignatures returns the task's signatures, ordered by signee key.
func (s *Store) ListSignatures(ctx context.Context, k signing.TaskKey) ([]signing.Signature, error) {
	if err := validateKey(k); err != nil {
		return nil, wrap("list signatures", k, err)
	}
	items, _, err := s.query(ctx, s.prefixQuery(k.InstanceGUID, signaturePrefix(k.TaskID)), 0)
	if err != nil {
		return nil, wrap("list signatures", k, err)
	}
	if len(items) == 0 {
		if err := s.requireTask(ctx, k); err != nil {
			return nil, wrap("list signatures", k, err)
		}
	}
	out := make([]signing.Signature, 0, len(items))
	for _, m := range items {
		var it signatureItem
		if err := unmarshal(m, &it); err != nil {
			return nil, wrap("list signatures", k, err)
		}
		out = append(out, it.signature())
	}
	return out, nil
}

// GetSignature returns the signature that fulfilled one signee.
func (s *Store) GetSignature(ctx context.Context, k signing.TaskKey, key signing.SigneeKey) (signing.Signature, error) {
	subject := k.String() + "/" + string(key)
	if err := validateSignee(k, key); err != nil {
		return signing.Signature{}, wrap("get signature", subject, err)
	}
	var it signatureItem
	found, err := s.getItem(ctx, itemKey(instancePK(k.InstanceGUID), signatureSK(k.TaskID, key)), &it)
	if err != nil {
		return signing.Signature{}, wrap("get signature", subject, err)
	}
	if !found {
		return signing.Signature{}, wrap("get signature", subject, signing.ErrNotFound)
	}
	return it.signature(), nil
}

// Audit returns the task's audit trail, oldest first (entries at the same
// instant in a fixed order: organisation signees, person signees, task).
func (s *Store) Audit(ctx context.Context, k signing.TaskKey) ([]signing.AuditEntry, error) {
	if err := validateKey(k); err != nil {
		return nil, wrap("audit", k, err)
	}
	items, _, err := s.query(ctx, s.prefixQuery(k.InstanceGUID, auditPrefix(k.TaskID)), 0)
	if err != nil {
		return nil, wrap("audit", k, err)
	}
	if len(items) == 0 {
		// Every task has its "task.created" entry.
		return nil, wrap("audit", k, signing.ErrNotFound)
	}
	out, err := auditEntries(items)
	if err != nil {
		return nil, wrap("audit", k, err)
	}
	return out, nil
}

// auditEntries unmarshals audit items.
func auditEntries(items []map[string]types.AttributeValue) ([]signing.AuditEntry, error) {
	out := make([]signing.AuditEntry, 0, len(items))
	for _, m := range items {
		var it auditItem
		if err := unmarshal(m, &it); err != nil {
			return nil, err
		}
		out = append(out, it.entry())
	}
	return out, nil
}

// AuditPage returns a page of the audit trail, oldest first (the sort
// key orders it by time): one Query of limit+1 items from the entry after
// cursor, the sort key of the page's last entry.
func (s *Store) AuditPage(ctx context.Context, k signing.TaskKey, cursor string, limit int) ([]signing.AuditEntry, string, error) {
	op := "audit page"
	if err := validateKey(k); err != nil {
		return nil, "", wrap(op, k, err)
	}
	if limit <= 0 {
		return nil, "", wrap(op, k, signing.Invalid("limit", "must be positive"))
	}
	prefix := auditPrefix(k.TaskID)
	in := s.prefixQuery(k.InstanceGUID, prefix)
	if cursor != "" {
		if !strings.HasPrefix(cursor, prefix) || len(cursor) > 1024 {
			return nil, "", wrap(op, k, signing.Invalid("next", "is not a token this listing returned"))
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			AttrPK: &types.AttributeValueMemberS{Value: instancePK(k.InstanceGUID)},
			AttrSK: &types.AttributeValueMemberS{Value: cursor},
		}
	}
	items, _, err := s.query(ctx, in, limit+1)
	if err != nil {
		return nil, "", wrap(op, k, err)
	}
	if len(items) == 0 && cursor == "" {
		// Every task has its "task.created" entry.
		return nil, "", wrap(op, k, signing.ErrNotFound)
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		if sk, ok := items[limit-1][AttrSK].(*types.AttributeValueMemberS); ok {
			next = sk.Value
		}
	}
	out, err := auditEntries(items)
	if err != nil {
		return nil, "", wrap(op, k, err)
	}
	return out, next, nil
}

// pendingToken is where a PendingFor listing continues: the index and table
// keys of the last request returned.
type pendingToken struct {
	GSK string `json:"g"`
	PK  string `json:"p"`
	SK  string `json:"s"`
}

// PendingFor lists the open requests addressed to identityHash from the
// BySigner index, oldest task first, leaving out tasks that are no longer
// collecting (their signees leave the index when revoked).
func (s *Store) PendingFor(ctx context.Context, identityHash string, page signing.Page) ([]signing.SigningRequest, string, error) {
	op := "pending for"
	if len(identityHash) < 24 {
		return nil, "", wrap(op, "signer", signing.Invalid("identityHash", "must be a keyed hash"))
	}
	limit, err := pageLimit(page)
	if err != nil {
		return nil, "", wrap(op, "signer", err)
	}
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(IndexBySigner),
		KeyConditionExpression: aws.String("#gpk = :gpk"),
		ExpressionAttributeNames: map[string]string{
			"#gpk": AttrGSI1PK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":gpk": str(signerPK(identityHash)),
		},
	}
	if page.Token != "" {
		var tok pendingToken
		b, err := base64.RawURLEncoding.DecodeString(page.Token)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.PK == "" || tok.SK == "" || tok.GSK == "" {
			return nil, "", wrap(op, "signer", signing.Invalid("page.token", "is not a token this listing returned"))
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			AttrGSI1PK: str(signerPK(identityHash)), AttrGSI1SK: str(tok.GSK), AttrPK: str(tok.PK), AttrSK: str(tok.SK),
		}
	}
	open := map[string]bool{}        // task item key → collecting
	deadlines := map[string]string{} // task item key → its deadline (an extension moves it)
	var found []signeeItem
	for {
		in.Limit = aws.Int32(int32(limit + 1 - len(found)))
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, "", wrap(op, "signer", err)
		}
		batch := make([]signeeItem, 0, len(out.Items))
		for _, m := range out.Items {
			var it signeeItem
			if err := unmarshal(m, &it); err != nil {
				return nil, "", wrap(op, "signer", err)
			}
			batch = append(batch, it)
		}
		if err := s.taskStatus(ctx, batch, open, deadlines); err != nil {
			return nil, "", wrap(op, "signer", err)
		}
		for _, it := range batch {
			if open[it.PK+"\n"+taskSK(it.TaskID)] && len(found) <= limit {
				found = append(found, it)
			}
		}
		if len(found) > limit || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	var next string
	if len(found) > limit {
		found = found[:limit]
		last := found[limit-1]
		b, _ := json.Marshal(pendingToken{GSK: last.GSI1SK, PK: last.PK, SK: last.SK})
		next = encodeToken(b)
	}
	out := make([]signing.SigningRequest, len(found))
	for i, it := range found {
		it.Deadline = deadlines[it.PK+"\n"+taskSK(it.TaskID)]
		out[i] = it.request()
	}
	return out, next, nil
}

// taskStatus fills open with whether the tasks of items are collecting,
// reading the tasks it does not know yet with BatchGetItem.
func (s *Store) taskStatus(ctx context.Context, items []signeeItem, open map[string]bool, deadlines map[string]string) error {
	var keys []map[string]types.AttributeValue
	asked := map[string]bool{}
	for _, it := range items {
		id := it.PK + "\n" + taskSK(it.TaskID)
		if _, known := open[id]; known || asked[id] {
			continue
		}
		asked[id] = true
		open[id] = false
		keys = append(keys, itemKey(it.PK, taskSK(it.TaskID)))
	}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), maxBatchGet)]
		keys = keys[len(chunk):]
		req := map[string]types.KeysAndAttributes{s.table: {
			Keys:                     chunk,
			ProjectionExpression:     aws.String("#pk, #sk, #status, #deadline"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK, "#sk": AttrSK, "#status": AttrStatus, "#deadline": attrDeadline},
		}}
		for attempt := 0; len(req) > 0; attempt++ {
			out, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return err
			}
			for _, m := range out.Responses[s.table] {
				var it taskItem
				if err := unmarshal(m, &it); err != nil {
					return err
				}
				open[it.PK+"\n"+it.SK] = it.Status == string(signing.TaskCollecting)
				deadlines[it.PK+"\n"+it.SK] = it.Deadline
			}
			req = out.UnprocessedKeys
			if len(req) > 0 {
				if attempt >= s.retries {
					return fmt.Errorf("batch get: keys left unprocessed: %w", signing.ErrTransient)
				}
				if err := s.pause(ctx, attempt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ReplaceSignee replaces signee old by next in one transaction (see
// signing.Repository.ReplaceSignee): old's item becomes replaced
// (conditional on the version read and the attempt), next's item is
// created (only if no item has its key), the task's replacements and
// pending grow by one (conditional on collecting and the attempt), and the
// audit entry is written. It then reads the task for its wait token.
func (s *Store) ReplaceSignee(ctx context.Context, k signing.TaskKey, old signing.SigneeKey, next signing.Signee, entry signing.AuditEntry) (signing.RecordResult, error) {
	const op = "replace signee"
	subject := k.String() + "/" + string(old)
	if err := validateSignee(k, old); err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	if err := next.Validate(); err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	ti, err := s.requireAttempt(ctx, k)
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	task := ti.task()
	if !task.Status.Open() {
		return signing.RecordResult{}, wrap(op, subject, signing.ClosedError(task.Status))
	}
	it, found, err := s.getSignee(ctx, k, old)
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	if !found {
		return signing.RecordResult{}, wrap(op, subject, signing.ErrNotFound)
	}
	cur := it.signee()
	if !slices.Contains(signing.Predecessors(signing.SigneeReplaced), cur.Status) {
		return signing.RecordResult{}, wrap(op, subject, fmt.Errorf("signee is %s and cannot be replaced: %w", cur.Status, signing.ErrConflict))
	}
	was := cur
	cur.Status, cur.ReplacedBy = signing.SigneeReplaced, next.Key
	cur.Version++
	it.set(cur)
	oldNames := map[string]string{"#version": AttrVersion}
	oldValues := map[string]types.AttributeValue{":v": n(was.Version)}
	oldPut, err := s.put(it, ofAttempt("#version = :v", task.Attempt, oldNames, oldValues))
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	oldPut.Put.ExpressionAttributeNames, oldPut.Put.ExpressionAttributeValues = oldNames, oldValues
	newPut, err := s.putNew(newSigneeItem(task, next, "replace:"+string(old)))
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	at := entry.At.UTC()
	taskNames := map[string]string{"#pending": AttrPending, "#replacements": AttrReplacements, "#version": AttrVersion, "#updated": AttrUpdatedAt, "#status": AttrStatus}
	taskValues := map[string]types.AttributeValue{":one": n(1), ":zero": n(0), ":at": str(fmtTime(at)), ":collecting": str(string(signing.TaskCollecting))}
	taskCond := "#status = :collecting"
	if len(task.Groups) > 0 {
		// The old signee's group must still need signatures: one that has
		// them releases its other signees instead.
		taskNames["#groups"], taskNames["#group"], taskNames["#gsigned"], taskNames["#grequired"] = AttrGroups, strconv.Itoa(was.SigningGroup()), "signed", "required"
		taskCond += " AND #groups.#group.#gsigned < #groups.#group.#grequired"
	}
	taskUpdate := types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       TaskKey(k),
		UpdateExpression:          aws.String("SET #pending = #pending + :one, #replacements = if_not_exists(#replacements, :zero) + :one, #version = #version + :one, #updated = :at"),
		ConditionExpression:       aws.String(ofAttempt(taskCond, task.Attempt, taskNames, taskValues)),
		ExpressionAttributeNames:  taskNames,
		ExpressionAttributeValues: taskValues,
	}}
	audit, err := s.auditPut(k, entry, "replaced")
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	err = s.transact(ctx, []types.TransactWriteItem{oldPut, newPut, taskUpdate, audit})
	if reasons, ok := cancellation(err); ok && anyConditionFailed(reasons) {
		_, dup := conditionFailed(reasons, 1)
		_, closed := conditionFailed(reasons, 2)
		switch {
		case dup:
			err = fmt.Errorf("%s is already a signee of the task: %w", next.Key, signing.ErrConflict)
		case closed:
			err = fmt.Errorf("the task no longer collects signatures, or the signee's group has the signatures it requires: %w", signing.ErrConflict)
		default:
			err = fmt.Errorf("the signee changed meanwhile: %w", signing.ErrConflict)
		}
	}
	if err != nil {
		return signing.RecordResult{}, wrap(op, subject, err)
	}
	ti, found, err = s.getTask(ctx, k)
	if err != nil || !found {
		return signing.RecordResult{}, wrap(op, subject, fmt.Errorf("replaced, then reading the task: %w (found %v)", err, found))
	}
	return signing.RecordResult{Task: ti.task(), WaitToken: ti.WaitToken}, nil
}
