// Package stackdef reads template.yaml into what the local stack creates
// and runs: the table, the queues with their redrive policies, the
// functions with their resolved environment, the state machine with its
// DefinitionSubstitutions resolved, the HTTP API's routes and JWT
// authorizer, and the SQS event source mappings. There is no second,
// hand-kept list: everything comes from the template, with its intrinsic
// functions (!Ref, !GetAtt, !Sub, !If, !Join, …) evaluated against local
// names, ARNs and URLs.
//
// It serves development and is never deployed: no function links it
// (internal/layout checks).
package stackdef

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/samtemplate"
)

// Resource types the local stack creates or runs.
const (
	TypeTable              = "AWS::DynamoDB::Table"
	TypeQueue              = "AWS::SQS::Queue"
	TypeFunction           = "AWS::Serverless::Function"
	TypeStateMachine       = "AWS::Serverless::StateMachine"
	TypeStepFunctionsSM    = "AWS::StepFunctions::StateMachine"
	TypeHTTPAPI            = "AWS::Serverless::HttpApi"
	TypeLogGroup           = "AWS::Logs::LogGroup"
	TypeSecret             = "AWS::SecretsManager::Secret"
	TypeEventBus           = "AWS::Events::EventBus"
	TypeRule               = "AWS::Events::Rule"
	implicitHTTPAPIID      = "ServerlessHttpApi"
	defaultFunctionTimeout = 3 * time.Second
)

// Options say where the stack runs.
type Options struct {
	// ModuleRoot is the folder of template.yaml; CodeUri and DefinitionUri are relative to it.
	ModuleRoot string
	// StackName, Region and AccountID build names and ARNs; defaults
	// signing-local, eu-north-1, 123456789012.
	StackName, Region, AccountID string
	// EdgeURL is the AWS endpoint; queue URLs start with it. Default http://127.0.0.1:4566.
	EdgeURL string
	// APIURL is the HTTP API's base URL (for Outputs); default http://127.0.0.1:3000.
	APIURL string
	// Parameters override the template's parameter defaults.
	Parameters map[string]string
}

// Stack is the template resolved for the local stack.
type Stack struct {
	Name, Region, AccountID string
	// Parameters are the values in force (overrides, else defaults).
	Parameters    map[string]string
	Tables        []Table
	Queues        []Queue
	Functions     []Function
	StateMachines []StateMachine
	HTTPAPIs      []HTTPAPI
	Routes        []Route
	SQSMappings   []SQSMapping
	// StreamMappings are the functions' DynamoDB stream event sources.
	StreamMappings []StreamMapping
	EventBuses     []EventBus
	Rules          []Rule
	// Secrets are the secrets the template creates.
	Secrets []Secret
	// Outputs are the template's outputs, evaluated ("" when one cannot be).
	Outputs map[string]string
}

// Table is a DynamoDB table.
type Table struct {
	LogicalID, Name, ARN string
	Def                  samtemplate.Table
}

// Queue is an SQS queue.
type Queue struct {
	LogicalID, Name, URL, ARN string
	// Attributes are the CreateQueue attributes from the template
	// (VisibilityTimeout, MessageRetentionPeriod, RedrivePolicy as JSON, …).
	Attributes map[string]string
	// DeadLetterQueue is the logical ID of the redrive target, if any.
	DeadLetterQueue string
	MaxReceiveCount int
}

// Function is a Lambda function.
type Function struct {
	LogicalID, Name, ARN string
	// CodeURI is the package folder relative to the module root, e.g. "functions/api".
	CodeURI       string
	Handler       string
	Runtime       string
	Architectures []string
	MemoryMB      int
	Timeout       time.Duration
	// Env is the resolved environment (Globals merged with the function's own).
	Env map[string]string
	// LogFormat, ApplicationLogLevel and SystemLogLevel are the LoggingConfig's.
	LogFormat, ApplicationLogLevel, SystemLogLevel string
}

// StateMachine is a Step Functions state machine.
type StateMachine struct {
	LogicalID, Name, ARN string
	Type                 string
	// DefinitionFile is the ASL file (absolute), or "" with Definition set.
	DefinitionFile string
	// Definition is the inline definition (JSON), when there is no file.
	Definition string
	// Substitutions are the resolved DefinitionSubstitutions.
	Substitutions map[string]string
	RoleARN       string
}

// HTTPAPI is an HTTP API with its JWT authorizers and CORS configuration.
type HTTPAPI struct {
	LogicalID, ID     string
	DefaultAuthorizer string
	Authorizers       map[string]JWTAuthorizer
	// Cors is the CorsConfiguration; nil for none.
	Cors *Cors
}

// Cors is an HTTP API's CorsConfiguration, resolved.
type Cors struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	AllowCredentials                                        bool
	MaxAge                                                  int
}

// JWTAuthorizer is a JWT authorizer's configuration.
type JWTAuthorizer struct {
	Issuer         string
	Audience       []string
	IdentitySource string
}

// Route is one HttpApi event of a function.
type Route struct {
	API      string // logical ID of the HTTP API
	Function string // logical ID
	Event    string
	Method   string // upper case; "ANY" for any
	Path     string // e.g. /{org}/{app}/instances/{id}; "$default" for the default route
	// Authorizer is the JWT authorizer's name, or "" for none.
	Authorizer string
	Scopes     []string
}

// SQSMapping is an SQS event source mapping.
type SQSMapping struct {
	Function, Event, Queue  string // logical IDs
	BatchSize               int
	MaxBatchingWindow       time.Duration
	ReportBatchItemFailures bool
	Enabled                 bool
}

// StreamMapping is a DynamoDB stream event source mapping.
type StreamMapping struct {
	Function, Event, Table string // logical IDs
	StartingPosition       string // TRIM_HORIZON or LATEST
	BatchSize              int
	MaxBatchingWindow      time.Duration
	// Filters are the FilterCriteria patterns (JSON); a record passes when
	// one matches (none: every record passes).
	Filters                 []string
	ReportBatchItemFailures bool
	// MaximumRetryAttempts is -1 for retries until the record is
	// MaximumRecordAge old (-1: the stream's retention).
	MaximumRetryAttempts int
	MaximumRecordAge     time.Duration
	// OnFailureQueue is the logical ID of the on-failure destination queue, if any.
	OnFailureQueue string
	Enabled        bool
}

// EventBus is an EventBridge event bus.
type EventBus struct{ LogicalID, Name, ARN string }

// Rule is an EventBridge rule with its targets.
type Rule struct {
	LogicalID, Name, ARN string
	// Bus is the event bus's name.
	Bus          string
	EventPattern string // JSON
	Targets      []RuleTarget
}

// RuleTarget is one target of a rule.
type RuleTarget struct{ ID, ARN string }

// Secret is a secret the template creates, with its SecretString.
type Secret struct{ LogicalID, Name, ARN, Value string }

// Function returns the function with logical ID id.
func (s *Stack) Function(id string) (Function, bool) {
	for _, f := range s.Functions {
		if f.LogicalID == id {
			return f, true
		}
	}
	return Function{}, false
}

// Queue returns the queue with logical ID id.
func (s *Stack) Queue(id string) (Queue, bool) {
	for _, q := range s.Queues {
		if q.LogicalID == id {
			return q, true
		}
	}
	return Queue{}, false
}

// Resolve reads tpl for the local stack.
func Resolve(tpl *samtemplate.Template, opts Options) (*Stack, error) {
	if opts.StackName == "" {
		opts.StackName = "signing-local"
	}
	if opts.Region == "" {
		opts.Region = "eu-north-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.EdgeURL == "" {
		opts.EdgeURL = "http://127.0.0.1:4566"
	}
	if opts.APIURL == "" {
		opts.APIURL = "http://127.0.0.1:3000"
	}
	opts.EdgeURL = strings.TrimRight(opts.EdgeURL, "/")
	params, err := parameters(tpl, opts.Parameters)
	if err != nil {
		return nil, fmt.Errorf("stackdef: %w", err)
	}
	st := &Stack{Name: opts.StackName, Region: opts.Region, AccountID: opts.AccountID, Parameters: params, Outputs: map[string]string{}}
	e := &evaluator{
		tpl:    tpl,
		params: params,
		pseudo: map[string]string{
			"AWS::Region":    opts.Region,
			"AWS::AccountId": opts.AccountID,
			"AWS::StackName": opts.StackName,
			"AWS::StackId":   fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/local", opts.Region, opts.AccountID, opts.StackName),
			"AWS::Partition": "aws",
			"AWS::URLSuffix": "amazonaws.com",
		},
		refs:       map[string]string{},
		attrs:      map[string]map[string]string{},
		conditions: map[string]bool{},
	}
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, opts.Region, opts.AccountID, rest)
	}
	// First pass: the physical name, Ref and attributes of every resource.
	hasImplicitAPI := false
	for _, id := range tpl.LogicalIDs() {
		r := tpl.Resources[id]
		name := func(prop string) (string, error) {
			v, ok := r.Properties[prop]
			if !ok {
				return opts.StackName + "-" + id, nil
			}
			return e.evalString(v)
		}
		switch r.Type {
		case TypeTable:
			n, err := name("TableName")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			a := arn("dynamodb", "table/"+n)
			e.refs[id] = n
			e.attrs[id] = map[string]string{"Arn": a, "StreamArn": a + "/stream/local"}
		case TypeQueue:
			n, err := name("QueueName")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			if fifo, _ := r.Bool("FifoQueue"); fifo && !strings.HasSuffix(n, ".fifo") {
				n += ".fifo"
			}
			u := opts.EdgeURL + "/" + opts.AccountID + "/" + n
			e.refs[id] = u
			e.attrs[id] = map[string]string{"Arn": arn("sqs", n), "QueueName": n, "QueueUrl": u}
		case TypeFunction:
			n, err := name("FunctionName")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			e.refs[id] = n
			e.attrs[id] = map[string]string{"Arn": arn("lambda", "function:"+n)}
			role := opts.StackName + "-" + id + "Role"
			e.refs[id+"Role"] = role
			e.attrs[id+"Role"] = map[string]string{"Arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", opts.AccountID, role)}
			if events, ok := r.Properties["Events"].(map[string]any); ok {
				for _, ev := range events {
					m, _ := ev.(map[string]any)
					props, _ := m["Properties"].(map[string]any)
					if m["Type"] == "HttpApi" && (props == nil || props["ApiId"] == nil) {
						hasImplicitAPI = true
					}
				}
			}
		case TypeStateMachine, TypeStepFunctionsSM:
			prop := "Name"
			if r.Type == TypeStepFunctionsSM {
				prop = "StateMachineName"
			}
			n, err := name(prop)
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			a := arn("states", "stateMachine:"+n)
			e.refs[id] = a
			e.attrs[id] = map[string]string{"Arn": a, "Name": n}
		case TypeHTTPAPI:
			e.refs[id] = apiID(id)
			e.attrs[id] = map[string]string{"ApiEndpoint": opts.APIURL}
		case TypeLogGroup:
			n, err := name("LogGroupName")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			e.refs[id] = n
			e.attrs[id] = map[string]string{"Arn": arn("logs", "log-group:"+n+":*")}
		case TypeSecret:
			n, err := name("Name")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			e.refs[id] = arn("secretsmanager", "secret:"+n)
		case TypeEventBus:
			n, err := name("Name")
			if err != nil {
				return nil, fmt.Errorf("stackdef: %s: %w", id, err)
			}
			e.refs[id] = n
			e.attrs[id] = map[string]string{"Arn": arn("events", "event-bus/"+n), "Name": n}
		default:
			e.refs[id] = id
		}
	}
	if hasImplicitAPI {
		e.refs[implicitHTTPAPIID] = apiID(implicitHTTPAPIID)
	}
	globals, _ := tpl.Globals["Function"].(map[string]any)
	var errs []error
	for _, id := range tpl.LogicalIDs() {
		r := tpl.Resources[id]
		var err error
		switch r.Type {
		case TypeTable:
			var tbl samtemplate.Table
			if tbl, err = samtemplate.TableOf(r); err == nil {
				st.Tables = append(st.Tables, Table{LogicalID: id, Name: e.refs[id], ARN: e.attrs[id]["Arn"], Def: tbl})
			}
		case TypeQueue:
			err = st.addQueue(e, r)
		case TypeFunction:
			err = st.addFunction(e, r, globals)
		case TypeStateMachine, TypeStepFunctionsSM:
			err = st.addStateMachine(e, r, opts)
		case TypeHTTPAPI:
			err = st.addHTTPAPI(e, r)
		case TypeEventBus:
			st.EventBuses = append(st.EventBuses, EventBus{LogicalID: id, Name: e.refs[id], ARN: e.attrs[id]["Arn"]})
		case TypeSecret:
			err = st.addSecret(e, r)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (line %d): %w", id, r.Line, err))
		}
	}
	for _, id := range tpl.LogicalIDs() {
		if r := tpl.Resources[id]; r.Type == TypeRule {
			if err := st.addRule(e, r, opts); err != nil {
				errs = append(errs, fmt.Errorf("%s (line %d): %w", id, r.Line, err))
			}
		}
	}
	if hasImplicitAPI {
		st.HTTPAPIs = append(st.HTTPAPIs, HTTPAPI{LogicalID: implicitHTTPAPIID, ID: apiID(implicitHTTPAPIID)})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("stackdef: %w", err)
	}
	for name, o := range tpl.Outputs {
		m, _ := o.(map[string]any)
		v, err := e.evalString(m["Value"])
		if err == nil {
			st.Outputs[name] = v
		} else {
			st.Outputs[name] = ""
		}
	}
	if url, ok := st.Outputs["SigningApiUrl"]; ok && url != "" {
		st.Outputs["SigningApiUrl"] = opts.APIURL + "/"
	}
	return st, nil
}

// apiID is a local HTTP API's ID: lower-case letters, as API Gateway's are.
func apiID(logicalID string) string {
	id := strings.ToLower(logicalID)
	if len(id) > 10 {
		id = id[:10]
	}
	return id
}

func (st *Stack) addQueue(e *evaluator, r samtemplate.Resource) error {
	props, err := e.eval(r.Properties)
	if err != nil {
		return err
	}
	m, _ := props.(map[string]any)
	q := Queue{LogicalID: r.LogicalID, Name: e.attrs[r.LogicalID]["QueueName"], URL: e.refs[r.LogicalID], ARN: e.attrs[r.LogicalID]["Arn"], Attributes: map[string]string{}}
	for _, k := range []string{"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled", "KmsMasterKeyId"} {
		if v, ok := m[k]; ok {
			s, err := scalarString(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			q.Attributes[k] = s
		}
	}
	if rp, ok := m["RedrivePolicy"].(map[string]any); ok {
		target, _ := rp["deadLetterTargetArn"].(string)
		n, err := scalarString(rp["maxReceiveCount"])
		if err != nil || target == "" {
			return errors.New("RedrivePolicy needs deadLetterTargetArn and maxReceiveCount")
		}
		q.MaxReceiveCount, err = strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("RedrivePolicy maxReceiveCount %q", n)
		}
		for id, a := range e.attrs {
			if a["Arn"] == target {
				q.DeadLetterQueue = id
			}
		}
		q.Attributes["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, target, q.MaxReceiveCount)
	}
	st.Queues = append(st.Queues, q)
	return nil
}

// merge returns the function's properties over the Globals section.
func merge(globals, props map[string]any) map[string]any {
	out := maps.Clone(globals)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range props {
		g, gok := out[k].(map[string]any)
		p, pok := v.(map[string]any)
		if gok && pok {
			out[k] = merge(g, p)
			continue
		}
		out[k] = v
	}
	return out
}

func (st *Stack) addFunction(e *evaluator, r samtemplate.Resource, globals map[string]any) error {
	props := merge(globals, r.Properties)
	f := Function{LogicalID: r.LogicalID, Name: e.refs[r.LogicalID], ARN: e.attrs[r.LogicalID]["Arn"], Env: map[string]string{}, Timeout: defaultFunctionTimeout, MemoryMB: 128}
	var err error
	str := func(k string) string {
		if err != nil {
			return ""
		}
		v, ok := props[k]
		if !ok {
			return ""
		}
		var s string
		s, err = e.evalString(v)
		return s
	}
	codeURI := str("CodeUri")
	f.CodeURI = strings.TrimSuffix(filepath.ToSlash(filepath.Clean(codeURI)), "/")
	f.Handler = str("Handler")
	f.Runtime = str("Runtime")
	if t := str("Timeout"); t != "" {
		n, convErr := strconv.Atoi(t)
		if convErr != nil {
			return fmt.Errorf("property Timeout %q", t)
		}
		f.Timeout = time.Duration(n) * time.Second
	}
	if m := str("MemorySize"); m != "" {
		n, convErr := strconv.Atoi(m)
		if convErr != nil {
			return fmt.Errorf("MemorySize %q", m)
		}
		f.MemoryMB = n
	}
	if err != nil {
		return err
	}
	if codeURI == "" {
		return errors.New("CodeUri must be set (a folder under functions/)")
	}
	if lc, ok := props["LoggingConfig"].(map[string]any); ok {
		for k, dst := range map[string]*string{"LogFormat": &f.LogFormat, "ApplicationLogLevel": &f.ApplicationLogLevel, "SystemLogLevel": &f.SystemLogLevel} {
			if v, ok := lc[k]; ok {
				s, err := e.evalString(v)
				if err != nil {
					return fmt.Errorf("property LoggingConfig %s: %w", k, err)
				}
				*dst = s
			}
		}
	}
	if archs, ok := props["Architectures"].([]any); ok {
		for _, a := range archs {
			s, _ := a.(string)
			f.Architectures = append(f.Architectures, s)
		}
	}
	if vars, ok := props["Environment"].(map[string]any); ok {
		ev, err := e.eval(vars["Variables"])
		if err != nil {
			return fmt.Errorf("property Environment: %w", err)
		}
		m, _ := ev.(map[string]any)
		for k, v := range m {
			s, err := scalarString(v)
			if err != nil {
				return fmt.Errorf("property Environment %s: %w", k, err)
			}
			f.Env[k] = s
		}
	}
	st.Functions = append(st.Functions, f)
	events, _ := r.Properties["Events"].(map[string]any)
	names := make([]string, 0, len(events))
	for n := range events {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		ev, _ := events[name].(map[string]any)
		typ, _ := ev["Type"].(string)
		raw, _ := ev["Properties"].(map[string]any)
		switch typ {
		case "HttpApi":
			if err := st.addRoute(e, r.LogicalID, name, raw); err != nil {
				return fmt.Errorf("event %s: %w", name, err)
			}
		case "SQS":
			if err := st.addSQSMapping(e, r.LogicalID, name, raw); err != nil {
				return fmt.Errorf("event %s: %w", name, err)
			}
		case "DynamoDB":
			if err := st.addStreamMapping(e, r.LogicalID, name, raw); err != nil {
				return fmt.Errorf("event %s: %w", name, err)
			}
		}
	}
	return nil
}

func (st *Stack) addRoute(e *evaluator, fn, event string, raw map[string]any) error {
	rt := Route{Function: fn, Event: event, API: implicitHTTPAPIID, Method: "ANY", Path: "$default"}
	if raw != nil {
		if ref, ok := raw["ApiId"].(samtemplate.Intrinsic); ok && ref.Name == "Ref" {
			rt.API, _ = ref.Arg.(string)
		}
		pv, err := e.eval(raw)
		if err != nil {
			return err
		}
		m, _ := pv.(map[string]any)
		if p, ok := m["Path"].(string); ok {
			rt.Path = p
		}
		if meth, ok := m["Method"].(string); ok {
			rt.Method = strings.ToUpper(meth)
		}
		if auth, ok := m["Auth"].(map[string]any); ok {
			if a, ok := auth["Authorizer"].(string); ok {
				rt.Authorizer = a
				if a == "NONE" {
					rt.Authorizer = ""
				}
			}
			if sc, ok := auth["AuthorizationScopes"].([]any); ok {
				for _, s := range sc {
					if str, ok := s.(string); ok {
						rt.Scopes = append(rt.Scopes, str)
					}
				}
			}
			if _, ok := auth["Authorizer"]; !ok {
				rt.Authorizer = "$default"
			}
		} else {
			rt.Authorizer = "$default"
		}
	}
	st.Routes = append(st.Routes, rt)
	return nil
}

func (st *Stack) addSQSMapping(e *evaluator, fn, event string, raw map[string]any) error {
	pv, err := e.eval(raw)
	if err != nil {
		return err
	}
	m, _ := pv.(map[string]any)
	queueARN, _ := m["Queue"].(string)
	mp := SQSMapping{Function: fn, Event: event, BatchSize: 10, Enabled: true}
	for id, a := range e.attrs {
		if a["Arn"] == queueARN && strings.Contains(queueARN, ":sqs:") {
			mp.Queue = id
		}
	}
	if mp.Queue == "" {
		return fmt.Errorf("Queue %q is not a queue of this template", queueARN)
	}
	if v, ok := m["BatchSize"]; ok {
		s, _ := scalarString(v)
		if mp.BatchSize, err = strconv.Atoi(s); err != nil || mp.BatchSize < 1 || mp.BatchSize > 10000 {
			return fmt.Errorf("BatchSize %q", s)
		}
	}
	if v, ok := m["MaximumBatchingWindowInSeconds"]; ok {
		s, _ := scalarString(v)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 300 {
			return fmt.Errorf("MaximumBatchingWindowInSeconds %q", s)
		}
		mp.MaxBatchingWindow = time.Duration(n) * time.Second
	}
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
	st.SQSMappings = append(st.SQSMappings, mp)
	return nil
}

func (st *Stack) addStateMachine(e *evaluator, r samtemplate.Resource, opts Options) error {
	sm := StateMachine{
		LogicalID: r.LogicalID, Name: e.attrs[r.LogicalID]["Name"], ARN: e.refs[r.LogicalID],
		Type: "STANDARD", Substitutions: map[string]string{},
		RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/%s-%sRole", opts.AccountID, opts.StackName, r.LogicalID),
	}
	if t, ok := r.Properties["Type"]; ok {
		s, err := e.evalString(t)
		if err != nil {
			return err
		}
		sm.Type = strings.ToUpper(s)
	}
	uriProp, subsProp := "DefinitionUri", "DefinitionSubstitutions"
	if r.Type == TypeStepFunctionsSM {
		uriProp = "DefinitionS3Location"
	}
	if uri, ok := r.Properties[uriProp].(string); ok {
		sm.DefinitionFile = filepath.Join(opts.ModuleRoot, filepath.FromSlash(uri))
	} else if def, ok := r.Properties["Definition"]; ok {
		v, err := e.eval(def)
		if err != nil {
			return fmt.Errorf("property Definition: %w", err)
		}
		b, err := jsonMarshal(v)
		if err != nil {
			return err
		}
		sm.Definition = string(b)
	} else if def, ok := r.Properties["DefinitionString"]; ok {
		s, err := e.evalString(def)
		if err != nil {
			return fmt.Errorf("DefinitionString: %w", err)
		}
		sm.Definition = s
	} else {
		return errors.New("the local stack needs DefinitionUri (a file), Definition or DefinitionString")
	}
	if subs, ok := r.Properties[subsProp].(map[string]any); ok {
		for k, v := range subs {
			s, err := e.evalString(v)
			if err != nil {
				return fmt.Errorf("%s %s: %w", subsProp, k, err)
			}
			sm.Substitutions[k] = s
		}
	}
	st.StateMachines = append(st.StateMachines, sm)
	return nil
}

func (st *Stack) addHTTPAPI(e *evaluator, r samtemplate.Resource) error {
	api := HTTPAPI{LogicalID: r.LogicalID, ID: e.refs[r.LogicalID], Authorizers: map[string]JWTAuthorizer{}}
	if raw, ok := r.Properties["CorsConfiguration"]; ok {
		v, err := e.eval(raw)
		if err != nil {
			return fmt.Errorf("property CorsConfiguration: %w", err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("property CorsConfiguration: the local stack reads the object form only")
		}
		c := &Cors{}
		for name, dst := range map[string]*[]string{"AllowOrigins": &c.AllowOrigins, "AllowMethods": &c.AllowMethods, "AllowHeaders": &c.AllowHeaders, "ExposeHeaders": &c.ExposeHeaders} {
			list, _ := m[name].([]any)
			for _, x := range list {
				if s, ok := x.(string); ok && s != "" {
					*dst = append(*dst, s)
				}
			}
		}
		c.AllowCredentials, _ = m["AllowCredentials"].(bool)
		if v, ok := m["MaxAge"]; ok {
			n, err := strconv.Atoi(fmt.Sprint(v))
			if err != nil {
				return fmt.Errorf("property CorsConfiguration: MaxAge %v is not a number of seconds", v)
			}
			c.MaxAge = n
		}
		api.Cors = c
	}
	auth, ok := r.Properties["Auth"]
	if !ok {
		st.HTTPAPIs = append(st.HTTPAPIs, api)
		return nil
	}
	v, err := e.eval(auth)
	if err != nil {
		return fmt.Errorf("property Auth: %w", err)
	}
	m, _ := v.(map[string]any)
	api.DefaultAuthorizer, _ = m["DefaultAuthorizer"].(string)
	authorizers, _ := m["Authorizers"].(map[string]any)
	for name, a := range authorizers {
		am, _ := a.(map[string]any)
		jc, ok := am["JwtConfiguration"].(map[string]any)
		if !ok {
			return fmt.Errorf("authorizer %s: the local stack emulates JWT authorizers only", name)
		}
		var ja JWTAuthorizer
		ja.Issuer, _ = jc["issuer"].(string)
		switch aud := jc["audience"].(type) {
		case []any:
			for _, x := range aud {
				if s, ok := x.(string); ok {
					ja.Audience = append(ja.Audience, s)
				}
			}
		case string:
			ja.Audience = []string{aud}
		}
		ja.IdentitySource, _ = am["IdentitySource"].(string)
		if ja.IdentitySource == "" {
			ja.IdentitySource = "$request.header.Authorization"
		}
		api.Authorizers[name] = ja
	}
	st.HTTPAPIs = append(st.HTTPAPIs, api)
	return nil
}

// RoutesOf returns the routes of the HTTP API apiLogicalID, with the
// API's default authorizer in place of "$default".
func (st *Stack) RoutesOf(apiLogicalID string) []Route {
	var def string
	for _, a := range st.HTTPAPIs {
		if a.LogicalID == apiLogicalID {
			def = a.DefaultAuthorizer
		}
	}
	var out []Route
	for _, r := range st.Routes {
		if r.API != apiLogicalID {
			continue
		}
		if r.Authorizer == "$default" {
			r.Authorizer = def
		}
		out = append(out, r)
	}
	return out
}
