package lambdaconf

import "fmt"

// Port is what one Wiring method reads and calls: the environment
// variables it reads (Vars semantics: Required, OneOf) and the AWS actions
// its adapters call, each as IAM names it ("kms:Sign" on the key a
// variable names is "kms:Sign " + that variable). "dynamodb" stands for
// the table's actions, which depend on the repository methods a use case
// calls (TestTemplate_leastPrivilege and the table's tests keep those).
type Port struct {
	Vars    []Var
	Actions []string
	// Links are the adapters (Linked fields: LinkSecrets, LinkStepFunctions)
	// the port needs a function to link.
	Links []string
}

// Actions of the ports.
const (
	ActionDynamoDB          = "dynamodb"
	ActionGetSecretValue    = "secretsmanager:GetSecretValue"
	ActionSignMaskinporten  = "kms:Sign " + EnvMaskinportenKMSKeyID
	ActionSignPlatformToken = "kms:Sign " + EnvPlatformAccessTokenKMSKeyID
	ActionSendTaskSuccess   = "states:SendTaskSuccess"
	ActionSendTaskFailure   = "states:SendTaskFailure"
	ActionStopExecution     = "states:StopExecution"
)

func platformURLVars() []Var {
	return []Var{
		{Name: EnvPlatformURL, Required: true, Doc: "Altinn platform host serving every platform API, e.g. https://platform.tt02.altinn.no"},
		{Name: EnvPlatformTimeout, Doc: "timeout of one platform call, a Go duration (default 10s)"},
	}
}

// bearerVars are the service owner's Maskinporten client's.
func bearerVars() []Var {
	var vs []Var
	for _, v := range platformVars() {
		if v.Name != EnvPlatformURL && v.Name != EnvPlatformTimeout {
			vs = append(vs, v)
		}
	}
	return append(platformURLVars(), vs...)
}

func accessTokenVars() []Var { return append(platformURLVars(), platformAccessTokenVars()...) }

func join(lists ...[]Var) []Var {
	var out []Var
	seen := map[string]bool{}
	for _, l := range lists {
		for _, v := range l {
			if !seen[v.Name] {
				seen[v.Name] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// Ports are the Wiring methods by name.
var Ports = map[string]Port{
	"Clock": {},
	"Repo":  {Vars: []Var{{Name: EnvTableName, Required: true, Doc: "DynamoDB table"}}, Actions: []string{ActionDynamoDB}},
	"Settings": {Vars: []Var{
		{Name: EnvEnvironment, Required: true, Doc: "hosting environment (selects the correspondence resource)"},
		{Name: EnvInstanceURL, Required: true, Doc: "instance link template"},
		{Name: EnvLanguage, Doc: "language of messages: nb (default), nn or en"},
	}},
	"DocumentSettings": {Vars: []Var{
		{Name: EnvInstanceURL, Required: true, Doc: "instance link template"},
		{Name: EnvLanguage, Doc: "language of the signing PDF: nb (default), nn or en"},
	}},
	"Identities": {Vars: []Var{
		{Name: EnvHashKey, Required: true, OneOf: "hash", Doc: "keyed-hash key, hex or base64 (local use)"},
		{Name: EnvHashKeySecretARN, Required: true, OneOf: "hash", Doc: "Secrets Manager secret holding the keyed-hash key"},
	}, Actions: []string{ActionGetSecretValue}, Links: []string{LinkSecrets}},
	"Storage":        {Vars: bearerVars(), Actions: []string{ActionSignMaskinporten}},
	"Apps":           {Vars: bearerVars(), Actions: []string{ActionSignMaskinporten}},
	"Correspondence": {Vars: bearerVars(), Actions: []string{ActionSignMaskinporten}},
	"Register":       {Vars: join(bearerVars(), accessTokenVars()), Actions: []string{ActionSignMaskinporten, ActionSignPlatformToken}},
	"Access":         {Vars: accessTokenVars(), Actions: []string{ActionSignPlatformToken}},
	"Authorization":  {Vars: platformURLVars()},
	"Signees": {Vars: join(bearerVars(), []Var{
		{Name: EnvAllowSyntheticIDs, Doc: "accept synthetic test national IDs (true/false, default false)"},
		{Name: EnvSigneeProviders, Doc: `configured signee providers, JSON {"providers":[…]} (see signees.Spec)`},
	}), Actions: []string{ActionSignMaskinporten}},
	"Workflow":   {Actions: []string{ActionSendTaskSuccess, ActionSendTaskFailure}, Links: []string{LinkStepFunctions}},
	"Executions": {Actions: []string{ActionStopExecution}, Links: []string{LinkStepFunctions}},
	"EventBus": {Vars: []Var{{Name: EnvEventBusName, Required: true, Doc: "EventBridge bus the service's events go to"}},
		Actions: []string{ActionPutEvents}, Links: []string{LinkEvents}},
	"EventDeadLetters": {Vars: []Var{{Name: EnvEventsDLQURL, Required: true, Doc: "SQS queue keeping the events the bus refuses"}},
		Actions: []string{ActionSendToSQS}, Links: []string{LinkQueues}},
	"Webhooks": {Vars: []Var{
		{Name: EnvWebhookSubscribers, Doc: `webhook subscribers, JSON [{"id","url","types","apps"}] (webhook.ParseSubscribers); none when unset`},
		{Name: EnvWebhookSecretsARN, Required: true, Doc: "Secrets Manager secret: JSON object of subscriber ID → whsec_ signing key"},
		{Name: EnvWebhookQueueURL, Required: true, Doc: "SQS queue of webhook deliveries (retries go back to it, delayed)"},
		{Name: EnvWebhookDLQURL, Required: true, Doc: "SQS queue keeping the deliveries given up on"},
		{Name: EnvWebhookAllowPrivate, Doc: "let subscribers be on http and private addresses (true/false; development only)"},
		{Name: EnvWebhookRetryFor, Doc: "how long a delivery is retried, a Go duration (default 24h)"},
		{Name: EnvWebhookRetryBase, Doc: "first pause before a retry, doubling, a Go duration (default 30s)"},
	}, Actions: []string{ActionSendToSQS, ActionGetSecretValue}, Links: []string{LinkQueues, LinkSecrets}},
}

// CheckEnv reports, through lookup, every variable the given ports
// (Wiring method names, as wiringscan.Ports reads them from a function's
// main.go) require and do not find, and every alternative set twice; it
// reads no value's meaning (the Wiring does that at init). An unknown
// port is a problem too.
func CheckEnv(ports []string, lookup func(string) (string, bool)) error {
	r := &reader{lookup: lookup}
	seen := map[string]bool{}
	groups := map[string][]string{}
	for _, p := range ports {
		port, ok := Ports[p]
		if !ok {
			r.errs = append(r.errs, fmt.Errorf("%s: no such port", p))
			continue
		}
		for _, v := range port.Vars {
			if seen[v.Name] {
				continue
			}
			seen[v.Name] = true
			switch {
			case v.OneOf != "":
				groups[v.OneOf] = append(groups[v.OneOf], v.Name)
			case v.Required:
				r.required(v.Name)
			}
		}
	}
	for _, names := range groups {
		if len(names) == 2 {
			r.oneOf(names[0], names[1])
		}
	}
	return r.err("environment")
}
