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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"))
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
						_, _ = c.Write([]byte("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + f[0] + " OK done\r\n"))
					case "LOGIN":
						_, _ = c.Write([]byte(f[0] + " NO [AUTHENTICATIONFAILED] invalid credentials: " + strings.Join(f[2:], " ") + "\r\n"))
					default:
						_, _ = c.Write([]byte(f[0] + " BAD unknown\r\n"))
					}
				}
			}(c)
		}
	}()
	p, err := imapsource.New(imapsource.Config{Addr: ln.Addr().String(), Username: "help@example.com", Password: pw, TLS: imapsource.NoTLS},
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const caps = "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER"
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
					case "AUTHENTICATE":
						b, _ := base64.StdEncoding.DecodeString(f[len(f)-1])
						_, _ = c.Write([]byte(f[0] + " NO [AUTHENTICATIONFAILED] refused " + f[len(f)-1] + " (" + strings.ReplaceAll(string(b), "\x01", " ") + ")\r\n"))
					default:
						_, _ = c.Write([]byte(f[0] + " BAD unknown\r\n"))
					}
				}
			}(c)
		}
	}()
	for _, mech := range []email.OAuthMechanism{email.XOAuth2, email.OAuthBearer} {
		err := imapsource.Probe(context.Background(), imapsource.Config{Addr: ln.Addr().String(), Username: "help@example.com",
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
