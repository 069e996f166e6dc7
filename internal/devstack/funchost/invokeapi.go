package funchost

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Handler serves the Lambda Invoke API (POST
// /2015-03-31/functions/{name}/invocations) for the edge: RequestResponse
// (the default), Event (queued, 202) and DryRun (204) invocation types,
// X-Amz-Function-Error on function errors, X-Amz-Log-Result with LogType
// Tail, and Lambda's error shapes for unknown functions and oversized
// payloads.
func (h *Host) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", h.serveInvoke)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "the local function host serves only Invoke")
	})
	return mux
}

func (h *Host) serveInvoke(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if q := r.URL.Query().Get("Qualifier"); q != "" && q != "$LATEST" {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("Function not found: %s:%s (the local stack runs $LATEST only)", name, q))
		return
	}
	f, err := h.lookup(name)
	if err != nil {
		if errors.Is(err, ErrClosed) {
			lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
			return
		}
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) > MaxPayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload))
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
	case "Event":
		id, err := h.InvokeAsync(f.def.Name, payload)
		if err != nil {
			lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
			return
		}
		w.Header().Set("X-Amzn-RequestId", id)
		w.WriteHeader(http.StatusAccepted)
		return
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "unknown InvocationType "+typ)
		return
	}
	var opts InvokeOptions
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		if b, err := base64.StdEncoding.DecodeString(cc); err == nil {
			opts.ClientContext = string(b)
		}
	}
	if tr := r.Header.Get("X-Amzn-Trace-Id"); tr != "" {
		opts.TraceID = tr
	}
	res, err := f.invoke(r.Context(), payload, opts)
	if err != nil {
		lambdaError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
		return
	}
	w.Header().Set("X-Amzn-RequestId", res.RequestID)
	if res.FunctionError != "" {
		w.Header().Set("X-Amz-Function-Error", res.FunctionError)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Log-Type"), "Tail") {
		out := f.out.tail.String()
		if len(out) > 4096 {
			out = out[len(out)-4096:]
		}
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(out)))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(res.Payload)
}

// lambdaError answers in the Lambda API's (REST-JSON) error shape.
func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
