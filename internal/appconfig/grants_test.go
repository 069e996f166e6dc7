package appconfig

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// replaceInRule replaces old with new exactly once inside the example
// policy's rule urn:altinn:example:ruleid:<n>.
func replaceInRule(t *testing.T, dir, n, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(policyPath))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, `RuleId="urn:altinn:example:ruleid:`+n+`"`)
	if start < 0 {
		t.Fatalf("policy.xml has no rule %s", n)
	}
	end := start + strings.Index(s[start:], "</xacml:Rule>")
	rule := s[start:end]
	if c := strings.Count(rule, old); c != 1 {
		t.Fatalf("rule %s: %q occurs %d times, want 1", n, old, c)
	}
	s = s[:start] + strings.Replace(rule, old, new, 1) + s[end:]
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ruleLine returns the line of the example policy's rule n.
func ruleLine(t *testing.T, dir, n string) int {
	t.Helper()
	return lineOf(t, dir, policyPath, `RuleId="urn:altinn:example:ruleid:`+n+`"`)
}

// denyOwnerWrite is a rule that forbids the service owner ttd to write.
const denyOwnerWrite = `  <xacml:Rule RuleId="urn:altinn:example:ruleid:deny" Effect="Deny">
    <xacml:Target>
      <xacml:AnyOf><xacml:AllOf>
        <xacml:Match MatchId="urn:oasis:names:tc:xacml:1.0:function:string-equal">
          <xacml:AttributeValue DataType="http://www.w3.org/2001/XMLSchema#string">ttd</xacml:AttributeValue>
          <xacml:AttributeDesignator AttributeId="urn:altinn:org" Category="urn:oasis:names:tc:xacml:1.0:subject-category:access-subject" DataType="http://www.w3.org/2001/XMLSchema#string" MustBePresent="false" />
        </xacml:Match>
      </xacml:AllOf></xacml:AnyOf>
      <xacml:AnyOf><xacml:AllOf>
        <xacml:Match MatchId="urn:oasis:names:tc:xacml:3.0:function:string-equal-ignore-case">
          <xacml:AttributeValue DataType="http://www.w3.org/2001/XMLSchema#string">write</xacml:AttributeValue>
          <xacml:AttributeDesignator AttributeId="urn:oasis:names:tc:xacml:1.0:action:action-id" Category="urn:oasis:names:tc:xacml:3.0:attribute-category:action" DataType="http://www.w3.org/2001/XMLSchema#string" MustBePresent="false" />
        </xacml:Match>
      </xacml:AllOf></xacml:AnyOf>
    </xacml:Target>
  </xacml:Rule>
`

// TestApp_Check_policyGrants covers the checks that policy.xml lets the app
// delegate what signees need (a), lets a party sign (b) and lets the
// service owner read and write the instance (c).
func TestApp_Check_policyGrants(t *testing.T) {
	t.Parallel()
	const (
		bpmn      = processPath
		meta      = metadataPath
		policy    = policyPath
		providers = "App/config/signing/signee-providers.json"
		delegate  = "SigningTask.delegation"
		party     = "SigningTask.signeeRights"
		owner     = "SigningTask.serviceOwnerRights"
	)
	useConfiguredProvider := func(t *testing.T, dir, actions string) {
		replace(t, dir, bpmn, "<altinn:signeeProviderId>founders</altinn:signeeProviderId>",
			"<altinn:signeeProviderId>founders-configured</altinn:signeeProviderId>")
		replace(t, dir, providers, `"dataType": "model",`, `"dataType": "model", "additionalActions": `+actions+`,`)
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		// want finds a finding; line is resolved by wantLine when set.
		want       []wantFinding
		wantLine   func(t *testing.T, dir string) int
		notFields  []string // fields no finding may have
		wantErrors int
	}{
		{
			name:       "delegation_subject_missing",
			mutate:     func(t *testing.T, dir string) { replace(t, dir, policy, "app_ttd_founders", "app_ttd_another-app") },
			want:       []wantFinding{{severity: Error, path: policy, field: delegate, message: `no rule has subject urn:altinn:resource:delegation = "app_ttd_founders", so access management refuses every delegation with AM.VLD-00004`}},
			wantErrors: 1,
		},
		{
			name:       "delegation_without_sign",
			mutate:     func(t *testing.T, dir string) { replaceInRule(t, dir, "5", ">sign<", ">signature<") },
			want:       []wantFinding{{severity: Error, path: policy, field: delegate, message: `lets the app delegate sign on task "SigningTask" of ttd/founders; access management answers 206 NotDelegated for it`}},
			wantLine:   func(t *testing.T, dir string) int { return ruleLine(t, dir, "5") },
			wantErrors: 1,
		},
		{
			name:       "delegation_for_misspelt_task",
			mutate:     func(t *testing.T, dir string) { replaceInRule(t, dir, "5", ">SigningTask<", ">SingingTask<") },
			want:       []wantFinding{{severity: Error, path: policy, field: delegate, message: `lets the app delegate read and sign on task "SigningTask"`}},
			wantLine:   func(t *testing.T, dir string) int { return ruleLine(t, dir, "5") },
			wantErrors: 1,
		},
		{
			name:   "provider_additional_action_not_delegable",
			mutate: func(t *testing.T, dir string) { useConfiguredProvider(t, dir, `["approve", "reject"]`) },
			want: []wantFinding{{severity: Error, path: policy, field: delegate,
				message: `signee provider "founders-configured" (App/config/signing/signee-providers.json providers[0].additionalActions) delegates approve on task "SigningTask" as well`}},
			wantLine:   func(t *testing.T, dir string) int { return ruleLine(t, dir, "5") },
			wantErrors: 1,
		},
		{
			name:      "provider_additional_action_delegable",
			mutate:    func(t *testing.T, dir string) { useConfiguredProvider(t, dir, `["reject"]`) },
			notFields: []string{delegate},
		},
		{
			name: "policy_based_signing_needs_no_delegation_rule",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, bpmn, "<altinn:signeeProviderId>founders</altinn:signeeProviderId>", "")
				replace(t, dir, bpmn, "<altinn:signeeStatesDataTypeId>signeeState</altinn:signeeStatesDataTypeId>", "")
				replace(t, dir, policy, "app_ttd_founders", "app_ttd_another-app")
			},
			notFields: []string{delegate},
		},
		{
			name:   "no_party_may_sign",
			mutate: func(t *testing.T, dir string) { replaceInRule(t, dir, "2", ">sign<", ">signature<") },
			want: []wantFinding{{severity: Warning, path: policy, field: party,
				message: `no Permit rule gives a party (a subject such as urn:altinn:rolecode PRIV or DAGL) sign on task "SigningTask" of ttd/founders, which Storage's decision point asks for when a user signs`}},
		},
		{
			name: "party_rules_for_other_task",
			mutate: func(t *testing.T, dir string) {
				replaceInRule(t, dir, "2", ">SigningTask<", ">Task_9<")
				replaceInRule(t, dir, "1", ">read<", ">browse<")
			},
			want: []wantFinding{{severity: Warning, path: policy, field: party, message: `read and sign on task "SigningTask" of ttd/founders, which Storage's decision point asks for when a user reads the instance and signs`}},
		},
		{
			name:   "service_owner_without_write",
			mutate: func(t *testing.T, dir string) { replaceInRule(t, dir, "4", ">write<", ">update<") },
			want: []wantFinding{{severity: Error, path: policy, field: owner,
				message: `no Permit rule gives the service owner (subject urn:altinn:org = "ttd") write on task "SigningTask" of ttd/founders; the service must write the signing PDF ("signing-step-pdf")`}},
			wantLine:   func(t *testing.T, dir string) int { return ruleLine(t, dir, "4") },
			wantErrors: 1,
		},
		{
			name: "service_owner_write_not_needed_without_signing_pdf",
			mutate: func(t *testing.T, dir string) {
				replaceInRule(t, dir, "4", ">write<", ">update<")
				replace(t, dir, bpmn, "<altinn:signingPdfDataType>signing-step-pdf</altinn:signingPdfDataType>", "")
			},
			notFields: []string{owner},
		},
		{
			name: "service_owner_not_named",
			mutate: func(t *testing.T, dir string) {
				replaceInRule(t, dir, "4", `AttributeId="urn:altinn:org" Category="urn:oasis:names:tc:xacml:1.0:subject-category:access-subject"`,
					`AttributeId="urn:altinn:org-number" Category="urn:oasis:names:tc:xacml:1.0:subject-category:access-subject"`)
			},
			want:       []wantFinding{{severity: Error, path: policy, field: owner, message: `(subject urn:altinn:org = "ttd") read and write on task "SigningTask"`}},
			wantLine:   func(*testing.T, string) int { return 0 },
			wantErrors: 1,
		},
		{
			name: "service_owner_write_denied",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, policy, "  <xacml:ObligationExpressions>", denyOwnerWrite+"  <xacml:ObligationExpressions>")
			},
			want:       []wantFinding{{severity: Error, path: policy, field: owner, message: `write on task "SigningTask"`}},
			wantErrors: 1,
		},
		{
			name: "document_to_sign_needs_action",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "ref-data-as-pdf",`, `"id": "ref-data-as-pdf", "actionRequiredToRead": "restricted-read",`)
			},
			want: []wantFinding{{severity: Error, path: policy, field: owner,
				message: `restricted-read on task "SigningTask" of ttd/founders; the service must read data type "ref-data-as-pdf" (its actionRequiredToRead)`}},
			wantErrors: 1,
		},
		{
			name: "signing_pdf_needs_action",
			mutate: func(t *testing.T, dir string) {
				replace(t, dir, meta, `"id": "signing-step-pdf",`, `"id": "signing-step-pdf", "actionRequiredToWrite": "pdf-write",`)
			},
			want:       []wantFinding{{severity: Error, path: policy, field: owner, message: `pdf-write on task "SigningTask"`}},
			wantErrors: 1,
		},
		{
			name: "policy_missing",
			mutate: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(policy))); err != nil {
					t.Fatal(err)
				}
			},
			want:      []wantFinding{{severity: Warning, path: policy, field: "SigningTask.policy", message: "file is missing"}},
			notFields: []string{delegate, party, owner},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyExample(t)
			tt.mutate(t, dir)
			got := mustLoad(t, dir).Check()
			for _, w := range tt.want {
				if tt.wantLine != nil {
					w.line = tt.wantLine(t, dir)
				}
				if !slices.ContainsFunc(got, func(f Finding) bool { return w.matches(f) && (tt.wantLine == nil || f.Line == w.line) }) {
					t.Errorf("missing finding %+v; got:%s", w, formatFindings(got))
				}
			}
			for _, field := range tt.notFields {
				if slices.ContainsFunc(got, func(f Finding) bool { return f.Field == field }) {
					t.Errorf("unexpected finding for %s:%s", field, formatFindings(got))
				}
			}
			if errs, _ := Count(got); errs != tt.wantErrors {
				t.Errorf("got %d errors, want %d:%s", errs, tt.wantErrors, formatFindings(got))
			}
		})
	}
}

func TestPolicy_permits(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(exampleDir, filepath.FromSlash(policyPath)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	onlyDelegation := &Policy{target: p.target}
	for _, r := range p.Rules {
		if r.ID == "urn:altinn:example:ruleid:5" {
			onlyDelegation.Rules = append(onlyDelegation.Rules, r)
		}
	}
	if len(onlyDelegation.Rules) != 1 {
		t.Fatal("the example policy has no rule 5")
	}
	tests := []struct {
		name   string
		got    bool
		want   bool
		reason string
	}{
		{name: "party_signs_signing_task", got: p.permitsParty("ttd", "founders", "SigningTask", "sign"), want: true, reason: "rule 2 (PRIV, DAGL)"},
		{name: "party_reads_any_task", got: p.permitsParty("ttd", "founders", "Task_9", "read"), want: true, reason: "rule 1 names no task"},
		{name: "party_may_not_sign_other_task", got: p.permitsParty("ttd", "founders", "Task_9", "sign"), want: false, reason: "rule 2 names Task_1 and SigningTask"},
		{name: "party_rejects_signing_task", got: p.permitsParty("ttd", "founders", "SigningTask", "reject"), want: true, reason: "rule 3"},
		{name: "other_app_not_permitted", got: p.permitsParty("ttd", "other", "SigningTask", "sign"), want: false, reason: "no rule for ttd/other"},
		{name: "delegation_rule_is_no_party_rule", got: onlyDelegation.permitsParty("ttd", "founders", "SigningTask", "sign"), want: false, reason: "rule 5 names the app as delegation subject"},
		{name: "delegation_rule_is_no_owner_rule", got: onlyDelegation.permitsServiceOwner("ttd", "founders", "SigningTask", "read"), want: false, reason: "rule 5 names the app as delegation subject"},
		{name: "owner_writes", got: p.permitsServiceOwner("ttd", "founders", "SigningTask", "write"), want: true, reason: "rule 4"},
		{name: "owner_may_not_sign", got: p.permitsServiceOwner("ttd", "founders", "SigningTask", "sign"), want: false, reason: "rule 4 is read and write"},
		{name: "other_org_may_not_read", got: p.permitsServiceOwner("acme", "founders", "SigningTask", "read"), want: false, reason: "rule 4 names ttd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %v, want %v (%s)", tt.got, tt.want, tt.reason)
			}
		})
	}
}
