package funchost

import (
	"bytes"
	"io"
	"sync"

	"github.com/signingflow/signing/internal/devstack/proc"
)

// prefixWriter copies whole lines to w with "[name] " in front, and keeps a
// tail of everything for Output.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
	tail   *proc.Tail
}

func newPrefixWriter(w io.Writer, name string) *prefixWriter {
	return &prefixWriter{w: w, prefix: []byte("[" + name + "] "), tail: proc.NewTail(32 << 10)}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	_, _ = p.tail.Write(b)
	if p.w == nil {
		return len(b), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := append(append([]byte(nil), p.prefix...), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return len(b), nil
		}
	}
	return len(b), nil
}
