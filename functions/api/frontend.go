package main

import (
	"context"
	"net/http"
	"strings"

	"github.com/signingflow/signing/internal/signing"
)

// The answers Altinn's app frontend reads, in the shapes its own schemas
// accept (app-frontend-react src/layout/SigneeList/api.ts,
// src/layout/SigningDocumentList/api.ts, src/layout/SigningActions/api.ts,
// src/features/instance/useProcessNext.tsx) and the reference sends
// (Altinn/app-lib-dotnet src/Altinn.App.Api/Controllers/SigningController.cs,
// ProcessController.cs, ValidateController.cs).

// validationIssue is the reference's ValidationIssueWithSource
// (src/Altinn.App.Core/Models/Validation/ValidationIssueWithSource.cs).
type validationIssue struct {
	// Severity is 1 for an error.
	Severity             int     `json:"severity"`
	DataElementID        *string `json:"dataElementId"`
	Field                *string `json:"field"`
	Code                 string  `json:"code"`
	Description          string  `json:"description"`
	Source               string  `json:"source"`
	NoIncrementalUpdates bool    `json:"noIncrementalUpdates"`
	CustomTextKey        *string `json:"customTextKey"`
}

// Severity of an error, the reference's ValidationIssueSeverity.Error.
const severityError = 1

// missingSignaturesSource is the source the reference's signing-task
// validator reports under: its type's full name and "*", the task ID it
// declares (src/Altinn.App.Core/Features/IValidator.cs ValidationSource).
const missingSignaturesSource = "Altinn.App.Core.Features.Validation.Default.SigningTaskValidator-*"

// missingSignaturesIssue is the reference's MissingSignatures issue with its
// description in the language asked for: Norwegian bokmål by default, as
// the reference's SigningTaskValidator.
func missingSignaturesIssue(language string) validationIssue {
	desc := "Det mangler påkrevde signaturer."
	switch strings.ToLower(language) {
	case "", "nb":
	case "nn":
		desc = "Det manglar påkravde signaturar."
	default:
		desc = "Required signatures are missing."
	}
	return validationIssue{
		Severity: severityError, Code: "MissingSignatures", Description: desc,
		Source: missingSignaturesSource, NoIncrementalUpdates: true,
	}
}

// validate serves GET …/validate for a signing task: the signing task's
// validation issues, a list that is empty when nothing is missing.
func (h *Handler) validate(ctx context.Context, r *request) (int, any, error) {
	missing, err := h.svc.MissingSignatures(ctx, r.readInput())
	if err != nil {
		return 0, nil, err
	}
	issues := []validationIssue{}
	if missing {
		issues = append(issues, missingSignaturesIssue(r.query.Get("language")))
	}
	return http.StatusOK, issues, nil
}

// signingDataElement is a data element to sign as the reference sends it:
// Storage's element with selfLinks.apps set to the app's own link to it
// (src/Altinn.App.Core/Helpers/SelfLinkHelper.cs SetDataAppSelfLinks).
type signingDataElement struct {
	signing.DataElement
	InstanceGUID string    `json:"instanceGuid"`
	SelfLinks    selfLinks `json:"selfLinks"`
}

type selfLinks struct {
	Apps string `json:"apps"`
}

// appsBase is the base of the app's links, as the reference builds them:
// https, the request's host, and the path up to "/instances".
func appsBase(r *request) string {
	host := r.header("Host")
	if host == "" {
		host = r.ev.RequestContext.DomainName
	}
	_, path := requestLine(r.ev)
	if i := strings.Index(strings.ToLower(path), "/instances"); i > 0 {
		path = path[:i]
	}
	return "https://" + host + path + "/instances"
}

// signingDataElements adds the links the frontend opens each document by.
func signingDataElements(r *request, els []signing.DataElement) []signingDataElement {
	base := appsBase(r) + "/" + r.params["instanceOwnerPartyId"] + "/" + r.instance.InstanceGUID + "/data/"
	out := make([]signingDataElement, 0, len(els))
	for _, el := range els {
		if el.Tags == nil {
			el.Tags = []string{}
		}
		out = append(out, signingDataElement{DataElement: el, InstanceGUID: r.instance.InstanceGUID, SelfLinks: selfLinks{Apps: base + el.ID}})
	}
	return out
}

// appProcessState is the reference's AppProcessState: Storage's process
// state with the current task's actions and access
// (src/Altinn.App.Core/Internal/Process/Elements/AppProcessState.cs,
// AppProcessElementInfo.cs). The frontend reads currentTask.elementId or
// ended to go on, and fetches the process again at once.
type appProcessState struct {
	*signing.Process
	CurrentTask *appProcessTask `json:"currentTask"`
	// The signing operation done, beyond the reference's shape.
	Action    string            `json:"action"`
	Task      taskSummary       `json:"task"`
	Signature *signatureSummary `json:"signature,omitempty"`
}

type appProcessTask struct {
	*signing.ProcessTask
	// Actions and UserActions are left to the app's GET …/process, which
	// the frontend calls next: this API does not know the app's policy.
	Actions     map[string]bool `json:"actions"`
	UserActions []any           `json:"userActions"`
	Read        bool            `json:"read"`
	Write       bool            `json:"write"`
	ElementType string          `json:"elementType"`
}

// processState answers process/next with the instance's process as Storage
// has it after the operation, which leaves it where it was.
func (h *Handler) processState(ctx context.Context, r *request, action string, task taskSummary, sig *signatureSummary) (int, any, error) {
	out := appProcessState{Process: &signing.Process{}, Action: action, Task: task, Signature: sig}
	// Sign, reject and complete do not move the process (the process engine
	// does, when the workflow ends), so the instance read to find the task
	// is still current; it is read only when the request named its task.
	var inst signing.Instance
	if r.current != nil {
		inst = *r.current
	} else if got, err := h.svc.ReadInstance(ctx, r.instance); err != nil {
		// The operation stands; the frontend fetches the process next anyway.
		r.log.WarnContext(ctx, "process state not read after process/next", "error", err.Error())
	} else {
		inst = got
	}
	if inst.Process != nil {
		out.Process = inst.Process
	}
	if t := out.Process.CurrentTask; t != nil {
		// The caller acted on the task: they may read it; a signing task has no data to write.
		out.CurrentTask = &appProcessTask{ProcessTask: t, Actions: map[string]bool{}, UserActions: []any{}, Read: true, ElementType: "Task"}
	}
	return http.StatusOK, out, nil
}
