package email

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// crlf turns a fixture written with \n into a message with CRLF endings.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func mustParse(t *testing.T, raw []byte) *Parsed {
	t.Helper()
	p, err := NewParser().ParseBytes(raw)
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	return p
}

func TestParseMessages(t *testing.T) {
	date := time.Date(2025, 2, 3, 10, 12, 0, 0, time.FixedZone("", 3600))
	tests := []struct {
		name string
		raw  string
		want channel.Message
	}{
		{
			name: "plain text with encoded words and a quote",
			raw: `Message-ID: <m1@example.org>
In-Reply-To: <ack-1@help.example.com>
References: <first@example.org>
 <ack-1@help.example.com>
Date: Mon, 3 Feb 2025 10:12:00 +0100
From: =?ISO-8859-1?Q?Ren=E9_M=FCller?= <rene@example.org>
To: Support <help@example.com>, =?UTF-8?B?QW5uYSDDhXNlbg==?= <anna@example.com>
Cc: boss@example.org
Subject: =?UTF-8?Q?Re:_Drucker_f=C3=A4llt_aus?=
Content-Type: text/plain; charset=utf-8

It is the X300, serial SN-1234.

On Mon, 3 Feb 2025 at 09:00, Support <help@example.com> wrote:
> Which model is it?
`,
			want: channel.Message{
				ID: "m1@example.org", InReplyTo: "ack-1@help.example.com",
				References: []string{"first@example.org", "ack-1@help.example.com"},
				Kind:       channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From:    channel.Address{Name: "René Müller", Email: "rene@example.org"},
				To:      []channel.Address{{Name: "Support", Email: "help@example.com"}, {Name: "Anna Åsen", Email: "anna@example.com"}},
				Cc:      []channel.Address{{Email: "boss@example.org"}},
				Subject: "Re: Drucker fällt aus",
				Text:    "It is the X300, serial SN-1234.",
				Quoted:  "On Mon, 3 Feb 2025 at 09:00, Support <help@example.com> wrote:\n> Which model is it?",
				Time:    date,
			},
		},
		{
			name: "quoted-printable latin-1 body",
			raw: `Message-ID: <m2@example.org>
Date: Mon, 3 Feb 2025 10:12:00 +0100
From: ana@example.es
Subject: impresora
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

La impresora no imprime en color. =BFQu=E9 hago?

Enviado desde mi iPhone
`,
			want: channel.Message{
				ID: "m2@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From: channel.Address{Email: "ana@example.es"}, Subject: "impresora",
				Text: "La impresora no imprime en color. ¿Qué hago?", Signature: "Enviado desde mi iPhone", Time: date,
			},
		},
		{
			name: "alternative prefers the text part",
			raw: `Message-ID: <m3@example.org>
Date: Mon, 3 Feb 2025 10:12:00 +0100
From: a@example.org
Subject: alt
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Plain version
--b1
Content-Type: text/html; charset=utf-8

<p>HTML version</p>
--b1--
`,
			want: channel.Message{
				ID: "m3@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From: channel.Address{Email: "a@example.org"}, Subject: "alt", Text: "Plain version", Time: date,
			},
		},
		{
			name: "html only with a gmail quote, windows-1252",
			raw: `Message-ID: <m4@example.org>
Date: Mon, 3 Feb 2025 10:12:00 +0100
From: a@example.org
Subject: html
MIME-Version: 1.0
Content-Type: text/html; charset=windows-1252
Content-Transfer-Encoding: quoted-printable

<html><head><style>.x{}</style></head><body><div>It costs 5 =80 now =96 too much.</div><div class=3D"gmail_quote">On Mon, Support wrote:<blockquote>Price?</blockquote></div></body></html>
`,
			want: channel.Message{
				ID: "m4@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From: channel.Address{Email: "a@example.org"}, Subject: "html",
				Text: "It costs 5 € now – too much.", Quoted: "On Mon, Support wrote:\n\nPrice?", Time: date,
			},
		},
		{
			name: "mixed with related html, inline image and attachment",
			raw: `Message-ID: <m5@example.org>
Date: Mon, 3 Feb 2025 10:12:00 +0100
From: a@example.org
Subject: photo
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>See the photo:</p><img src="cid:img1@x">
--rel
Content-Type: image/png
Content-ID: <img1@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--outer
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?="
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
`,
			want: channel.Message{
				ID: "m5@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From: channel.Address{Email: "a@example.org"}, Subject: "photo", Text: "See the photo:", Time: date,
				Attachments: []channel.Attachment{
					{ContentType: "image/png", Size: 8, ContentID: "img1@x", Inline: true},
					{Filename: "Rechnung März.pdf", ContentType: "application/pdf", Size: 9},
				},
			},
		},
		{
			name: "lenient ids and date, address without brackets",
			raw: `Message-ID: m6@example.org
In-Reply-To: garbage <a@b> trailing
References: <r1@x> <r2@x>, <r1@x> junk
Date: Mon,  3 Feb 2025 10:12:00 +0100 (CET)
From: "Broken <a@example.org
Subject: ids

Hi
`,
			want: channel.Message{
				ID: "m6@example.org", InReplyTo: "a@b", References: []string{"r1@x", "r2@x"},
				Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
				From: channel.Address{Name: "Broken", Email: "a@example.org"}, Subject: "ids", Text: "Hi", Time: date,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, crlf(tt.raw)).Message
			got.Headers = nil
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("message (-want +got):\n%s", d)
			}
			slow := NewParser()
			slow.slowMIME = true
			ps, err := slow.ParseBytes(crlf(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			ps.Message.Headers = nil
			if d := cmp.Diff(got, ps.Message, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("enmime alone reads it differently (-split +enmime):\n%s", d)
			}
		})
	}
}

func TestParseKeepsHeaders(t *testing.T) {
	p := mustParse(t, crlf("From: a@example.org\nSubject: =?UTF-8?Q?caf=C3=A9?=\nX-Custom: one\nX-Custom: two\n\nbody\n"))
	want := map[string][]string{"From": {"a@example.org"}, "Subject": {"café"}, "X-Custom": {"one", "two"}}
	if d := cmp.Diff(want, p.Message.Headers); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantText string
		kinds    []string
	}{
		{"no date", "From: a@example.org\nSubject: x\n\nhello\n", "hello", []string{"date"}},
		{"date from Received", "Received: from x by y; Mon, 3 Feb 2025 10:12:00 +0100\nFrom: a@example.org\n\nhello\n", "hello", []string{"date"}},
		{"no from", "Date: Mon, 3 Feb 2025 10:12:00 +0100\nSubject: x\n\nhello\n", "hello", []string{"address"}},
		{"truncated multipart", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nfirst part\n--zz\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0x", "first part", nil},
		{"malformed base64 text", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=*#\n", "hello world", []string{"Malformed Base64"}},
		{"unknown charset", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/plain; charset=x-unknown-9\n\nplain ascii\n", "plain ascii", []string{"Character Set Conversion"}},
		{"header without blank line", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: multipart/alternative; boundary=\"q\"\nThis is MIME.\n--q\nContent-Type: text/plain\n\ninside\n--q--\n", "inside", []string{"Malformed Header"}},
		{"indented first line", "  From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\n\nhello\n", "hello", nil},
		{"mislabelled charset", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/plain; charset=iso-8859-1\n\nCaf\xc3\xa9 ol\xc3\xa9\n", "Café olé", []string{"Character Set Declaration Mismatch"}},
		{"meta charset but utf-8", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/html\n\n<meta charset=\"windows-1250\"><p>\xe2\x82\xac 5</p>\n", "€ 5", nil},
		{"base64 declared, plain text sent", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nThis is not base64, it is a sentence.\n", "This is not base64, it is a sentence.", []string{"Content Encoding"}},
		{"boundary never found", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: multipart/mixed; boundary=\"declared\"\n\n--other\n\nthe text\n", "--other\n\nthe text", []string{"Missing Boundary"}},
		{"multipart without boundary", "From: a@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: multipart/mixed\n\njust text\n", "just text", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, crlf(tt.raw))
			if p.Message.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", p.Message.Text, tt.wantText)
			}
			var kinds []string
			for _, pr := range p.Problems {
				kinds = append(kinds, pr.Kind)
			}
			for _, k := range tt.kinds {
				if !containsString(kinds, k) {
					t.Errorf("problems %v lack %q", p.Problems, k)
				}
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseUnusable(t *testing.T) {
	for _, in := range []string{"", "   \r\n\r\n", "just some text without a header\n", ": no name\n"} {
		_, err := Parse(strings.NewReader(in))
		if !errors.Is(err, ErrUnusable) {
			t.Errorf("Parse(%q) error = %v, want ErrUnusable", in, err)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestParseSizeLimit(t *testing.T) {
	msg := crlf("From: a@example.org\n\n" + strings.Repeat("x", 1000) + "\n")
	p := NewParser(WithMaxSize(100))
	big := &countingReader{r: io.MultiReader(bytes.NewReader(msg), strings.NewReader(strings.Repeat("y", 1<<20)))}
	_, err := p.Parse(big)
	if !errors.Is(err, channel.ErrTooLarge) {
		t.Fatalf("error = %v, want channel.ErrTooLarge", err)
	}
	var se *SizeError
	if !errors.As(err, &se) || se.Limit != 100 {
		t.Errorf("error = %#v, want *SizeError with limit 100", err)
	}
	if big.n > 101+4096 {
		t.Errorf("read %d bytes of an oversized message; the limit should stop reading", big.n)
	}
	if _, err := NewParser(WithMaxSize(int64(len(msg)))).Parse(bytes.NewReader(msg)); err != nil {
		t.Errorf("message of exactly the limit: %v", err)
	}
	if got := NewParser().MaxSize(); got != DefaultMaxSize {
		t.Errorf("default MaxSize = %d, want %d", got, DefaultMaxSize)
	}
}

func TestParseDate(t *testing.T) {
	utc := func(h, m int) time.Time { return time.Date(2025, 2, 3, h, m, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Mon, 3 Feb 2025 10:12:00 +0000", utc(10, 12), true},
		{"Mon, 3 Feb 2025 10:12:00 +0000 (UTC)", utc(10, 12), true},
		{"3 Feb 2025 10:12:00 GMT", utc(10, 12), true},
		{"Mon,  3 Feb 2025  10:12:00 GMT+0000", utc(10, 12), true},
		{"Mon, 3 Feb 2025 10:12 +0000", utc(10, 12), true},
		{"Mon Feb 3 10:12:00 2025", utc(10, 12), true},
		{"2025-02-03T10:12:00Z", utc(10, 12), true},
		{"2025-02-03 10:12:00", utc(10, 12), true},
		{"Monday, 3 Feb 2025 10:12:00 +0000", utc(10, 12), true},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseMessageIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@x>", []string{"a@x"}},
		{"<a@x> <b@x>\r\n <c@x>", []string{"a@x", "b@x", "c@x"}},
		{"<a@x>,<b@x>,<a@x>", []string{"a@x", "b@x"}},
		{"a@x b@x", []string{"a@x", "b@x"}},
		{"Your message of Monday <a@x>", []string{"a@x"}},
		{"plainid", []string{"plainid"}},
		{"<>", nil},
		{"", nil},
		{"<unclosed@x", []string{"unclosed@x"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, ParseMessageIDs(tt.in), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("ParseMessageIDs(%q) (-want +got):\n%s", tt.in, d)
		}
	}
}

func TestDecodeHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=?UTF-8?B?w6k=?=", "é"},
		{"=?iso-8859-1?q?caf=E9?= ok", "café ok"},
		{"=?windows-1252?Q?=80?=", "€"},
		{"=?x-unknown?Q?abc?= =?UTF-8?Q?d=C3=A9f?=", "=?x-unknown?Q?abc?= déf"},
		{"caf\xe9", "café"},
	}
	for _, tt := range tests {
		if got := DecodeHeader(tt.in); got != tt.want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseHTMLClients(t *testing.T) {
	head := "From: ann@example.org\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nContent-Type: text/html; charset=utf-8\n\n"
	tests := []struct {
		name              string
		html              string
		text, quoted, sig string
	}{
		{"outlook desktop header block",
			`<div class=WordSection1><p class=MsoNormal>It is the X300.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>` +
				`<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>From:</b> Support &lt;help@example.com&gt;<br>` +
				`<b>Sent:</b> Monday, February 3, 2025 9:00 AM<br><b>To:</b> Ann &lt;ann@example.org&gt;<br><b>Subject:</b> Printer<o:p></o:p></p></div>` +
				`<p class=MsoNormal>Which model?<o:p></o:p></p></div>`,
			"It is the X300.", "From: Support <help@example.com>\nSent: Monday, February 3, 2025 9:00 AM\nTo: Ann <ann@example.org>\nSubject: Printer\n\nWhich model?", ""},
		{"apple mail",
			`<html><body><div>Yes, please.</div><div><br><blockquote type="cite"><div>On 3 Feb 2025, at 09:00, Support &lt;help@example.com&gt; wrote:</div><div>Shall we replace it?</div></blockquote></div></body></html>`,
			"Yes, please.", "On 3 Feb 2025, at 09:00, Support <help@example.com> wrote:\nShall we replace it?", ""},
		{"gmail with signature and quote",
			`<div dir="ltr">Serial is SN-1.<br clear="all"><div><br></div>-- <br><div dir="ltr" class="gmail_signature">Ann Example<br>ACME</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Feb 3, 2025 at 9:00 AM Support &lt;help@example.com&gt; wrote:<br></div><blockquote class="gmail_quote">Serial?</blockquote></div>`,
			"Serial is SN-1.", "On Mon, Feb 3, 2025 at 9:00 AM Support <help@example.com> wrote:\n\nSerial?", "--\nAnn Example\nACME"},
		{"html with only a quote keeps it",
			`<blockquote type="cite">Just the old text</blockquote>`,
			"Just the old text", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, crlf(head+tt.html+"\n")).Message
			got := []string{m.Text, m.Quoted, m.Signature}
			if d := cmp.Diff([]string{tt.text, tt.quoted, tt.sig}, got); d != "" {
				t.Errorf("text, quoted, signature (-want +got):\n%s", d)
			}
		})
	}
}

func TestParserConcurrentUse(t *testing.T) {
	p := NewParser()
	raw := typicalMessage(testIDs)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, err := p.ParseBytes(raw)
				if err != nil || got.Message.Text == "" {
					t.Errorf("ParseBytes: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
