package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signingflow/signing/internal/platform/wire"
)

// DataRecord is one data element in storage.
type DataRecord struct {
	InstanceID        string    `json:"instanceId"`
	ID                string    `json:"id"`
	DataType          string    `json:"dataType"`
	ContentType       string    `json:"contentType"`
	Filename          string    `json:"filename,omitempty"`
	Size              int64     `json:"size"`
	SHA256            string    `json:"sha256"`
	GeneratedFromTask string    `json:"generatedFromTask,omitempty"`
	Created           time.Time `json:"created"`
	LastChanged       time.Time `json:"lastChanged"`
	// Source is "fixture" or "api" (created through storage).
	Source         string `json:"source"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// Bytes is the content; the HTTP listing includes it only with ?bytes=true.
	Bytes []byte `json:"bytes,omitempty"`
}

// Delegations returns the rights in force, oldest first.
func (e *Emulator) Delegations() []DelegationRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.st.delegations)
}

// Messages returns the correspondences sent, oldest first.
func (e *Emulator) Messages() []MessageRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]MessageRecord, len(e.st.messages))
	for i, m := range e.st.messages {
		m.Attachments = cloneAttachments(m.Attachments)
		m.NotificationOrders = slices.Clone(m.NotificationOrders)
		if m.Notification != nil {
			n := *m.Notification
			n.CustomRecipients = slices.Clone(n.CustomRecipients)
			m.Notification = &n
		}
		out[i] = m
	}
	return out
}

// Notifications returns the notification orders, oldest first.
func (e *Emulator) Notifications() []NotificationRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]NotificationRecord, len(e.st.notifications))
	for i, n := range e.st.notifications {
		n.Recipients = slices.Clone(n.Recipients)
		out[i] = n
	}
	return out
}

// Data returns every data element of every instance, with bytes, ordered by
// instance and position.
func (e *Emulator) Data() []DataRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	guids := make([]string, 0, len(e.st.instances))
	for g := range e.st.instances {
		guids = append(guids, g)
	}
	slices.Sort(guids)
	var out []DataRecord
	for _, g := range guids {
		for _, el := range e.st.instances[g].data {
			out = append(out, el.record())
		}
	}
	return out
}

func (el *element) record() DataRecord {
	sum := sha256.Sum256(el.bytes)
	return DataRecord{
		InstanceID: el.instanceID, ID: el.meta.ID, DataType: el.meta.DataType, ContentType: el.meta.ContentType,
		Filename: el.meta.Filename, Size: el.meta.Size, SHA256: hex.EncodeToString(sum[:]),
		GeneratedFromTask: el.meta.GeneratedFromTask(), Created: el.meta.Created, LastChanged: el.meta.LastChanged,
		Source: el.source, Bytes: append([]byte(nil), el.bytes...),
	}
}

// Instance returns the storage view of an instance.
func (e *Emulator) Instance(partyID int64, instanceGUID string) (wire.Instance, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.st.instances[strings.ToLower(instanceGUID)]
	if !ok || in.PartyID != partyID {
		return wire.Instance{}, false
	}
	return in.wire(), true
}

// SetCurrentTask moves an instance's process to task of the Altinn task
// type taskType, e.g. "data" or "signing" (task "" ends it), as the process
// engine would.
func (e *Emulator) SetCurrentTask(partyID int64, instanceGUID, task, taskType string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.st.instances[strings.ToLower(instanceGUID)]
	if !ok || in.PartyID != partyID {
		return false
	}
	in.CurrentTask, in.CurrentTaskType = task, taskType
	if task == "" {
		in.CurrentTaskType = ""
	}
	in.LastChanged = e.now()
	return true
}

// ChangeData replaces the bytes of a data element, as an app's or a
// person's write to it through Storage would after the element was signed
// (Storage's PUT …/data/{dataGuid}, which the service never calls and the
// emulator does not serve): a test hook for checks that signed data is
// still what was signed. It reports whether the element exists.
func (e *Emulator) ChangeData(instanceGUID, dataID string, body []byte) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	el, ok := e.st.elements[strings.ToLower(dataID)]
	if !ok || !strings.HasSuffix(el.instanceID, strings.ToLower(instanceGUID)) {
		return false
	}
	el.bytes = append([]byte(nil), body...)
	el.meta.Size = int64(len(body))
	el.meta.LastChanged = e.now()
	return true
}

// inspection serves the /_emulator endpoints; they need no token.
func (e *Emulator) inspection(mux *http.ServeMux) {
	get := func(pattern string, f func(r *http.Request) any) {
		mux.HandleFunc("GET "+pattern, func(w http.ResponseWriter, r *http.Request) {
			jsonReply(http.StatusOK, f(r)).write(w)
		})
	}
	get("/_emulator/delegations", func(*http.Request) any { return e.Delegations() })
	get("/_emulator/messages", func(*http.Request) any { return e.Messages() })
	get("/_emulator/notifications", func(*http.Request) any { return e.Notifications() })
	get("/_emulator/data", func(r *http.Request) any {
		recs := e.Data()
		if withBytes, _ := strconv.ParseBool(r.URL.Query().Get("bytes")); !withBytes {
			for i := range recs {
				recs[i].Bytes = nil
			}
		}
		if recs == nil {
			recs = []DataRecord{}
		}
		return recs
	})
	get("/_emulator/faults", func(*http.Request) any { return e.Faults() })
	get("/_emulator/calls", func(*http.Request) any {
		e.mu.Lock()
		defer e.mu.Unlock()
		out := map[string]int{}
		for _, op := range Operations {
			out[op] = e.calls[op]
		}
		return out
	})
	mux.HandleFunc("POST /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			problemReply(http.StatusBadRequest, wire.CodeInvalidJSON, jsonProblem(err), nil).write(w)
			return
		}
		if err := e.InjectFault(f); err != nil {
			problemReply(http.StatusBadRequest, wire.CodeValidation, err.Error(), nil).write(w)
			return
		}
		jsonReply(http.StatusCreated, e.Faults()).write(w)
	})
	mux.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		e.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_emulator/reset", func(w http.ResponseWriter, r *http.Request) {
		e.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
}
