package email

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/google/go-cmp/cmp"
)

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}

// smtpServer is a small SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type smtpServer struct {
	ln        net.Listener
	tlsConfig *tls.Config
	startTLS  bool
	user, pw  string
	rejectTo  string // a recipient answered with 550
	tempFail  bool   // answer MAIL FROM with 451
	echo      bool   // echo the credentials in a refused AUTH
	token     string // the access token XOAUTH2 and OAUTHBEARER accept

	mu       sync.Mutex
	received []delivery
	authed   bool
	sawTLS   bool
}

type delivery struct {
	from string
	to   []string
	data string
	tls  bool
}

func newSMTPServer(t *testing.T, configure func(*smtpServer)) *smtpServer {
	t.Helper()
	cert := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, tlsConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, startTLS: true}
	if configure != nil {
		configure(s)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	isTLS, authed := false, false
	var cur delivery
	reply("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"250-test"}
			if s.startTLS && !isTLS {
				lines = append(lines, "250-STARTTLS")
			}
			switch {
			case s.token != "" && isTLS:
				lines = append(lines, "250-AUTH PLAIN XOAUTH2 OAUTHBEARER")
			case s.user != "":
				lines = append(lines, "250-AUTH PLAIN")
			}
			lines = append(lines, "250 8BITMIME")
			reply(lines...)
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(conn, s.tlsConfig)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, isTLS = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case "AUTH":
			f := strings.Fields(line)
			if len(f) == 3 && s.token != "" && (f[1] == "XOAUTH2" || f[1] == "OAUTHBEARER") {
				b, _ := base64.StdEncoding.DecodeString(f[2])
				switch {
				case strings.Contains(string(b), "auth=Bearer "+s.token+"\x01"):
					authed = true
					reply("235 ok")
				case s.echo:
					reply("535 5.7.8 token refused: " + f[2] + " (" + strings.ReplaceAll(string(b), "\x01", " ") + ")")
				default:
					reply("334 " + base64.StdEncoding.EncodeToString([]byte(`{"status":"invalid_token"}`)))
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					reply("535 5.7.8 token refused")
				}
				continue
			}
			if len(f) < 3 || !strings.EqualFold(f[1], "PLAIN") {
				reply("504 unsupported")
				continue
			}
			b, _ := base64.StdEncoding.DecodeString(f[2])
			parts := strings.Split(string(b), "\x00")
			if len(parts) == 3 && parts[1] == s.user && parts[2] == s.pw {
				authed = true
				reply("235 ok")
			} else if s.echo {
				reply("535 bad credentials " + f[2] + " (user " + parts[1] + ", password " + parts[len(parts)-1] + ")")
			} else {
				reply("535 bad credentials")
			}
		case "MAIL":
			if s.user != "" && !authed {
				reply("530 authentication required")
				continue
			}
			if s.tempFail {
				reply("451 try again later")
				continue
			}
			cur = delivery{from: angle(line), tls: isTLS}
			reply("250 ok")
		case "RCPT":
			to := angle(line)
			if to == s.rejectTo {
				reply("550 no such user")
				continue
			}
			cur.to = append(cur.to, to)
			reply("250 ok")
		case "DATA":
			reply("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.data = b.String()
			s.mu.Lock()
			s.received = append(s.received, cur)
			s.authed, s.sawTLS = authed, isTLS
			s.mu.Unlock()
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown")
		}
	}
}

// angle returns the address between angle brackets in an SMTP command.
func angle(line string) string {
	i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>')
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

func (s *smtpServer) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.received...)
}

var testIDs = MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "help.example.com"}

func newTestSender(t *testing.T, srv *smtpServer, change func(*SMTPConfig)) *SMTPSender {
	t.Helper()
	// Trust the test server's own certificate.
	leaf, err := x509.ParseCertificate(srv.tlsConfig.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	cfg := SMTPConfig{
		Addr:      srv.ln.Addr().String(),
		Username:  "agent",
		Password:  "pw",
		TLSConfig: &tls.Config{RootCAs: pool},
		From:      channel.Address{Name: "Support", Email: "help@example.com"},
		IDs:       testIDs,
		Now:       func() time.Time { return time.Date(2025, 2, 3, 10, 12, 0, 0, time.UTC) },
		Timeout:   5 * time.Second,
	}
	if change != nil {
		change(&cfg)
	}
	s, err := NewSMTPSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPSenderSendsReplyWithHeaders(t *testing.T) {
	srv := newSMTPServer(t, func(s *smtpServer) { s.user, s.pw = "agent", "pw" })
	sender := newTestSender(t, srv, nil)
	out := &channel.Outgoing{
		To:         []channel.Address{{Name: "René Müller", Email: "rene@example.org"}},
		Cc:         []channel.Address{{Email: "boss@example.org"}},
		Subject:    "Re: Drucker\r\nBcc: evil@example.net",
		Text:       "Danke, wir kümmern uns darum.\n-- \nSupport",
		InReplyTo:  "<m1@example.org>",
		References: []string{"first@example.org", "m1@example.org"},
		Automated:  true,
		CaseID:     "CAS-000123",
		Headers:    map[string]string{"X-Case-Number": "CAS-000123"},
	}
	id, err := sender.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	d := got[0]
	if !d.tls || d.from != "help@example.com" {
		t.Errorf("delivery tls=%v from=%q", d.tls, d.from)
	}
	if diff := cmp.Diff([]string{"rene@example.org", "boss@example.org"}, d.to); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	p := mustParse(t, []byte(d.data))
	m := p.Message
	if m.ID != id {
		t.Errorf("Message-ID %q, Send returned %q", m.ID, id)
	}
	if c, ok := testIDs.Verify(id); !ok || c != "CAS-000123" {
		t.Errorf("Message-ID %q does not verify to the case: %q %v", id, c, ok)
	}
	h := m.Headers
	want := map[string]string{
		"In-Reply-To":              "<m1@example.org>",
		"Auto-Submitted":           "auto-replied",
		"X-Loop":                   "help@example.com",
		"X-Auto-Response-Suppress": "All",
		"X-Case-Number":            "CAS-000123",
		"Date":                     "Mon, 03 Feb 2025 10:12:00 +0000",
		"Subject":                  "Re: Drucker Bcc: evil@example.net",
	}
	for k, v := range want {
		if len(h[k]) != 1 || h[k][0] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if _, ok := h["Bcc"]; ok {
		t.Error("a line break in the subject injected a header")
	}
	if diff := cmp.Diff([]string{"first@example.org", "m1@example.org"}, m.References); diff != "" {
		t.Errorf("References (-want +got):\n%s", diff)
	}
	if m.To[0].Name != "René Müller" || m.Text != "Danke, wir kümmern uns darum." || m.Signature != "-- \nSupport" {
		t.Errorf("to %+v text %q signature %q", m.To, m.Text, m.Signature)
	}
	// Our own mail coming back is recognised as automated.
	if !m.Automated() {
		t.Errorf("own automated mail parsed as not automated: %+v", p.Classification)
	}
}

func TestSMTPSenderNewMessageIsAutoGenerated(t *testing.T) {
	srv := newSMTPServer(t, nil)
	sender := newTestSender(t, srv, func(c *SMTPConfig) { c.Username, c.Password = "", "" })
	_, err := sender.Send(context.Background(), &channel.Outgoing{
		To: []channel.Address{{Email: "ann@example.org"}}, Subject: "Follow-up", Text: "Any news?", Automated: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, []byte(srv.deliveries()[0].data)).Message
	if got := m.Headers["Auto-Submitted"]; len(got) != 1 || got[0] != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if _, ok := m.Headers["In-Reply-To"]; ok {
		t.Error("In-Reply-To on a new message")
	}
	if _, ok := testIDs.Verify(m.ID); ok {
		t.Error("a message without a case has a case token")
	}
}

func TestSMTPSenderFailures(t *testing.T) {
	tests := []struct {
		name      string
		server    func(*smtpServer)
		config    func(*SMTPConfig)
		out       channel.Outgoing
		op        string
		temporary bool
	}{
		{"no starttls offered", func(s *smtpServer) { s.startTLS = false }, nil,
			channel.Outgoing{To: []channel.Address{{Email: "a@example.org"}}}, "starttls", false},
		{"wrong password", func(s *smtpServer) { s.user, s.pw = "agent", "other" }, nil,
			channel.Outgoing{To: []channel.Address{{Email: "a@example.org"}}}, "auth", false},
		{"rejected recipient", func(s *smtpServer) { s.user, s.pw, s.rejectTo = "agent", "pw", "gone@example.org" }, nil,
			channel.Outgoing{To: []channel.Address{{Email: "gone@example.org"}}}, "rcpt to gone@example.org", false},
		{"temporary failure", func(s *smtpServer) { s.user, s.pw, s.tempFail = "agent", "pw", true }, nil,
			channel.Outgoing{To: []channel.Address{{Email: "a@example.org"}}}, "mail from", true},
		{"untrusted certificate", func(s *smtpServer) { s.user, s.pw = "agent", "pw" }, func(c *SMTPConfig) { c.TLSConfig = nil },
			channel.Outgoing{To: []channel.Address{{Email: "a@example.org"}}}, "starttls", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSMTPServer(t, tt.server)
			sender := newTestSender(t, srv, tt.config)
			_, err := sender.Send(context.Background(), &tt.out)
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SendError", err)
			}
			if se.Op != tt.op || se.Temporary() != tt.temporary {
				t.Errorf("op %q temporary %v (%v), want %q %v", se.Op, se.Temporary(), err, tt.op, tt.temporary)
			}
			if n := len(srv.deliveries()); n != 0 {
				t.Errorf("%d deliveries after a failure", n)
			}
		})
	}
}

func TestSMTPSenderRefusesBadMessages(t *testing.T) {
	srv := newSMTPServer(t, nil)
	sender := newTestSender(t, srv, func(c *SMTPConfig) { c.Username = "" })
	for name, out := range map[string]channel.Outgoing{
		"no recipient":        {Subject: "x"},
		"bad address":         {To: []channel.Address{{Email: "not an address"}}},
		"address injection":   {To: []channel.Address{{Email: "a@example.org\r\nBcc: b@example.org"}}},
		"header injection":    {To: []channel.Address{{Email: "a@example.org"}}, Headers: map[string]string{"X-A": "1\r\nBcc: b@example.org"}},
		"reserved header":     {To: []channel.Address{{Email: "a@example.org"}}, Headers: map[string]string{"auto-submitted": "no"}},
		"bad header name":     {To: []channel.Address{{Email: "a@example.org"}}, Headers: map[string]string{"X A": "1"}},
		"in-reply-to garbage": {To: []channel.Address{{Email: "a@example.org"}}, InReplyTo: "a@b> <c@d"},
	} {
		if _, err := sender.Send(context.Background(), &out); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: err = %v, want ErrInvalidMessage", name, err)
		}
	}
	if n := len(srv.deliveries()); n != 0 {
		t.Errorf("%d deliveries of invalid messages", n)
	}
}

func TestSMTPSenderHonoursContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(2 * time.Second) // never greets
		}
	}()
	s, err := NewSMTPSender(SMTPConfig{Addr: ln.Addr().String(), From: channel.Address{Email: "help@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Send(ctx, &channel.Outgoing{To: []channel.Address{{Email: "a@example.org"}}})
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary() {
		t.Errorf("err = %v, want a temporary *SendError", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("Send took %v after the context ended", time.Since(start))
	}
}

func TestNewSMTPSenderValidates(t *testing.T) {
	for name, cfg := range map[string]SMTPConfig{
		"no addr":                {From: channel.Address{Email: "a@example.org"}},
		"no from":                {Addr: "127.0.0.1:25"},
		"credentials in clear":   {Addr: "127.0.0.1:25", From: channel.Address{Email: "a@example.org"}, TLS: NoTLS, Username: "u"},
		"line break in loop":     {Addr: "127.0.0.1:25", From: channel.Address{Email: "a@example.org"}, LoopValue: "a\r\nb"},
		"unknown tls mode":       {Addr: "127.0.0.1:25", From: channel.Address{Email: "a@example.org"}, TLS: 7},
		"from is not an address": {Addr: "127.0.0.1:25", From: channel.Address{Email: "nope"}},
	} {
		if _, err := NewSMTPSender(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestReferences(t *testing.T) {
	var long []string
	for i := range 30 {
		long = append(long, strings.Repeat("x", 1)+string(rune('a'+i%26))+strings.Repeat("y", i)+"@x")
	}
	tests := []struct {
		refs      []string
		inReplyTo string
		want      []string
	}{
		{nil, "", nil},
		{nil, "a@x", []string{"a@x"}},
		{[]string{"a@x", "b@x"}, "b@x", []string{"a@x", "b@x"}},
		{[]string{"b@x", "a@x"}, "b@x", []string{"a@x", "b@x"}},
		{[]string{"<a@x>", "bad id"}, "c@x", []string{"a@x", "c@x"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, references(tt.refs, tt.inReplyTo)); d != "" {
			t.Errorf("references(%v, %q) (-want +got):\n%s", tt.refs, tt.inReplyTo, d)
		}
	}
	got := references(long, "last@x")
	if len(got) != 20 || got[0] != long[0] || got[19] != "last@x" {
		t.Errorf("long chain: %d ids, first %q, last %q", len(got), got[0], got[len(got)-1])
	}
}

// TestSMTPErrorDoesNotLeakPassword: a server that echoes the credentials
// it refused does not put the password into the error's text.
func TestSMTPErrorDoesNotLeakPassword(t *testing.T) {
	const pw = "Tr0ub4dor-and-3"
	srv := newSMTPServer(t, func(s *smtpServer) { s.user, s.pw, s.echo = "agent", "another password", true })
	sender := newTestSender(t, srv, func(c *SMTPConfig) { c.Password = pw })
	_, err := sender.Send(context.Background(), &channel.Outgoing{To: []channel.Address{{Email: "ann@example.org"}}, Subject: "x", Text: "y"})
	if err == nil {
		t.Fatal("no error for refused credentials")
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00agent\x00" + pw))
	for _, leak := range []string{pw, plain, strings.TrimRight(plain, "=")} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error leaks %q: %s", leak, err)
		}
	}
	var se *SendError
	if !errors.As(err, &se) || se.Op != "auth" || !strings.Contains(err.Error(), "535") {
		t.Errorf("error lost what happened: %v", err)
	}
}
