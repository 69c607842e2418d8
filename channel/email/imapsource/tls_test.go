package imapsource_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
)

// TestTLSModes polls over implicit TLS and STARTTLS, and refuses a server
// whose certificate is not trusted.
func TestTLSModes(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", message("tls@client.test", "x"))
	tests := []struct {
		name string
		mode imapsource.TLSMode
		addr string
	}{
		{"implicit", imapsource.ImplicitTLS, s.IMAPSAddr()},
		{"starttls", imapsource.StartTLS, s.IMAPAddr()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
				c.TLS, c.Addr, c.TLSConfig = tt.mode, tt.addr, s.TLSConfig()
				c.Mark = imapsource.MarkFlag
				c.Flag = "$" + tt.name
			})
			if rep, err := p.PollOnce(context.Background()); err != nil || rep.Received != 1 {
				t.Errorf("PollOnce = %+v, %v; want the message", rep, err)
			}
		})
		t.Run(tt.name+" untrusted", func(t *testing.T) {
			rec := &recorder{}
			p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
				c.TLS, c.Addr = tt.mode, tt.addr
			})
			_, err := p.PollOnce(context.Background())
			var ie *imapsource.Error
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &ie) || !errors.As(err, &unknown) || len(rec.IDs()) != 0 {
				t.Errorf("PollOnce = %v; want an *Error for the unknown authority and nothing received", err)
			}
		})
	}
}
