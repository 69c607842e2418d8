package imapsource_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
	"golang.org/x/oauth2"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ok := imapsource.Config{Addr: "imap.example.com:993", Username: "support@example.com", Password: "pw"}
	tests := []struct {
		name string
		edit func(*imapsource.Config)
	}{
		{"no address", func(c *imapsource.Config) { c.Addr = "" }},
		{"address without port", func(c *imapsource.Config) { c.Addr = "imap.example.com" }},
		{"no user", func(c *imapsource.Config) { c.Username = "" }},
		{"clear text to a remote host", func(c *imapsource.Config) { c.TLS = imapsource.NoTLS }},
		{"unknown TLS mode", func(c *imapsource.Config) { c.TLS = 7 }},
		{"unknown mark", func(c *imapsource.Config) { c.Mark = 9 }},
		{"move without folder", func(c *imapsource.Config) { c.Mark = imapsource.MarkMove }},
		{"move to itself", func(c *imapsource.Config) { c.Mark = imapsource.MarkMove; c.MoveTo = "INBOX" }},
		{"flag with a space", func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag; c.Flag = "$Case Done" }},
		{"system flag as keyword", func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag; c.Flag = `\Seen` }},
		{"skip flag with a parenthesis", func(c *imapsource.Config) { c.SkipFlag = "(x" }},
		{"password and token", func(c *imapsource.Config) {
			c.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})
		}},
		{"unknown OAuth mechanism", func(c *imapsource.Config) { c.Mechanism = 9 }},
	}
	r := &recorder{}
	if _, err := imapsource.New(ok, newMemState(), r); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			if _, err := imapsource.New(cfg, newMemState(), r); !errors.Is(err, imapsource.ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
			if err := imapsource.Probe(context.Background(), cfg); !errors.Is(err, imapsource.ErrInvalidConfig) {
				t.Errorf("Probe = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := imapsource.New(ok, nil, r); !errors.Is(err, imapsource.ErrInvalidConfig) {
		t.Errorf("New without State = %v, want ErrInvalidConfig", err)
	}
	if _, err := imapsource.New(ok, newMemState(), nil); !errors.Is(err, imapsource.ErrInvalidConfig) {
		t.Errorf("New without Receiver = %v, want ErrInvalidConfig", err)
	}
}

// errStoreNotFound mimics a host store whose missing keys are its own error.
var errStoreNotFound = errors.New("store: not found")

type hostState struct{ *memState }

func (s hostState) GetState(ctx context.Context, key string) ([]byte, error) {
	b, err := s.memState.GetState(ctx, key)
	if errors.Is(err, imapsource.ErrNoState) {
		return nil, errStoreNotFound
	}
	return b, err
}

// nilState reports missing keys as (nil, nil).
type nilState struct{ *memState }

func (s nilState) GetState(ctx context.Context, key string) ([]byte, error) {
	b, err := s.memState.GetState(ctx, key)
	if errors.Is(err, imapsource.ErrNoState) {
		return nil, nil
	}
	return b, err
}

// TestState covers how the poller reads and writes its position: the
// ways of saying "not stored yet", an unreadable value, a store that
// fails, and the key.
func TestState(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", message("s1@client.test", "x"))
	ctx := context.Background()

	t.Run("not found", func(t *testing.T) {
		cases := []struct {
			name  string
			st    imapsource.State
			isNF  func(error) bool
			works bool
		}{
			{"ErrNoState", newMemState(), nil, true},
			{"nil value", nilState{newMemState()}, nil, true},
			{"host error with IsNotFound", hostState{newMemState()}, func(err error) bool { return errors.Is(err, errStoreNotFound) }, true},
			{"host error without IsNotFound", hostState{newMemState()}, nil, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rec := &recorder{}
				p := newPoller(t, s, u, c.st, rec, func(cfg *imapsource.Config) {
					cfg.IsNotFound = c.isNF
					cfg.Mark = imapsource.MarkFlag // leave the message unseen for the next case
					cfg.Flag = "$Seen-" + c.name[:3]
				})
				_, err := p.PollOnce(ctx)
				if c.works && (err != nil || len(rec.IDs()) != 1) {
					t.Errorf("PollOnce = %v, %d received; want the message", err, len(rec.IDs()))
				}
				var ie *imapsource.Error
				if !c.works && (!errors.As(err, &ie) || !errors.Is(err, errStoreNotFound) || len(rec.IDs()) != 0) {
					t.Errorf("PollOnce = %v, %d received; want the store's error and nothing received", err, len(rec.IDs()))
				}
			})
		}
	})

	t.Run("unreadable", func(t *testing.T) {
		for _, bad := range []string{"not json", `{"uidvalidity":0,"next":1}`, `{"uidvalidity":5,"next":0}`, `[1,2]`} {
			st := newMemState()
			rec := &recorder{}
			p := newPoller(t, s, u, st, rec, func(c *imapsource.Config) { c.StateKey = "k" })
			st.m["k"] = []byte(bad)
			if _, err := p.PollOnce(ctx); !errors.Is(err, imapsource.ErrBadState) {
				t.Errorf("stored %q: PollOnce = %v, want ErrBadState", bad, err)
			}
			if len(rec.IDs()) != 0 || string(st.m["k"]) != bad {
				t.Errorf("stored %q: %d received, state now %q; want nothing changed", bad, len(rec.IDs()), st.m["k"])
			}
		}
	})

	t.Run("store fails", func(t *testing.T) {
		st := newMemState()
		st.fail = errors.New("disk full")
		rec := &recorder{}
		p := newPoller(t, s, u, st, rec, func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag; c.Flag = "$Store" })
		if _, err := p.PollOnce(ctx); !errors.Is(err, st.fail) {
			t.Fatalf("PollOnce = %v, want the store's error", err)
		}
		if fl := a.flagsOf("INBOX", "s1@client.test"); has(fl, "$Store") {
			t.Errorf("message marked %v although its position was not stored", fl)
		}
		// The store is back: the message comes again (the receiver
		// dedupes) and is marked.
		st.mu.Lock()
		st.fail = nil
		st.mu.Unlock()
		if rep, err := p.PollOnce(ctx); err != nil || rep.Received != 1 {
			t.Fatalf("PollOnce = %+v, %v; want the message again", rep, err)
		}
		if fl := a.flagsOf("INBOX", "s1@client.test"); !has(fl, "$Store") {
			t.Errorf("message has flags %v, want $Store", fl)
		}
	})

	t.Run("key", func(t *testing.T) {
		st := newMemState()
		p := newPoller(t, s, u, st, &recorder{}, func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag; c.Flag = "$Key" })
		if _, err := p.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
		want := "imap:" + u.Address + "@" + s.IMAPAddr() + "/INBOX"
		if _, ok := st.m[want]; !ok || len(st.m) != 1 {
			t.Errorf("state keys %v, want only %q", st.m, want)
		}
	})
}

// TestUnusableMessageSkipped: a message that is not mail at all is
// skipped and reported, not retried.
func TestUnusableMessageSkipped(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", []byte("\r\n\r\njust some bytes, no header at all\r\n"))
	a.append("INBOX", message("ok@client.test", "x"))
	rec := &recorder{}
	p := newPoller(t, s, u, newMemState(), rec, nil)
	rep, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 1 || len(rep.Skipped) != 1 || !errors.Is(rep.Skipped[0].Reason, email.ErrUnusable) {
		t.Fatalf("report %+v, want 1 received and 1 skipped as unusable", rep)
	}
	if rep, err := p.PollOnce(context.Background()); err != nil || len(rep.Skipped)+rep.Received != 0 {
		t.Errorf("next poll %+v, %v; want nothing", rep, err)
	}
}
