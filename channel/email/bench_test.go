package email

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/cputime"
)

// typicalMessage builds a reply of about 10 KB as mail programs send it:
// a dozen trace headers, multipart/alternative with a plain and an HTML
// version, a short new text, a signature and a long quoted history.
func typicalMessage(ids MessageIDs) []byte { return typical(ids, true) }

// typical builds the typical reply, as multipart/alternative (text and
// HTML) or as plain text only.
func typical(ids MessageIDs, alternative bool) []byte {
	var b strings.Builder
	for i := range 8 {
		fmt.Fprintf(&b, "Received: from mx%d.example.org (mx%d.example.org [192.0.2.%d])\n\tby mx.example.com with ESMTPS id abc%d\n\tfor <help@example.com>; Mon, 3 Feb 2025 10:12:%02d +0100\n", i, i, i, i, i)
	}
	ref := ids.New("CAS-000123")
	b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from:to:subject:date;\n\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\n")
	fmt.Fprintf(&b, "Message-ID: <reply-1@example.org>\nIn-Reply-To: %s\nReferences: <first@example.org> %s\n", ref, ref)
	b.WriteString("Date: Mon, 3 Feb 2025 10:12:00 +0100\nFrom: =?UTF-8?Q?Ren=C3=A9_M=C3=BCller?= <rene@example.org>\nTo: Support <help@example.com>\n")
	b.WriteString("Subject: RE: AW: [CAS-000123] Drucker druckt nicht\nMIME-Version: 1.0\n")
	if alternative {
		b.WriteString("Content-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n")
	b.WriteString("Hello,\n\nit is the X300, serial SN-123456. The display shows error 42 and the paper =\ntray light blinks.\n\nBest regards,\nRen=C3=A9 M=C3=BCller\nACME GmbH\n+49 30 1234567\n\n")
	b.WriteString("On Mon, 3 Feb 2025 at 09:00, Support <help@example.com> wrote:\n")
	lines := 50
	if !alternative {
		lines = 110 // the same size without the HTML part
	}
	for i := range lines {
		fmt.Fprintf(&b, "> Line %d of the earlier conversation about the printer and what was tried.\n", i)
	}
	if !alternative {
		return crlf(b.String())
	}
	b.WriteString("\n--alt\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>p{margin:0}</style></head><body><div>Hello,</div><div>it is the X300, serial SN-123456.</div>")
	b.WriteString("<div class=\"gmail_quote\"><div class=\"gmail_attr\">On Mon, 3 Feb 2025 at 09:00, Support wrote:</div><blockquote class=\"gmail_quote\">")
	for i := range 50 {
		fmt.Fprintf(&b, "<p>Line %d of the earlier conversation about the printer and what was tried.</p>\n", i)
	}
	b.WriteString("</blockquote></div></body></html>\n--alt--\n")
	return crlf(b.String())
}

// BenchmarkPipeline parses, splits, classifies and threads a typical
// 10 KB reply, multipart/alternative (sub-benchmark "alternative") or
// plain text ("plain"). Run with -cpu 1: msgs/s is by the wall clock, msgs/cpu-s
// by the CPU time the process used (garbage collection included), which
// is the per-core figure on a machine shared with other work.
func BenchmarkPipeline(b *testing.B) {
	ids := MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "example.com"}
	b.Run("alternative", func(b *testing.B) { benchPipeline(b, ids, typical(ids, true)) })
	b.Run("plain", func(b *testing.B) { benchPipeline(b, ids, typical(ids, false)) })
}

func benchPipeline(b *testing.B, ids MessageIDs, raw []byte) {
	p := NewParser()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	cpu0 := cputime.Used()
	for b.Loop() {
		got, err := p.ParseBytes(raw)
		if err != nil {
			b.Fatal(err)
		}
		m := &got.Message
		if _, ok := ids.CaseOf(m); !ok || m.Text == "" || m.Automated() {
			b.Fatalf("unexpected result: %+v", m)
		}
		NormalizeSubject(m.Subject)
		IsForward(m)
		CaseNumbers(m.Subject)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if cpu := cputime.Used() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
	}
}

func TestTypicalMessage(t *testing.T) {
	ids := MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "example.com"}
	for _, alternative := range []bool{true, false} {
		checkTypical(t, ids, typical(ids, alternative))
	}
}

func checkTypical(t *testing.T, ids MessageIDs, raw []byte) {
	if n := len(raw); n < 9000 || n > 12000 {
		t.Errorf("typical message is %d bytes, want about 10 KB", n)
	}
	p := mustParse(t, raw)
	m := p.Message
	if m.Text != "Hello,\n\nit is the X300, serial SN-123456. The display shows error 42 and the paper tray light blinks.\n\nBest regards," {
		t.Errorf("Text = %q", m.Text)
	}
	if m.Signature != "René Müller\nACME GmbH\n+49 30 1234567" {
		t.Errorf("Signature = %q", m.Signature)
	}
	if c, ok := ids.CaseOf(&m); !ok || c != "CAS-000123" {
		t.Errorf("CaseOf = %q, %v", c, ok)
	}
}

// BenchmarkReadParts is enmime's own reader on the multipart/alternative
// message, for comparison: the pipeline finds multipart boundaries itself
// and hands enmime the parts, which is several times faster.
func BenchmarkReadParts(b *testing.B) {
	raw := typicalMessage(MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "example.com"})
	p := NewParser()
	cpu0 := cputime.Used()
	for b.Loop() {
		if _, err := p.mime.ReadParts(strings.NewReader(string(raw))); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cputime.Used() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
	}
}
