package email

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		"From: a@example.org\nSubject: hi\n\nhello\n",
		"From: a@example.org\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: text/html\n\n<p>y</p>\n--b--\n",
		"From: a@example.org\nContent-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n<div class=3Dgmail_quote>=80</div>\n",
		"From: MAILER-DAEMON@x\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n\nfailed\n--r\nContent-Type: message/rfc822\n\nMessage-ID: <a@b>\n\n--r--\n",
		"Subject: =?UTF-8?B?w6k=?= =?x?Q?broken\nReferences: <a@b> c@d <<>>\nDate: Mon, 3 Feb 2025\n\n",
		"From: a\nContent-Type: multipart/mixed; boundary=\"q\"\nnot a header\n--q\n\n--q",
		"From: a@x\nContent-Transfer-Encoding: base64\n\n!!!!",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
		f.Add(crlf(s))
	}
	p := NewParser(WithMaxSize(1 << 20))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := p.ParseBytes(raw)
		if err != nil {
			return
		}
		m := got.Message
		for _, s := range []string{m.Text, m.Quoted, m.Signature, m.Subject} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in output %q", s)
			}
		}
		if strings.TrimSpace(m.Text) == "" && (m.Quoted != "" || m.Signature != "") {
			t.Fatalf("empty text while quoted=%q signature=%q", m.Quoted, m.Signature)
		}
		ThreadKeys(&m)
		NormalizeSubject(m.Subject)
		IsForward(&m)
	})
}

func FuzzSplitReply(f *testing.F) {
	for _, s := range []string{
		"Yes.\n\nOn Mon, 3 Feb 2025 at 10:12, S <s@example.com> wrote:\n> Q\n",
		"-- \nsig only",
		"a\n> b\nc\n> d\n\n-- \nx\n",
		"From: a\nSent: b\nTo: c\nSubject: d\n",
		"Thanks,\nAnn\n",
		"On x\n<y>\nwrote:\n",
		"x <a@b\n> wrote:\n> q\n",
		"---- On 3 Feb 2025 10:12 A <a@b> wrote ----\n\nold\n",
	} {
		f.Add(s)
	}
	for _, r := range replyForms {
		f.Add(r.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		body, quoted, sig := SplitReply(in)
		if strings.TrimSpace(in) != "" && strings.TrimSpace(body) == "" {
			t.Fatalf("empty body for non-empty input %q", in)
		}
		norm := strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\r", "\n")
		for _, part := range []string{body, quoted, sig} {
			for _, line := range strings.Split(part, "\n") {
				if !strings.Contains(norm, strings.TrimSpace(line)) {
					t.Fatalf("output line %q is not in the input %q", line, in)
				}
			}
		}
		// Nothing the author wrote is lost: every line is somewhere.
		all := body + "\n" + quoted + "\n" + sig
		for _, line := range strings.Split(norm, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.Contains(all, l) {
				t.Fatalf("input line %q lost from %q", l, in)
			}
		}
		HTMLToText(in)
	})
}

func FuzzMessageIDsVerify(f *testing.F) {
	g := MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "help.example.com"}
	f.Add(g.New("CAS-1"))
	f.Add(g.New("odd id/ü"))
	f.Add("<ca.x.y.z@help.example.com>")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		if c, ok := g.Verify(id); ok {
			// Anything that verifies must be an id New could have made for
			// that case: its tag must match a recomputation.
			if again, ok2 := g.Verify(id); !ok2 || again != c {
				t.Fatalf("Verify(%q) is not stable", id)
			}
			if !strings.HasSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimSpace(id), ">")), "@help.example.com") {
				t.Fatalf("Verify accepted %q on another domain", id)
			}
		}
	})
}

// FuzzHandler sends arbitrary requests: the handler never panics, never
// hands an unauthenticated request to the Receiver, and answers a signed
// one with success only when the Receiver got the message.
func FuzzHandler(f *testing.F) {
	key := []byte("signing-key-of-16+bytes")
	now := time.Date(2025, 2, 3, 10, 15, 0, 0, time.UTC)
	f.Add([]byte(hookMessage), "message/rfc822", "email=x", true, int64(0))
	f.Add([]byte("email="+hookMessage), "application/x-www-form-urlencoded", "", true, int64(10))
	f.Add([]byte(hookMessage), "", "mailbox=x", false, int64(-400))
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nFrom: a\r\n\r\nb\r\n--x--\r\n"), "multipart/form-data; boundary=x", "", true, int64(0))
	f.Fuzz(func(t *testing.T, body []byte, contentType, query string, signed bool, skew int64) {
		rec := &recorder{}
		h, err := NewHandler(rec, WithSignature(key), WithMailbox("support"),
			WithClock(func() time.Time { return now }), WithParser(NewParser(WithMaxSize(1<<16))))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/in", bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		at := now.Add(time.Duration(skew%100_000) * time.Second)
		ts, sig := Sign(key, body, at)
		if !signed {
			_, sig = Sign([]byte("another-key-of-16+bytes"), body, at)
		}
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderSignature, sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		inWindow := at.Sub(now).Abs() <= DefaultTolerance
		if (!signed || !inWindow) && (w.Code != http.StatusUnauthorized || len(rec.got) != 0) {
			t.Fatalf("unauthenticated request: status %d, %d received", w.Code, len(rec.got))
		}
		if (w.Code == http.StatusOK) != (len(rec.got) == 1) {
			t.Fatalf("status %d with %d received", w.Code, len(rec.got))
		}
		for i := range rec.got {
			if rec.mailbox[i] != "support" {
				t.Fatalf("mailbox %q", rec.mailbox[i])
			}
		}
	})
}
