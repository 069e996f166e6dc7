package stackdef

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/samtemplate"
)

// logicalIDOf returns the logical ID of the resource whose attribute attr
// is value, or "".
func (e *evaluator) logicalIDOf(attr, value string) string {
	for id, a := range e.attrs {
		if a[attr] == value {
			return id
		}
	}
	return ""
}

// intProp reads an integer property of m, def when it is absent, refusing
// one outside [lo, hi].
func intProp(m map[string]any, name string, def, lo, hi int) (int, error) {
	v, ok := m[name]
	if !ok {
		return def, nil
	}
	s, _ := scalarString(v)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: want a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

// addStreamMapping reads a DynamoDB event of a function, as SAM's
// AWS::Serverless::Function DynamoDB event source (Stream, StartingPosition,
// BatchSize, MaximumBatchingWindowInSeconds, FilterCriteria,
// FunctionResponseTypes, MaximumRetryAttempts, MaximumRecordAgeInSeconds,
// DestinationConfig.OnFailure, Enabled), with the Lambda API's limits.
func (st *Stack) addStreamMapping(e *evaluator, fn, event string, raw map[string]any) error {
	pv, err := e.eval(raw)
	if err != nil {
		return err
	}
	m, _ := pv.(map[string]any)
	streamARN, _ := m["Stream"].(string)
	mp := StreamMapping{Function: fn, Event: event, Enabled: true, Table: e.logicalIDOf("StreamArn", streamARN)}
	if mp.Table == "" {
		return fmt.Errorf("property Stream %q is not the stream of a table of this template", streamARN)
	}
	mp.StartingPosition, _ = m["StartingPosition"].(string)
	if mp.StartingPosition != "TRIM_HORIZON" && mp.StartingPosition != "LATEST" {
		return fmt.Errorf("StartingPosition %q: want TRIM_HORIZON or LATEST", mp.StartingPosition)
	}
	if mp.BatchSize, err = intProp(m, "BatchSize", 100, 1, 10000); err != nil {
		return err
	}
	window, err := intProp(m, "MaximumBatchingWindowInSeconds", 0, 0, 300)
	if err != nil {
		return err
	}
	mp.MaxBatchingWindow = time.Duration(window) * time.Second
	if mp.MaximumRetryAttempts, err = intProp(m, "MaximumRetryAttempts", -1, -1, 10000); err != nil {
		return err
	}
	age, err := intProp(m, "MaximumRecordAgeInSeconds", -1, -1, 604800)
	if err != nil {
		return err
	}
	if age > 0 && age < 60 {
		return fmt.Errorf("MaximumRecordAgeInSeconds %d: want -1 or 60 to 604800", age)
	}
	mp.MaximumRecordAge = time.Duration(age) * time.Second
	if v, ok := m["Enabled"].(bool); ok {
		mp.Enabled = v
	}
	if types, ok := m["FunctionResponseTypes"].([]any); ok {
		for _, t := range types {
			if t == "ReportBatchItemFailures" {
				mp.ReportBatchItemFailures = true
			}
		}
	}
	if fc, ok := m["FilterCriteria"].(map[string]any); ok {
		filters, _ := fc["Filters"].([]any)
		for i, f := range filters {
			fm, _ := f.(map[string]any)
			pat, _ := fm["Pattern"].(string)
			if !json.Valid([]byte(pat)) {
				return fmt.Errorf("FilterCriteria.Filters[%d].Pattern is not JSON", i)
			}
			mp.Filters = append(mp.Filters, pat)
		}
	}
	if dc, ok := m["DestinationConfig"].(map[string]any); ok {
		of, _ := dc["OnFailure"].(map[string]any)
		dest, _ := of["Destination"].(string)
		if mp.OnFailureQueue = e.logicalIDOf("Arn", dest); mp.OnFailureQueue == "" || !strings.Contains(dest, ":sqs:") {
			return fmt.Errorf("DestinationConfig.OnFailure.Destination %q: the local stack sends to a queue of this template only", dest)
		}
	}
	st.StreamMappings = append(st.StreamMappings, mp)
	return nil
}

// addRule reads an AWS::Events::Rule: its bus (EventBusName, default
// "default"), EventPattern and targets (queues of this template only).
func (st *Stack) addRule(e *evaluator, r samtemplate.Resource, opts Options) error {
	props, err := e.eval(r.Properties)
	if err != nil {
		return err
	}
	m, _ := props.(map[string]any)
	rl := Rule{LogicalID: r.LogicalID, Bus: "default"}
	if b, ok := m["EventBusName"].(string); ok && b != "" {
		rl.Bus = b
	}
	rl.Name, _ = m["Name"].(string)
	if rl.Name == "" {
		rl.Name = opts.StackName + "-" + r.LogicalID
	}
	rl.ARN = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", opts.Region, opts.AccountID, rl.Bus, rl.Name)
	pat, ok := m["EventPattern"]
	if !ok {
		return errors.New("the local stack runs rules with an EventPattern only")
	}
	if s, isString := pat.(string); isString {
		rl.EventPattern = s
	} else {
		b, err := json.Marshal(pat)
		if err != nil {
			return fmt.Errorf("EventPattern: %w", err)
		}
		rl.EventPattern = string(b)
	}
	targets, _ := m["Targets"].([]any)
	for i, t := range targets {
		tm, _ := t.(map[string]any)
		arn, _ := tm["Arn"].(string)
		id, _ := tm["Id"].(string)
		if !strings.Contains(arn, ":sqs:") || e.logicalIDOf("Arn", arn) == "" {
			return fmt.Errorf("property Targets[%d]: the local stack delivers to a queue of this template only, not %q", i, arn)
		}
		rl.Targets = append(rl.Targets, RuleTarget{ID: id, ARN: arn})
	}
	st.Rules = append(st.Rules, rl)
	return nil
}

// addSecret reads an AWS::SecretsManager::Secret with a SecretString.
func (st *Stack) addSecret(e *evaluator, r samtemplate.Resource) error {
	sec := Secret{LogicalID: r.LogicalID, ARN: e.refs[r.LogicalID]}
	sec.Name = sec.ARN[strings.LastIndex(sec.ARN, ":secret:")+len(":secret:"):]
	if v, ok := r.Properties["SecretString"]; ok {
		s, err := e.evalString(v)
		if err != nil {
			return fmt.Errorf("SecretString: %w", err)
		}
		sec.Value = s
	}
	st.Secrets = append(st.Secrets, sec)
	return nil
}
