package pages

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/signingflow/signing/internal/platform/emulator"
	"github.com/signingflow/signing/internal/workflow"
)

// stateVisit is one state an execution entered.
type stateVisit struct {
	Name    string     `json:"name"`
	Entered time.Time  `json:"entered"`
	Exited  *time.Time `json:"exited,omitempty"`
}

// platformCall is one effect of a platform call the emulator recorded.
type platformCall struct {
	At time.Time `json:"at"`
	// Service is storage, access, correspondence or notifications.
	Service string `json:"service"`
	// What is e.g. "sign delegated to Kari Nordmann", "cta: <title>".
	What string `json:"what"`
}

// timeline serves a task's record for a developer: its executions and the
// states each entered, the audit trail and the events (the owner's routes
// of the HTTP API, called with the owner's token), the platform calls the
// emulator recorded for the instance, and the emulator's call counts.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	in, ok := s.pathInstance(r)
	if !ok {
		problem(w, http.StatusNotFound, "no such instance in the fixture")
		return
	}
	ctx := r.Context()
	out := struct {
		Instance   instance         `json:"instance"`
		Executions []execution      `json:"executions"`
		Audit      []map[string]any `json:"audit"`
		Events     []map[string]any `json:"events"`
		Platform   []platformCall   `json:"platform"`
		Calls      map[string]int   `json:"calls"`
		Errors     []string         `json:"errors"`
	}{Instance: s.instanceOf(in), Executions: []execution{}, Audit: []map[string]any{}, Events: []map[string]any{}, Platform: []platformCall{}, Errors: []string{}}
	all, err := s.executions(ctx)
	if err != nil {
		out.Errors = append(out.Errors, "Step Functions: "+err.Error())
	}
	for _, e := range executionsOf(all, in.InstanceGUID) {
		if err := s.describe(ctx, &e); err != nil {
			out.Errors = append(out.Errors, "execution "+e.Name+": "+err.Error())
		}
		out.Executions = append(out.Executions, e)
	}
	if len(out.Executions) > 0 {
		owner, ok := s.ownerOf(in)
		if !ok {
			out.Errors = append(out.Errors, "the instance's owner is no persona: no audit trail or events")
		} else {
			for _, l := range []struct {
				route string
				key   string
				into  *[]map[string]any
			}{{"/signing/audit", "entries", &out.Audit}, {"/signing/events", "events", &out.Events}} {
				items, err := s.ownerListing(ctx, owner, in, l.route, l.key)
				if err != nil {
					out.Errors = append(out.Errors, "GET …"+l.route+": "+err.Error())
				}
				*l.into = append(*l.into, items...)
			}
		}
	}
	out.Platform = s.platformCalls(in)
	out.Calls = map[string]int{}
	for _, op := range emulator.Operations {
		out.Calls[op] = s.cfg.Emulator.Calls(op)
	}
	writeJSON(w, http.StatusOK, out)
}

// ownerOf is the person who owns in.
func (s *Server) ownerOf(in emulator.Instance) (emulator.Person, bool) {
	for _, p := range s.cfg.Emulator.Persons() {
		if p.PartyID == in.PartyID {
			return p, true
		}
	}
	return emulator.Person{}, false
}

// describe adds the execution's output or error and the states it entered.
func (s *Server) describe(ctx context.Context, e *execution) error {
	d, err := s.cfg.StepFunctions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(e.ARN)})
	if err != nil {
		return err
	}
	e.Output, e.Error, e.Cause = aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause)
	var out workflow.Output
	if json.Unmarshal([]byte(e.Output), &out) == nil {
		e.Outcome = string(out.Outcome)
	}
	events, err := s.historyEvents(ctx, e.ARN)
	if err != nil {
		return err
	}
	// A state a Map runs in parallel is entered several times before it
	// exits; each exit closes the oldest open visit of its name.
	open := map[string][]int{}
	for _, ev := range events {
		if d := ev.StateEnteredEventDetails; d != nil {
			name := aws.ToString(d.Name)
			open[name] = append(open[name], len(e.States))
			e.States = append(e.States, stateVisit{Name: name, Entered: aws.ToTime(ev.Timestamp)})
		}
		if d := ev.StateExitedEventDetails; d != nil {
			name := aws.ToString(d.Name)
			if visits := open[name]; len(visits) > 0 {
				t := aws.ToTime(ev.Timestamp)
				e.States[visits[0]].Exited = &t
				open[name] = visits[1:]
			}
		}
	}
	return nil
}

// historyEvents reads an execution's whole history, oldest first.
func (s *Server) historyEvents(ctx context.Context, arn string) ([]sfntypes.HistoryEvent, error) {
	var out []sfntypes.HistoryEvent
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000}
	for page := 0; page < 50; page++ {
		resp, err := s.cfg.StepFunctions.GetExecutionHistory(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Events...)
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	return out, nil
}

// history serves an execution's history as Step Functions returns it.
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	if s.cfg.StepFunctions == nil || !strings.HasPrefix(arn, "arn:") {
		problem(w, http.StatusBadRequest, "name an execution: ?arn=")
		return
	}
	events, err := s.historyEvents(r.Context(), arn)
	if err != nil {
		problem(w, http.StatusBadGateway, "Step Functions: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"executionArn": arn, "events": events})
}

// ownerListing reads every page of an owner's listing route of the HTTP
// API (…/signing/audit, …/signing/events) with the owner's token.
func (s *Server) ownerListing(ctx context.Context, owner emulator.Person, in emulator.Instance, route, key string) ([]map[string]any, error) {
	tok, err := s.token(owner, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	next := ""
	for page := 0; page < 20; page++ {
		q := url.Values{"taskId": {s.cfg.Input.TaskID}, "limit": {"100"}}
		if next != "" {
			q.Set("next", next)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(s.cfg.APIURL, "/")+instancePath(in)+route+"?"+q.Encode(), nil)
		if err != nil {
			return out, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.http.Do(req)
		if err != nil {
			return out, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if err != nil {
			return out, err
		}
		if resp.StatusCode != http.StatusOK {
			var p struct {
				Title  string `json:"title"`
				Detail string `json:"detail"`
			}
			_ = json.Unmarshal(body, &p)
			return out, fmt.Errorf("%d %s %s", resp.StatusCode, p.Title, p.Detail)
		}
		var listing map[string]json.RawMessage
		if err := json.Unmarshal(body, &listing); err != nil {
			return out, err
		}
		var items []map[string]any
		if err := json.Unmarshal(listing[key], &items); err != nil {
			return out, err
		}
		out = append(out, items...)
		next = ""
		_ = json.Unmarshal(listing["next"], &next)
		if next == "" {
			break
		}
	}
	return out, nil
}

// platformCalls are the effects of the platform calls the emulator
// recorded for in, oldest first: rights in force, messages, notification
// orders, data elements the service wrote. Parties by name, never by
// national ID; notification addresses left out.
func (s *Server) platformCalls(in emulator.Instance) []platformCall {
	names := map[string]string{}
	for _, p := range s.cfg.Emulator.Persons() {
		names[p.PartyUUID] = p.Name()
	}
	for _, o := range s.cfg.Fixture.Organisations {
		names[o.PartyUUID] = o.Name
	}
	name := func(uuid string) string {
		if n, ok := names[uuid]; ok {
			return n
		}
		return "party " + uuid
	}
	guid := strings.ToLower(in.InstanceGUID)
	out := []platformCall{}
	for _, d := range s.cfg.Emulator.Delegations() {
		if strings.ToLower(d.InstanceGUID) == guid {
			out = append(out, platformCall{At: d.DelegatedAt, Service: "access", What: fmt.Sprintf("%s delegated to %s (%s)", d.Action, name(d.To), d.TaskID)})
		}
	}
	corr := map[string]bool{}
	for _, m := range s.cfg.Emulator.Messages() {
		if r := referencedInstance(m.SendersReference); r == nil || r.GUID != guid {
			continue
		}
		corr[m.ID] = true
		kind, _, _ := strings.Cut(m.IdempotencyKey, ":")
		what := fmt.Sprintf("%s to %s: %s", kind, name(m.RecipientPartyUUID), plainText(m.Title))
		if n := len(m.Attachments); n > 0 {
			what += fmt.Sprintf(" (%d attachment(s))", n)
		}
		out = append(out, platformCall{At: m.SentAt, Service: "correspondence", What: what})
	}
	for _, n := range s.cfg.Emulator.Notifications() {
		if !corr[n.CorrespondenceID] && !strings.Contains(strings.ToLower(n.SendersReference), guid) {
			continue
		}
		out = append(out, platformCall{At: n.OrderedAt, Service: "notifications", What: fmt.Sprintf("%s order %s", n.Channel, n.OrderID)})
	}
	for _, d := range s.cfg.Emulator.Data() {
		if !strings.HasSuffix(strings.ToLower(d.InstanceID), guid) || (d.Source != "api" && d.Source != "sign") {
			continue
		}
		out = append(out, platformCall{At: d.Created, Service: "storage", What: fmt.Sprintf("%s written (%s, %d bytes)", d.DataType, d.ContentType, d.Size)})
	}
	slices.SortStableFunc(out, func(a, b platformCall) int { return a.At.Compare(b.At) })
	return out
}
