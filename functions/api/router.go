package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
)

// instancePrefix is the path of one instance, as in the reference's routes.
const instancePrefix = "/{org}/{app}/instances/{instanceOwnerPartyId}/{instanceGuid}"

// route is one method and path pattern with its handler. A pattern segment
// in braces matches any one non-empty path segment and names it.
type route struct {
	method  string
	pattern string
	handle  func(h *Handler, ctx context.Context, r *request) (int, any, error)
	// segments is pattern split at "/", filled by newRouter.
	segments []string
}

// routeTable returns the API's routes. api/openapi.yaml documents exactly
// these (a test checks it), and template.yaml routes them to this function.
func routeTable() []route {
	return []route{
		{method: "POST", pattern: instancePrefix + "/actions", handle: (*Handler).actions},
		{method: "PUT", pattern: instancePrefix + "/process/next", handle: (*Handler).processNext},
		{method: "GET", pattern: instancePrefix + "/signing", handle: (*Handler).signingState},
		{method: "GET", pattern: instancePrefix + "/signing/data-elements", handle: (*Handler).dataElements},
		{method: "GET", pattern: instancePrefix + "/signing/organizations", handle: (*Handler).organizations},
		{method: "GET", pattern: instancePrefix + "/validate", handle: (*Handler).validate},
		{method: "POST", pattern: instancePrefix + "/signing/cancel", handle: (*Handler).cancel},
		{method: "POST", pattern: instancePrefix + "/signing/deadline", handle: (*Handler).extendDeadline},
		{method: "POST", pattern: instancePrefix + "/signing/signees/{signeeKey}/remind", handle: (*Handler).resend},
		{method: "PUT", pattern: instancePrefix + "/signing/signees/{signeeKey}", handle: (*Handler).replaceSignee},
		{method: "GET", pattern: instancePrefix + "/signing/audit", handle: (*Handler).auditTrail},
		{method: "GET", pattern: instancePrefix + "/signing/events", handle: (*Handler).events},
		{method: "POST", pattern: instancePrefix + "/signing/events/replay", handle: (*Handler).replayEvents},
		{method: "GET", pattern: instancePrefix + "/signing/evidence", handle: (*Handler).evidence},
		{method: "POST", pattern: instancePrefix + "/signing/verify", handle: (*Handler).verify},
		{method: "GET", pattern: "/signing-requests", handle: (*Handler).signingRequests},
	}
}

// Routes returns the routes as "METHOD /pattern", e.g. for template.yaml.
func Routes() []string {
	var out []string
	for _, rt := range routeTable() {
		out = append(out, rt.method+" "+rt.pattern)
	}
	return out
}

// router matches a method and a raw path to a route.
type router struct{ routes []route }

func newRouter() router {
	rs := routeTable()
	for i := range rs {
		rs[i].segments = strings.Split(strings.TrimPrefix(rs[i].pattern, "/"), "/")
	}
	return router{routes: rs}
}

// match finds the route for method and rawPath. It returns the route and its
// path parameters (percent-decoded); allowed lists the methods of the routes
// whose pattern matches when none matches the method too. A segment that is
// not valid percent-encoding does not match.
func (rt router) match(method, rawPath string) (r *route, params map[string]string, allowed []string) {
	if !strings.HasPrefix(rawPath, "/") {
		return nil, nil, nil
	}
	segs := strings.Split(rawPath[1:], "/")
	for i := range rt.routes {
		cand := &rt.routes[i]
		p, ok := matchSegments(cand.segments, segs)
		if !ok {
			continue
		}
		if cand.method != method {
			if !slices.Contains(allowed, cand.method) {
				allowed = append(allowed, cand.method)
			}
			continue
		}
		return cand, p, nil
	}
	return nil, nil, allowed
}

// matchSegments matches path segments against a pattern's segments.
func matchSegments(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, ps := range pattern {
		seg, err := url.PathUnescape(segs[i])
		if err != nil || seg == "" {
			return nil, false
		}
		if strings.HasPrefix(ps, "{") && strings.HasSuffix(ps, "}") {
			params[ps[1:len(ps)-1]] = seg
			continue
		}
		if seg != ps {
			return nil, false
		}
	}
	return params, true
}
