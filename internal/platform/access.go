package platform

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/signingflow/signing/internal/platform/wire"
	"github.com/signingflow/signing/internal/signing"
)

var actionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.:-]{0,99}$`) })

// AccessClient delegates and revokes instance rights in access management's
// app instance delegation API (Altinn/altinn-authorization-tmp
// src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement/Controllers/ResourceOwnerAPI/AppsInstanceDelegationController.cs).
// It calls as app-lib does (Altinn/app-lib-dotnet
// src/Altinn.App.Core/Infrastructure/Clients/AccessManagement/AccessManagementClient.cs):
// the PlatformAccessToken header alone authenticates the app, so neither a
// bearer token nor Ocp-Apim-Subscription-Key is sent. Both calls are
// idempotent on the platform side: delegating what is in force and
// revoking what is not are no-ops
// (src/apps/Altinn.AccessManagement/src/Altinn.AccessManagement.Core/Services/PolicyAdministrationPoint.cs).
type AccessClient struct {
	s *service
}

var _ signing.AccessManagement = (*AccessClient)(nil)

// NewAccessClient returns a client for Config.AccessURL.
func NewAccessClient(c Config) (*AccessClient, error) {
	s, err := c.newService("access", "AccessURL", c.AccessURL)
	if err = c.requirePlatformTokens(err); err != nil {
		return nil, err
	}
	return &AccessClient{s: s}, nil
}

// Delegate grants d.Actions (in order, duplicates dropped) on d's instance
// task from the owner to the signee. Access management answers 200 when
// every right is Delegated and 206 when some are NotDelegated (an action
// the app's policy does not let it delegate); such a right is a
// *PermanentError matching signing.ErrForbidden (the other rights are
// delegated; delegating them again is a no-op). A 400 names access
// management's validation code, e.g. AM.VLD-00001 for an unknown party.
func (c *AccessClient) Delegate(ctx context.Context, d signing.Delegation) error {
	return c.call(ctx, "delegate", "delegations", d, wire.RightDelegated)
}

// Revoke withdraws the same rights; revoking rights not in force succeeds.
// A right reported NotRevoked is a *PermanentError matching signing.ErrForbidden.
func (c *AccessClient) Revoke(ctx context.Context, d signing.Delegation) error {
	return c.call(ctx, "revoke", "delegationrevoke", d, wire.RightRevoked)
}

func (c *AccessClient) call(ctx context.Context, op, route string, d signing.Delegation, okStatus string) error {
	body, err := delegationBody(d)
	if err != nil {
		return c.s.invalidRequest(op, err)
	}
	var resp wire.DelegationResponse
	status, err := c.s.doJSONStatus(ctx, request{
		op: op, method: http.MethodPost, platformToken: true, noBearer: true, noSubscriptionKey: true,
		path:        []string{"app", route, "resource", d.Instance.ResourceID(), "instance", d.Instance.InstanceGUID},
		body:        body,
		contentType: "application/json",
	}, &resp)
	if err != nil {
		return err
	}
	for _, r := range resp.Rights {
		if r.Status == "" || strings.EqualFold(r.Status, okStatus) ||
			(okStatus == wire.RightRevoked && strings.EqualFold(r.Status, wire.RightNotDelegated)) {
			continue
		}
		return &PermanentError{Service: c.s.name, Operation: op, Status: status, Code: "Right" + clean(r.Status, 50),
			Detail: fmt.Sprintf("action %q on task %q: %s", clean(r.Action.Value, 100), clean(d.TaskID, 128), clean(r.Status, 50)),
			Err:    signing.ErrForbidden}
	}
	if status == http.StatusPartialContent {
		// 206 means some right failed, even if the body does not say which.
		return &PermanentError{Service: c.s.name, Operation: op, Status: status, Code: "PartialContent",
			Detail: "access management did not " + op + " every right", Err: signing.ErrForbidden}
	}
	return nil
}

// delegationBody validates d and marshals the request body.
func delegationBody(d signing.Delegation) ([]byte, error) {
	var errs signing.FieldErrors
	if err := d.Instance.Validate(); err != nil {
		errs.Add("instance", "%v", err)
	}
	if !actionPattern().MatchString(d.TaskID) {
		errs.Add("taskId", "must be a task ID")
	}
	if !guidPattern().MatchString(d.FromPartyUUID) {
		errs.Add("fromPartyUuid", "must be a party UUID")
	}
	if !guidPattern().MatchString(d.ToPartyUUID) {
		errs.Add("toPartyUuid", "must be a party UUID")
	}
	if len(d.Actions) == 0 {
		errs.Add("actions", "must list at least one action")
	}
	var rights []wire.Right
	seen := map[string]bool{}
	for i, a := range d.Actions {
		if !actionPattern().MatchString(a) {
			errs.Add(fmt.Sprintf("actions[%d]", i), "must be an action name")
			continue
		}
		if seen[a] {
			continue
		}
		seen[a] = true
		rights = append(rights, wire.TaskRight(d.Instance.Org, d.Instance.App, d.TaskID, a))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return marshal(wire.DelegationRequest{
		From:   wire.Attribute{Type: wire.TypePartyUUID, Value: strings.ToLower(d.FromPartyUUID)},
		To:     wire.Attribute{Type: wire.TypePartyUUID, Value: strings.ToLower(d.ToPartyUUID)},
		Rights: rights,
	})
}
