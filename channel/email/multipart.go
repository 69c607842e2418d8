package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/caseagent/caseagent/channel"

	"github.com/jhillyerd/enmime"
	"github.com/jhillyerd/enmime/mediatype"
)

// The default limits on the structure of a message. Mail people write has
// a few dozen parts at most, nested a few levels deep, with a few hundred
// header fields in all; the limits leave room for machine-made mail ten
// times that size while bounding the work of any one message.
const (
	DefaultMaxParts   = 1000
	DefaultMaxDepth   = 20
	DefaultMaxHeaders = 10000
)

// ErrTooComplex is what a LimitError matches: a message whose structure
// is over one of the parser's limits (parts, nesting, header fields).
var ErrTooComplex = errors.New("email: message structure over the limits")

// LimitError reports a message refused because its structure is over one
// of the parser's limits (see WithMaxParts, WithMaxDepth and
// WithMaxHeaders). It matches ErrTooComplex and channel.ErrTooLarge with
// errors.Is. It is immutable, safe to share.
type LimitError struct {
	// What names the limit: "parts", "nesting depth" or "header fields".
	What string
	// Limit is the limit the message went over.
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("email: message over the limit on %s (%d)", e.What, e.Limit)
}

// Unwrap returns ErrTooComplex and channel.ErrTooLarge.
func (e *LimitError) Unwrap() []error { return []error{ErrTooComplex, channel.ErrTooLarge} }

// budget is what is left of a message's limits while it is read.
type budget struct {
	parts, fields int
	maxDepth      int
	p             *Parser
}

func (b *budget) spendPart() error {
	if b.parts--; b.parts < 0 {
		return &LimitError{What: "parts", Limit: b.p.maxParts}
	}
	return nil
}

func (b *budget) spendFields(head []byte) error {
	if b.fields -= countFields(head); b.fields < 0 {
		return &LimitError{What: "header fields", Limit: b.p.maxHeaders}
	}
	return nil
}

// countFields counts the header fields of a header: its lines that are
// neither continuations nor blank.
func countFields(head []byte) int {
	n := 0
	for len(head) > 0 {
		if c := head[0]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			n++
		}
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		head = head[i+1:]
	}
	return n
}

// readParts reads the MIME tree of raw, in time linear in its size. Only
// the boundaries of well-formed multiparts are found here, with a byte
// search, because enmime's boundary reader examines one byte at a time,
// appends each part by walking its siblings (quadratic in the number of
// parts) and stacks a reader per level (quadratic in the depth); enmime
// reads the headers and the leaf parts. The limits on parts, depth and
// header fields are checked as the tree is read. A multipart that is not
// well-formed (no closing boundary, no parts) is read entirely by enmime,
// which knows how to salvage it, but only after a scan of the raw bytes
// shows that it cannot hold more parts, containers or header fields than
// the limits allow.
func (p *Parser) readParts(raw []byte) (*enmime.Part, error) {
	b := &budget{parts: p.maxParts, fields: p.maxHeaders, maxDepth: p.maxDepth, p: p}
	head := headOf(raw)
	if head == nil {
		head = raw
	}
	if n := countFields(head); n > p.maxHeaders {
		return nil, &LimitError{What: "header fields", Limit: p.maxHeaders}
	}
	if !p.slowMIME && multipartBoundary(head) != "" {
		root, err := p.splitMultipart(raw, "0", 0, b)
		if err != nil {
			return nil, err
		}
		if root != nil {
			return root, nil
		}
	}
	if root := p.singlePart(raw); root != nil {
		return root, nil
	}
	if err := p.roughLimits(raw); err != nil {
		return nil, err
	}
	return p.mime.ReadParts(bytes.NewReader(raw))
}

// singlePart reads a message, or a part, that is one text or binary
// part: enmime reads the header, given an empty body, and the body is
// raw's own, not a copy grown a piece at a time. It returns nil for
// anything else.
func (p *Parser) singlePart(raw []byte) *enmime.Part {
	if p.slowMIME {
		return nil
	}
	head, body, ok := splitHeader(raw)
	if !ok || bytes.Contains(head, []byte("ultipart")) || bytes.Contains(head, []byte("ULTIPART")) {
		return nil
	}
	shell := make([]byte, 0, len(head)+2)
	shell = append(append(shell, head...), '\r', '\n')
	root, err := p.mime.ReadParts(bytes.NewReader(shell))
	if err != nil || root == nil || root.FirstChild != nil || len(root.Content) != 0 || strings.HasPrefix(root.ContentType, "multipart/") {
		return nil
	}
	root.Content = body
	return root
}

// roughLimits bounds what enmime may find in raw by counting, in one
// pass, the lines that could be part delimiters, the multipart containers
// declared and the lines that could be header fields. Each count is at
// least what it bounds, so a message within the limits is never refused
// here when it holds no more than the limit of any of them; a malformed
// message with more is refused rather than read at a cost that grows
// faster than its size.
func (p *Parser) roughLimits(raw []byte) error {
	if !bytes.Contains(raw, []byte("ultipart")) && !bytes.Contains(raw, []byte("ULTIPART")) {
		return nil // one part: enmime reads the header and keeps the body
	}
	delims, containers, fields := 0, 0, 0
	for line := range bytes.Lines(raw) {
		switch {
		case bytes.HasPrefix(line, []byte("--")):
			delims++
		case len(line) > 0 && line[0] != ' ' && line[0] != '\t' && bytes.IndexByte(line, ':') > 0:
			fields++
			if len(line) > 13 && bytes.EqualFold(line[:13], []byte("content-type:")) && bytes.Contains(bytes.ToLower(line), []byte("multipart/")) {
				containers++
			}
		}
	}
	switch {
	case delims > 2*p.maxParts:
		return &LimitError{What: "parts", Limit: p.maxParts}
	case containers > p.maxDepth:
		return &LimitError{What: "nesting depth", Limit: p.maxDepth}
	case fields > p.maxHeaders:
		return &LimitError{What: "header fields", Limit: p.maxHeaders}
	}
	return nil
}

// splitHeader returns the header (with its line ends) and the body of an
// entity, or ok false when there is no blank line. It reads no further
// than the first blank line.
func splitHeader(b []byte) (head, body []byte, ok bool) {
	for off := 0; off < len(b); {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			break
		}
		nl := off + i
		switch {
		case nl+1 < len(b) && b[nl+1] == '\n':
			return b[:nl+1], b[nl+2:], true
		case nl+2 < len(b) && b[nl+1] == '\r' && b[nl+2] == '\n':
			return b[:nl+1], b[nl+3:], true
		}
		off = nl + 1
	}
	return nil, nil, false
}

// multipartBoundary returns the boundary of an entity header declaring a
// multipart type, or "".
func multipartBoundary(head []byte) string {
	if !bytes.Contains(head, []byte("ultipart")) && !bytes.Contains(head, []byte("ULTIPART")) {
		return "" // cheap: no multipart type declared
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(append([]byte(nil), head...), '\r', '\n')))).ReadMIMEHeader()
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, params, _, err := mediatype.Parse(ct)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	return params["boundary"]
}

// splitMultipart builds the part for a multipart entity, or returns nil
// when the entity is not a well-formed multipart. It returns a *LimitError
// when the entity is over the limits of b.
func (p *Parser) splitMultipart(entity []byte, id string, depth int, b *budget) (*enmime.Part, error) {
	if depth >= b.maxDepth {
		return nil, &LimitError{What: "nesting depth", Limit: b.maxDepth}
	}
	head, body, ok := splitHeader(entity)
	if !ok {
		return nil, nil
	}
	boundary := multipartBoundary(head)
	if boundary == "" || len(boundary) > 200 {
		return nil, nil
	}
	if depth > 0 {
		// The top-level header was counted by the caller.
		if err := b.spendFields(head); err != nil {
			return nil, err
		}
	}
	if err := b.spendPart(); err != nil {
		return nil, err
	}
	parts, closed, ok := splitBody(body, boundary)
	if !ok {
		return nil, nil
	}
	// enmime reads the container's header, given an empty but complete
	// body, so that every field it derives is its own.
	var shell bytes.Buffer
	shell.Write(head)
	shell.WriteString("\r\n--" + boundary + "--\r\n")
	container, err := p.mime.ReadParts(&shell)
	if err != nil || container == nil || container.Boundary != boundary || container.FirstChild != nil {
		return nil, nil
	}
	container.PartID = id
	if !closed {
		container.Errors = append(container.Errors, &enmime.Error{Name: enmime.ErrorMissingBoundary, Detail: fmt.Sprintf("Boundary %q was not closed correctly", boundary)})
	}
	var last *enmime.Part
	for i, raw := range parts {
		childID := strconv.Itoa(i + 1)
		if depth > 0 {
			childID = id + "." + childID
		}
		var child *enmime.Part
		if childHead, _, hasHead := splitHeader(raw); hasHead && multipartBoundary(childHead) != "" {
			child, err = p.splitMultipart(raw, childID, depth+1, b)
			if err != nil || child == nil {
				return nil, err
			}
		} else {
			if err := b.spendPart(); err != nil {
				return nil, err
			}
			if err := b.spendFields(headOf(raw)); err != nil {
				return nil, err
			}
			if child = p.singlePart(raw); child == nil {
				child, err = p.mime.ReadParts(bytes.NewReader(raw))
				if err != nil || child == nil || child.FirstChild != nil {
					return nil, nil
				}
			}
			child.PartID = childID
			if child.Header.Get("Content-Type") == "" {
				// As enmime does for a part (not a message) without one.
				child.ContentType, child.Charset = "", ""
				child.Errors = append(child.Errors, &enmime.Error{Name: enmime.ErrorMissingContentType, Detail: "MIME parts should have a Content-Type header"})
			}
		}
		// Linked here rather than with AddChild, which walks the siblings
		// for every part added.
		child.Parent = container
		if last == nil {
			container.FirstChild = child
		} else {
			last.NextSibling = child
		}
		last = child
	}
	return container, nil
}

func headOf(b []byte) []byte {
	h, _, _ := splitHeader(b)
	return h
}

// splitBody cuts a multipart body at its delimiter lines ("--boundary",
// optionally followed by white space) up to the closing one
// ("--boundary--"). Without a closing delimiter the last part runs to the
// end of the body and closed is false. ok is false when there is no part,
// or the closing delimiter line is followed by anything else.
func splitBody(body []byte, boundary string) (parts [][]byte, closed, ok bool) {
	delim := []byte("--" + boundary)
	start := -1 // where the current part begins
	pos := 0
	for {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			if start < 0 {
				return nil, false, false // no delimiter at all
			}
			// No closing delimiter: the last part is the rest.
			return append(parts, body[start:]), false, true
		}
		i += pos
		after := i + len(delim)
		if i > 0 && body[i-1] != '\n' {
			pos = after // not at the start of a line
			continue
		}
		closing := bytes.HasPrefix(body[after:], []byte("--"))
		rest := after
		if closing {
			rest += 2
		}
		eol := bytes.IndexByte(body[rest:], '\n')
		var tail []byte
		if eol < 0 {
			tail = body[rest:]
		} else {
			tail = body[rest : rest+eol]
		}
		if len(bytes.TrimSpace(tail)) != 0 {
			// "--boundaryX": a longer boundary, or text that starts with it.
			if closing {
				return nil, false, false
			}
			pos = after
			continue
		}
		if start >= 0 {
			end := i
			// The line break before a delimiter belongs to it.
			if end > 0 && body[end-1] == '\n' {
				end--
				if end > 0 && body[end-1] == '\r' {
					end--
				}
			}
			if end < start {
				end = start
			}
			parts = append(parts, body[start:end])
		}
		if closing {
			return parts, true, len(parts) > 0
		}
		if eol < 0 {
			// A delimiter on the last line, nothing after it: an empty
			// last part, not closed.
			return append(parts, nil), false, true
		}
		start = rest + eol + 1
		pos = start
	}
}
