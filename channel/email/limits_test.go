package email

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/cputime"

	"github.com/caseagent/caseagent/channel"
)

// manyParts is a multipart/mixed message of n tiny text parts.
func manyParts(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range n {
		b.WriteString("--b\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// deepNesting is a message of multiparts nested n deep.
func deepNesting(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: deep\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%d\r\n\r\n--%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nx\r\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--%d--\r\n", i)
	}
	return []byte(b.String())
}

// manyHeaders is a message with n header fields.
func manyHeaders(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: headers\r\n")
	for i := range n {
		fmt.Fprintf(&b, "X-H%d: v\r\n", i)
	}
	b.WriteString("\r\nbody\r\n")
	return []byte(b.String())
}

// padParts is a multipart/mixed message of n text parts that fill size
// bytes; when closed is false the closing delimiter is missing, so that
// the message is malformed.
func padParts(n, size int, closed bool) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	line := strings.Repeat("word ", 15) + "\r\n"
	per := max(size/n, 20)
	for range n {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\n")
		for w := 0; w < per; w += len(line) {
			b.WriteString(line)
		}
	}
	if closed {
		b.WriteString("--b--\r\n")
	}
	return []byte(b.String())
}

// padNesting is a message of multiparts nested n deep whose innermost
// part fills size bytes.
func padNesting(n, size int, closed bool) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: deep\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%d\r\n\r\n--%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\n")
	line := strings.Repeat("word ", 15) + "\r\n"
	for w := 0; w < size; w += len(line) {
		b.WriteString(line)
	}
	for i := n - 1; i >= 0 && closed; i-- {
		fmt.Fprintf(&b, "--%d--\r\n", i)
	}
	return []byte(b.String())
}

// bigText is a plain-text message of size bytes.
func bigText(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: text\r\nContent-Type: text/plain\r\n\r\n")
	line := "Some words of a long message, and > a quote, and On x wrote: this\r\n"
	for b.Len() < size-len(line) {
		b.WriteString(line)
	}
	return []byte(b.String())
}

// TestParseLimits: a message whose structure is over a limit is refused
// with a *LimitError, quickly; one within the limits is read whole.
func TestParseLimits(t *testing.T) {
	p := NewParser()
	tests := []struct {
		name string
		raw  []byte
		what string // "" when the message must be read
	}{
		{"100,000 tiny parts", manyParts(100_000), "parts"},
		{"100,000 tiny parts without closing delimiter", bytes.TrimSuffix(manyParts(100_000), []byte("--b--\r\n")), "parts"},
		{"100,000 tiny parts, closing delimiter followed by text", append(bytes.TrimSuffix(manyParts(100_000), []byte("--b--\r\n")), "--b--x\r\n"...), "parts"},
		{"nesting 10,000 deep (0.7 MB)", deepNesting(10_000), "nesting depth"},
		{"nesting 10,000 deep, never closed", padNesting(10_000, 10, false), "nesting depth"},
		{"100,000 header fields", manyHeaders(100_000), "header fields"},
		{"header fields spread over parts", spreadHeaders(500, 30), "header fields"},
		{"999 parts", padParts(DefaultMaxParts-1, 100_000, true), ""},
		{"nesting 19 deep", padNesting(DefaultMaxDepth-1, 1000, true), ""},
		{"9,990 header fields", manyHeaders(9_990), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.ParseBytes(tt.raw)
			if tt.what == "" {
				if err != nil {
					t.Fatalf("err = %v, want the message read", err)
				}
				if got.Message.Text == "" {
					t.Errorf("no text read")
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || le.What != tt.what {
				t.Fatalf("err = %v, want a *LimitError on %s", err, tt.what)
			}
			if !errors.Is(err, ErrTooComplex) || !errors.Is(err, channel.ErrTooLarge) {
				t.Errorf("err = %v does not match ErrTooComplex and channel.ErrTooLarge", err)
			}
		})
	}
}

// TestLongHTMLIsCut: an HTML body is turned into text up to its first
// MiB, and the message says what was left out.
func TestLongHTMLIsCut(t *testing.T) {
	p := mustParse(t, bigHTML(3<<20))
	if !strings.HasPrefix(p.Message.Text, "Some words of a long message") || len(p.Message.Text) > maxHTML {
		t.Errorf("text of %d bytes starting %.40q", len(p.Message.Text), p.Message.Text)
	}
	found := false
	for _, pr := range p.Problems {
		found = found || (pr.Kind == "text" && pr.Severe)
	}
	if !found {
		t.Errorf("no problem reported: %v", p.Problems)
	}
}

func TestParseLimitOptions(t *testing.T) {
	raw := padParts(5, 100, true)
	if _, err := NewParser(WithMaxParts(5)).ParseBytes(raw); !errors.Is(err, ErrTooComplex) {
		t.Errorf("6 parts with WithMaxParts(5): err = %v", err)
	}
	if _, err := NewParser(WithMaxParts(6)).ParseBytes(raw); err != nil {
		t.Errorf("6 parts with WithMaxParts(6): err = %v", err)
	}
	if _, err := NewParser(WithMaxDepth(2)).ParseBytes(padNesting(3, 10, true)); !errors.Is(err, ErrTooComplex) {
		t.Errorf("depth 3 with WithMaxDepth(2): err = %v", err)
	}
	if _, err := NewParser(WithMaxHeaders(10)).ParseBytes(manyHeaders(10)); !errors.Is(err, ErrTooComplex) {
		t.Errorf("12 fields with WithMaxHeaders(10): err = %v", err)
	}
}

// spreadHeaders is a multipart message of n parts with fields header
// fields each.
func spreadHeaders(n, fields int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range n {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n")
		for j := range fields {
			fmt.Fprintf(&b, "X-F%d: v\r\n", j)
		}
		b.WriteString("\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// BenchmarkParseWorstCase parses the messages that cost the most per byte
// within the default limits, and the ones the limits refuse, at the sizes
// where parsing used to take seconds to minutes. cpu-ms/op is the CPU
// time of one parse (garbage collection included), the measure that
// holds on a machine shared with other work; max-cpu-ms is the slowest
// single parse seen. Every case stays under 100 ms: hostile structure
// is refused or read in time linear in the size, and the bodies of the
// whole default size limit (25 MB of text, of HTML, of an attachment)
// are read without a copy grown a piece at a time, with HTML turned into
// text up to its first MiB.
//
//	go test -run '^$' -bench ParseWorstCase -cpu 1 ./channel/email/
func BenchmarkParseWorstCase(b *testing.B) {
	cases := []struct {
		name string
		raw  []byte
	}{
		{"refused/100k-parts-3.7MB", manyPartsSized(100_000, 3_700_000)},
		{"refused/nesting-0.7MB", deepNesting(10_000)},
		{"refused/100k-headers", manyHeaders(100_000)},
		{"read/999-parts-3.7MB", padParts(DefaultMaxParts-1, 3_700_000, true)},
		{"read/999-parts-3.7MB-unclosed", padParts(DefaultMaxParts-1, 3_700_000, false)},
		{"read/nesting-19-0.7MB-unclosed", padNesting(DefaultMaxDepth-1, 700_000, false)},
		{"read/nesting-19-3.7MB", padNesting(DefaultMaxDepth-1, 3_700_000, true)},
		{"read/9990-headers", manyHeaders(9_990)},
		{"read/330-parts-30-headers", spreadHeaders(330, 30)},
		{"read/text-3.7MB", bigText(3_700_000)},
		{"read/text-25MB", bigText(DefaultMaxSize - 100)},
		{"read/html-25MB", bigHTML(DefaultMaxSize - 100)},
		{"read/attachment-25MB", bigAttachment(DefaultMaxSize - 100)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p := NewParser()
			b.SetBytes(int64(len(c.raw)))
			var worst, total time.Duration
			n := 0
			for b.Loop() {
				c0 := cputime.Used()
				_, _ = p.ParseBytes(c.raw)
				d := cputime.Used() - c0
				worst, total, n = max(worst, d), total+d, n+1
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "cpu-ms/op")
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-cpu-ms")
		})
	}
}

// manyPartsSized is a multipart message of n parts that fill size bytes.
func manyPartsSized(n, size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	fill := strings.Repeat("x", max(size/n-9, 1))
	for range n {
		b.WriteString("--b\r\n\r\n" + fill + "\r\n")
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// bigHTML is an HTML-only message of size bytes.
func bigHTML(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	para := "<div><p>Some <b>words</b> of a long message, <a href=\"https://example.org/x\">a link</a></p></div>\r\n"
	for b.Len() < size-len(para)-20 {
		b.WriteString(para)
	}
	b.WriteString("</body></html>\r\n")
	return []byte(b.String())
}

// bigAttachment is a short text with a base64 attachment, size bytes in
// all.
func bigAttachment(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: file\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe log is attached.\r\n--b\r\nContent-Type: application/octet-stream; name=log.bin\r\nContent-Disposition: attachment; filename=log.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < size-len(line)-20 {
		b.WriteString(line)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}
