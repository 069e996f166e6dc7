package appconfig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxXMLDepth bounds element nesting so hostile input cannot exhaust the stack.
const maxXMLDepth = 256

// xmlNode is one element of a parsed XML document.
type xmlNode struct {
	name     xml.Name // Space is the namespace URI (or an undeclared prefix)
	attrs    []xml.Attr
	text     string // concatenated character data directly inside the element
	raw      []byte // text while the element is open
	children []*xmlNode
	line     int // line of the start tag
}

// attr returns the value of the attribute with the given local name and no namespace.
func (n *xmlNode) attr(local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// is reports whether the element has the given namespace URI and local name.
func (n *xmlNode) is(space, local string) bool {
	return n.name.Space == space && n.name.Local == local
}

// walk calls fn for n and every element below it in document order.
func (n *xmlNode) walk(fn func(*xmlNode)) {
	stack := []*xmlNode{n}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		fn(cur)
		for i := len(cur.children) - 1; i >= 0; i-- {
			stack = append(stack, cur.children[i])
		}
	}
}

// xmlError describes a malformed document and the line it was detected on.
type xmlError struct {
	line int
	msg  string
}

// parseXML parses data into an element tree, resolving namespace prefixes
// to URIs. It returns a non-nil *xmlError when data is not well-formed.
func parseXML(data []byte) (*xmlNode, *xmlError) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var root *xmlNode
	var stack []*xmlNode
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &xmlError{line: se.Line, msg: strings.TrimPrefix(se.Msg, "xml: ")}
			}
			l, _ := d.InputPos()
			return nil, &xmlError{line: l, msg: strings.TrimPrefix(err.Error(), "xml: ")}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, &xmlError{line: line, msg: fmt.Sprintf("elements nested deeper than %d levels", maxXMLDepth)}
			}
			n := &xmlNode{name: t.Name, attrs: t.Copy().Attr, line: line}
			switch {
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			case root != nil:
				return nil, &xmlError{line: line, msg: fmt.Sprintf("second root element <%s>", t.Name.Local)}
			default:
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			// The decoder guarantees start and end tags match.
			n := stack[len(stack)-1]
			n.text, n.raw = string(n.raw), nil
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				n.raw = append(n.raw, t...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, &xmlError{line: line, msg: "text outside the root element"}
			}
		}
	}
	if root == nil {
		l, _ := d.InputPos()
		return nil, &xmlError{line: l, msg: "no root element"}
	}
	return root, nil
}
