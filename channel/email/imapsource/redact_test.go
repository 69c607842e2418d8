package imapsource_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"golang.org/x/oauth2"
)

// TestLoginErrorDoesNotLeakPassword: a server that echoes the refused
// credentials does not put the password into the poller's error.
func TestLoginErrorDoesNotLeakPassword(t *testing.T) {
	const pw = "s3cret-imap-Passw0rd"
	addr := refusingServer(t, "IMAP4rev1 AUTH=PLAIN", "LOGIN", func(f []string) string {
		return "invalid credentials: " + strings.Join(f[2:], " ")
	})
	p, err := imapsource.New(imapsource.Config{Addr: addr, Username: "help@example.com", Password: pw, TLS: imapsource.NoTLS},
		newMemState(), email.ReceiverFunc(func(context.Context, string, *email.Parsed) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.PollOnce(context.Background())
	if err == nil {
		t.Fatal("no error for refused credentials")
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("the password leaks into the error: %s", err)
	}
	if !strings.Contains(err.Error(), "login") {
		t.Errorf("the error lost what happened: %s", err)
	}
}

// TestAuthenticateErrorDoesNotLeakToken: a server that echoes the SASL
// message it refused does not put the token, or the message carrying it,
// into the poller's error, which is email.ErrAuthFailed.
func TestAuthenticateErrorDoesNotLeakToken(t *testing.T) {
	const token = "ya29.a0-the-real-Access-Token-value"
	addr := refusingServer(t, "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER", "AUTHENTICATE", func(f []string) string {
		b, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
		return "refused " + f[len(f)-1] + " (" + strings.ReplaceAll(string(b), "\x01", " ") + ")"
	})
	for _, mech := range []email.OAuthMechanism{email.XOAuth2, email.OAuthBearer} {
		err := imapsource.Probe(context.Background(), imapsource.Config{Addr: addr, Username: "help@example.com",
			TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), Mechanism: mech, TLS: imapsource.NoTLS})
		if !errors.Is(err, email.ErrAuthFailed) || !strings.Contains(err.Error(), "AUTHENTICATIONFAILED") {
			t.Errorf("%v: err = %v; want email.ErrAuthFailed with the server's answer", mech, err)
		}
		// "auth=Bearer " in base64, as a part of the message would show it.
		for _, leak := range []string{token, "YXV0aD1CZWFyZXIg"} {
			if err != nil && strings.Contains(err.Error(), leak) {
				t.Errorf("%v: the error shows %q: %s", mech, leak, err)
			}
		}
	}
}

// refusingServer starts an IMAP server on loopback that announces caps and
// refuses every cmd with NO [AUTHENTICATIONFAILED] and the text echo makes
// of the command's fields, as careless servers echo what they refused.
func refusingServer(t *testing.T, caps, cmd string, echo func(f []string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				_, _ = c.Write([]byte("* OK [CAPABILITY " + caps + "] ready\r\n"))
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					f := strings.Fields(line)
					if len(f) < 2 {
						continue
					}
					switch strings.ToUpper(f[1]) {
					case "CAPABILITY":
						_, _ = c.Write([]byte("* CAPABILITY " + caps + "\r\n" + f[0] + " OK done\r\n"))
					case cmd:
						_, _ = c.Write([]byte(f[0] + " NO [AUTHENTICATIONFAILED] " + echo(f) + "\r\n"))
					default:
						_, _ = c.Write([]byte(f[0] + " BAD unknown\r\n"))
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String()
}
