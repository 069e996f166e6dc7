package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signingflow/signing/internal/signing"
	"github.com/signingflow/signing/internal/signingtest"
)

// TestHandler_racedOperationsNameTheState races pairs of operations on one
// task many times. Whichever wins, the loser's refusal names the state the
// task ended in (task-rejected for a rejected task, task-closed for a
// completed one, missing-signatures while one is missing), never a name
// that depends on when it looked.
func TestHandler_racedOperationsNameTheState(t *testing.T) {
	t.Parallel()
	call := func(event, who, body string) func(t *testing.T) events.APIGatewayV2HTTPRequest {
		return func(t *testing.T) events.APIGatewayV2HTTPRequest {
			return frontendCall(t, event, who, "language=nb", body)
		}
	}
	pairs := []struct {
		name string
		// signed is how many of the three signees sign before the race.
		signed int
		a, b   func(t *testing.T) events.APIGatewayV2HTTPRequest
	}{
		{"sign_vs_reject", 0, call("api-sign", "ola", `{"action":"sign"}`), call("api-process-next", "kari", `{"action":"reject"}`)},
		{"last_sign_vs_complete", 2, call("api-sign", "ola", `{"action":"sign"}`), call("api-process-next", "kari", "null")},
		{"reject_vs_complete", 3, call("api-process-next", "kari", `{"action":"reject"}`), call("api-process-next", "kari", "null")},
	}
	// want is the problem a refused operation must carry for the task's final state.
	want := func(final signing.TaskStatus, resp events.APIGatewayV2HTTPResponse) string {
		switch {
		case final == signing.TaskRejected:
			return "task-rejected"
		case final == signing.TaskCompleted:
			return "task-closed"
		case strings.Contains(resp.Body, "missing-signatures"):
			return "missing-signatures"
		}
		return "task-closed"
	}
	const rounds = 15
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			for range rounds {
				e := newEnv(t)
				signers := []struct {
					who func(*testing.T) signing.Caller
					org string
				}{{signingtest.Kari, ""}, {signingtest.Kari, signingtest.CompanyOrg}, {signingtest.Ola, ""}}
				for _, s := range signers[:p.signed] {
					if _, err := e.h.Svc.Sign(context.Background(), signing.SignInput{Task: signingtest.FoundersTask, Caller: s.who(t), OnBehalfOf: s.org}); err != nil {
						t.Fatal(err)
					}
				}
				evA, evB := p.a(t), p.b(t)
				var respA, respB events.APIGatewayV2HTTPResponse
				var wg sync.WaitGroup
				wg.Go(func() { respA, _ = e.handler.Handle(context.Background(), evA) })
				wg.Go(func() { respB, _ = e.handler.Handle(context.Background(), evB) })
				wg.Wait()
				task, err := e.h.Repo.GetTask(context.Background(), signingtest.FoundersTask)
				if err != nil {
					t.Fatal(err)
				}
				for _, resp := range []events.APIGatewayV2HTTPResponse{respA, respB} {
					if resp.StatusCode == http.StatusOK {
						continue
					}
					if resp.StatusCode != http.StatusConflict {
						t.Fatalf("refusal %d %s, want 409", resp.StatusCode, resp.Body)
					}
					if w := want(task.Status, resp); !strings.Contains(resp.Body, "/problems/"+w+`"`) {
						t.Errorf("task ended %s; a refusal says %s, want %s", task.Status, resp.Body, w)
					}
				}
			}
		})
	}
}
