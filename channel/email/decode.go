package email

import (
	"bytes"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// The MIME parser hands over parts as they were transmitted; decodeParts
// undoes the transfer encoding of every leaf part and converts text parts
// to UTF-8 from their declared charset. Doing it here, rather than in the
// MIME parser, avoids statistical charset guessing, which is slow and
// misreads short texts, and lets every problem be reported.
func decodeParts(root *enmime.Part) {
	walkParts(root, func(p *enmime.Part) {
		if p.FirstChild != nil {
			return
		}
		decodePart(p)
	})
}

func addProblem(p *enmime.Part, name, detail string, severe bool) {
	if len(p.Errors) >= 20 {
		return
	}
	p.Errors = append(p.Errors, &enmime.Error{Name: name, Detail: detail, Severe: severe})
}

func decodePart(p *enmime.Part) {
	cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")))
	switch cte {
	case "base64":
		if looksLikeText(p.Content) {
			addProblem(p, enmime.ErrorContentEncoding, "declared base64 but the content is plain text; kept as it is", false)
			break
		}
		p.Content = decodeBase64(p, p.Content)
	case "quoted-printable":
		p.Content = decodeQP(p.Content)
	case "", "7bit", "8bit", "binary":
	default:
		if !strings.HasPrefix(p.ContentType, "multipart/") {
			addProblem(p, enmime.ErrorContentEncoding, "unknown Content-Transfer-Encoding "+cte+"; kept as it is", false)
		}
	}
	if p.ContentType == "" || strings.HasPrefix(p.ContentType, "text/") || strings.HasPrefix(p.ContentType, "multipart/") {
		p.Content = toUTF8From(p, p.Content)
	}
}

// looksLikeText reports content declared base64 that is not: words
// separated by spaces, or punctuation outside the base64 alphabet.
func looksLikeText(in []byte) bool {
	odd := 0
	for _, line := range bytes.Split(in, []byte("\n")) {
		line = bytes.TrimSpace(line)
		for _, c := range line {
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=':
			default:
				odd++
			}
		}
	}
	return odd > 8 && odd*20 > len(in)
}

// decodeBase64 decodes leniently: characters outside the alphabet are
// skipped (and reported), decoding stops at the first sign of truncation
// and keeps what came before it.
func decodeBase64(p *enmime.Part, in []byte) []byte {
	clean := make([]byte, 0, len(in))
	bad := 0
	for _, c := range in {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '=' || c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			bad++
		}
	}
	if bad > 0 {
		addProblem(p, enmime.ErrorMalformedBase64, "skipped characters outside the base64 alphabet", false)
	}
	if rem := len(clean) % 4; rem == 1 {
		addProblem(p, enmime.ErrorMalformedBase64, "truncated base64 content", true)
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		addProblem(p, enmime.ErrorMalformedBase64, err.Error(), true)
	}
	return out[:n]
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable leniently: soft line breaks with or
// without CR, "=XX" in either case, and a stray "=" kept as it is.
func decodeQP(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		// Soft line break: "=" then optional spaces, then a line end.
		j := i + 1
		for j < len(in) && (in[j] == ' ' || in[j] == '\t') {
			j++
		}
		if j < len(in) && in[j] == '\n' {
			i = j
			continue
		}
		if j+1 < len(in) && in[j] == '\r' && in[j+1] == '\n' {
			i = j + 1
			continue
		}
		if j >= len(in) {
			i = j
			continue
		}
		if i+2 < len(in) {
			h, ok1 := unhex(in[i+1])
			l, ok2 := unhex(in[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

var htmlCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)`)

// toUTF8From converts text from the part's declared charset (or the one
// an HTML part declares in a meta tag). Text without a usable declaration
// that is not UTF-8 is read as Windows-1252, the usual undeclared
// charset, and reported.
func toUTF8From(p *enmime.Part, in []byte) []byte {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(p.Charset), `"'`))
	if cs != "" && singleByte(cs) && hasMultibyteUTF8(in) {
		// Mislabelled: valid multi-byte UTF-8 is next to impossible in a
		// single-byte charset's text.
		addProblem(p, enmime.ErrorCharsetDeclaration, "declared "+cs+" but the content is UTF-8", false)
		return in
	}
	if cs == "" && p.ContentType == "text/html" {
		head := in
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := htmlCharset.FindSubmatch(head); m != nil {
			cs = strings.ToLower(string(m[1]))
			if hasMultibyteUTF8(in) {
				return in
			}
		}
	}
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8":
		if utf8.Valid(in) {
			return in
		}
		if cs != "" && cs != "us-ascii" && cs != "ascii" {
			addProblem(p, enmime.ErrorCharsetConversion, "content is not valid "+cs+"; read as windows-1252", false)
		}
		return windows1252(in)
	}
	if _, err := htmlindex.Get(cs); err == nil && isASCII(in) {
		return in
	}
	r, err := charsetReader(cs, bytes.NewReader(in))
	if err != nil {
		addProblem(p, enmime.ErrorCharsetConversion, "unknown charset "+cs+"; read as windows-1252", false)
		if utf8.Valid(in) {
			return in
		}
		return windows1252(in)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		addProblem(p, enmime.ErrorCharsetConversion, err.Error(), false)
	}
	return toUTF8(out)
}

func singleByte(cs string) bool {
	return strings.HasPrefix(cs, "iso-8859") || strings.HasPrefix(cs, "iso8859") || strings.HasPrefix(cs, "windows-125") ||
		strings.HasPrefix(cs, "cp125") || cs == "latin1" || cs == "latin-1" || strings.HasPrefix(cs, "koi8")
}

// hasMultibyteUTF8 reports valid UTF-8 with at least one multi-byte
// character.
func hasMultibyteUTF8(b []byte) bool {
	return !isASCII(b) && utf8.Valid(b)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func windows1252(in []byte) []byte {
	out, err := charmap.Windows1252.NewDecoder().Bytes(in)
	if err != nil {
		return toUTF8(in)
	}
	return out
}
