package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServeEmulator(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- serveEmulator(ctx, []string{"-addr", "127.0.0.1:0"}, &stdout, &stderr) }()

	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if out := stdout.String(); strings.Contains(out, "listening on ") {
			url = strings.TrimSpace(out[strings.Index(out, "listening on ")+len("listening on "):])
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("emulator did not report its address; stderr: %s", stderr.String())
	}
	resp, err := http.Get(url + "/_emulator/delegations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /_emulator/delegations = %d %s", resp.StatusCode, body)
	}
	cancel()
	if got := <-done; got != 0 {
		t.Errorf("exit status = %d, want 0; stderr: %s", got, stderr.String())
	}
}

func TestServeEmulator_badUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "extra_argument", args: []string{"extra"}, want: 2},
		{name: "missing_fixture", args: []string{"-fixture", "/nonexistent/fixture.json"}, want: 2},
		{name: "non_loopback_address", args: []string{"-addr", "192.0.2.1:0"}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if got := serveEmulator(context.Background(), tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("serveEmulator(%v) = %d, want %d; stderr: %s", tt.args, got, tt.want, stderr.String())
			}
		})
	}
}
