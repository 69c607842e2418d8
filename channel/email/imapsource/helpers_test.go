package imapsource_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// memState is an in-memory State.
type memState struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
	fail error // returned by PutState when set
}

func newMemState() *memState { return &memState{m: map[string][]byte{}} }

func (s *memState) GetState(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, imapsource.ErrNoState
	}
	return append([]byte(nil), v...), nil
}

func (s *memState) PutState(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.puts++
	s.m[key] = append([]byte(nil), value...)
	return nil
}

// recorder is a Receiver that records Message-IDs; fail, when set, may
// refuse a message.
type recorder struct {
	mu     sync.Mutex
	ids    []string
	parsed []*email.Parsed
	fail   func(id string) error
	calls  int
}

func (r *recorder) ReceiveEmail(_ context.Context, mailbox string, p *email.Parsed) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		if err := r.fail(p.Message.ID); err != nil {
			return err
		}
	}
	r.ids = append(r.ids, p.Message.ID)
	r.parsed = append(r.parsed, p)
	return nil
}

func (r *recorder) IDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

// counts returns how often each id was received.
func (r *recorder) counts() map[string]int {
	m := map[string]int{}
	for _, id := range r.IDs() {
		m[id]++
	}
	return m
}

// message is a small test message with the given Message-ID.
func message(id, body string) []byte {
	return []byte("From: Customer <customer@client.test>\r\n" +
		"To: support@example.test\r\n" +
		"Subject: Printer " + id + "\r\n" +
		"Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n")
}

// admin is a direct IMAP session for setting up and checking a mailbox.
type admin struct {
	t *testing.T
	c *imapclient.Client
}

func dialAdmin(t *testing.T, s *mailtest.Server, u mailtest.User) *admin {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Address, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return &admin{t: t, c: c}
}

func (a *admin) append(mailbox string, raw []byte) imap.UID {
	a.t.Helper()
	cmd := a.c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		a.t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		a.t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		a.t.Fatal(err)
	}
	return data.UID
}

func (a *admin) create(mailbox string) {
	a.t.Helper()
	if err := a.c.Create(mailbox, nil).Wait(); err != nil {
		a.t.Fatal(err)
	}
}

// flags returns the flags of every message of a mailbox by Message-ID.
func (a *admin) flags(mailbox string) map[string][]string {
	a.t.Helper()
	sel, err := a.c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string][]string{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := a.c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		Flags: true, Envelope: true,
	}).Collect()
	if err != nil {
		a.t.Fatal(err)
	}
	for _, m := range msgs {
		var fl []string
		for _, f := range m.Flags {
			if f != `\Recent` {
				fl = append(fl, string(f))
			}
		}
		out[m.Envelope.MessageID] = fl
	}
	return out
}

// flagsOf returns the flags of one message, which must exist.
func (a *admin) flagsOf(mailbox, messageID string) []string {
	a.t.Helper()
	fl, ok := a.flags(mailbox)[messageID]
	if !ok {
		a.t.Fatalf("no message %s in %s", messageID, mailbox)
	}
	return fl
}

func (a *admin) storeFlags(mailbox string, op imap.StoreFlagsOp, flags ...imap.Flag) {
	a.t.Helper()
	if _, err := a.c.Select(mailbox, nil).Wait(); err != nil {
		a.t.Fatal(err)
	}
	err := a.c.Store(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil).Close()
	if err != nil {
		a.t.Fatal(err)
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// countingDialer counts the bytes read from the server and can refuse
// dials.
type countingDialer struct {
	read   atomic.Int64
	dials  atomic.Int64
	refuse atomic.Int64 // dials left to refuse
}

func (d *countingDialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.dials.Add(1)
	if d.refuse.Load() > 0 {
		d.refuse.Add(-1)
		return nil, errors.New("dial refused by the test")
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &d.read}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// newPoller returns a poller of u's INBOX on s over clear text.
func newPoller(t *testing.T, s *mailtest.Server, u mailtest.User, st imapsource.State, r email.Receiver, edit func(*imapsource.Config)) *imapsource.Poller {
	t.Helper()
	cfg := imapsource.Config{
		Addr:     s.IMAPAddr(),
		Username: u.Address,
		Password: u.Password,
		TLS:      imapsource.NoTLS,
		Sleep: func(ctx context.Context, d time.Duration) error {
			// Tests do not wait for real.
			return ctx.Err()
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := imapsource.New(cfg, st, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// pollAll polls until no more messages wait, and returns the summed
// report counts.
func pollAll(t *testing.T, p *imapsource.Poller) (received int, reports []imapsource.Report) {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		rep, err := p.PollOnce(ctx)
		if err != nil {
			t.Fatalf("PollOnce: %v", err)
		}
		reports = append(reports, rep)
		received += rep.Received
		if !rep.More {
			return received, reports
		}
	}
	t.Fatal("still more messages after 100 polls")
	return 0, nil
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d@client.test", prefix, i+1)
	}
	return out
}

func onceEach(t *testing.T, r *recorder, want []string) {
	t.Helper()
	got := r.counts()
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("message %s received %d times, want once", id, got[id])
		}
	}
	if len(got) != len(want) {
		var extra []string
		for id := range got {
			if !has(want, id) {
				extra = append(extra, id)
			}
		}
		t.Errorf("received %d distinct messages, want %d; unexpected: %s", len(got), len(want), strings.Join(extra, ", "))
	}
}
