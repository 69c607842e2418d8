package email

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime"
	"github.com/jhillyerd/enmime/mediatype"
)

// readParts reads the MIME tree of raw. enmime reads every header and
// every leaf part; only the boundaries of well-formed multiparts are
// found here, with a byte search, because enmime's boundary reader
// examines one byte at a time and dominates the cost of a message. Any
// multipart that is not well-formed (no closing boundary, no parts,
// nesting too deep) is read entirely by enmime, which knows how to
// salvage it.
func (p *Parser) readParts(raw []byte) (*enmime.Part, error) {
	if !p.slowMIME && multipartBoundary(headOf(raw)) != "" {
		if root := p.splitMultipart(raw, "0", 0); root != nil {
			return root, nil
		}
	}
	return p.mime.ReadParts(bytes.NewReader(raw))
}

// splitHeader returns the header (with its line ends) and the body of an
// entity, or ok false when there is no blank line.
func splitHeader(b []byte) (head, body []byte, ok bool) {
	i := bytes.Index(b, []byte("\n\n"))
	j := bytes.Index(b, []byte("\n\r\n"))
	switch {
	case i < 0 && j < 0:
		return nil, nil, false
	case j >= 0 && (i < 0 || j < i):
		return b[:j+1], b[j+3:], true
	default:
		return b[:i+1], b[i+2:], true
	}
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
// when the entity is not a well-formed multipart.
func (p *Parser) splitMultipart(entity []byte, id string, depth int) *enmime.Part {
	if depth > 8 {
		return nil
	}
	head, body, ok := splitHeader(entity)
	if !ok {
		return nil
	}
	boundary := multipartBoundary(head)
	if boundary == "" || len(boundary) > 200 {
		return nil
	}
	parts, ok := splitBody(body, boundary)
	if !ok {
		return nil
	}
	// enmime reads the container's header, given an empty but complete
	// body, so that every field it derives is its own.
	var shell bytes.Buffer
	shell.Write(head)
	shell.WriteString("\r\n--" + boundary + "--\r\n")
	container, err := p.mime.ReadParts(&shell)
	if err != nil || container == nil || container.Boundary != boundary || container.FirstChild != nil {
		return nil
	}
	container.PartID = id
	for i, raw := range parts {
		childID := strconv.Itoa(i + 1)
		if depth > 0 {
			childID = id + "." + childID
		}
		var child *enmime.Part
		if _, _, hasHead := splitHeader(raw); hasHead && multipartBoundary(headOf(raw)) != "" {
			child = p.splitMultipart(raw, childID, depth+1)
			if child == nil {
				return nil
			}
		} else {
			child, err = p.mime.ReadParts(bytes.NewReader(raw))
			if err != nil || child == nil || child.FirstChild != nil {
				return nil
			}
			child.PartID = childID
			if child.Header.Get("Content-Type") == "" {
				// As enmime does for a part (not a message) without one.
				child.ContentType, child.Charset = "", ""
				child.Errors = append(child.Errors, &enmime.Error{Name: enmime.ErrorMissingContentType, Detail: "MIME parts should have a Content-Type header"})
			}
		}
		container.AddChild(child)
	}
	return container
}

func headOf(b []byte) []byte {
	h, _, _ := splitHeader(b)
	return h
}

// splitBody cuts a multipart body at its delimiter lines ("--boundary",
// optionally followed by white space) up to the closing one
// ("--boundary--"). ok is false when there is no part or no closing
// delimiter, or a delimiter line is followed by anything else.
func splitBody(body []byte, boundary string) (parts [][]byte, ok bool) {
	delim := []byte("--" + boundary)
	start := -1 // where the current part begins
	pos := 0
	for {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			return nil, false // no closing delimiter
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
				return nil, false
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
			return parts, len(parts) > 0
		}
		if eol < 0 {
			return nil, false
		}
		start = rest + eol + 1
		pos = start
	}
}
