package imapsource_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/emersion/go-imap/v2"
	"github.com/google/go-cmp/cmp"
)

// TestSentMailComesBack sends mail with email.SMTPSender through Postfix
// and reads it back from Dovecot with the poller.
func TestSentMailComesBack(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{SMTP: true, Users: []string{"support"}})
	u := s.User(t, "support")
	ids := email.MessageIDs{Key: []byte("0123456789abcdef-test-key"), Domain: "example.test"}
	sender, err := email.NewSMTPSender(email.SMTPConfig{
		Addr:      s.SMTPAddr(),
		TLS:       email.NoTLS,
		From:      channel.Address{Name: "Support", Email: "support@example.test"},
		IDs:       ids,
		LoopValue: "support@example.test",
		Timeout:   20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ackID, err := sender.Send(ctx, &channel.Outgoing{
		To:        []channel.Address{{Email: u.Address}},
		Subject:   "We received your request [CAS-42]",
		Text:      "Thank you, we are on it.\nCase CAS-42.",
		Automated: true,
		CaseID:    "CAS-42",
	})
	if err != nil {
		t.Fatalf("send: %v\n%s", err, s.Log())
	}
	replyID, err := sender.Send(ctx, &channel.Outgoing{
		To:         []channel.Address{{Email: u.Address}},
		Subject:    "Re: Printer jams",
		Text:       "Please try the rear tray.",
		InReplyTo:  "<m1@client.test>",
		References: []string{"<m0@client.test>", "<m1@client.test>"},
		Automated:  true,
		CaseID:     "CAS-42",
	})
	if err != nil {
		t.Fatalf("send reply: %v\n%s", err, s.Log())
	}
	s.WaitDelivered(t, u, 2, 20*time.Second)

	rec := &recorder{}
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.Parser = email.NewParser(email.WithLoopMarker("support@example.test"))
	})
	if n, _ := pollAll(t, p); n != 2 {
		t.Fatalf("received %d messages, want 2\n%s", n, s.Log())
	}
	byID := map[string]*email.Parsed{}
	for _, m := range rec.parsed {
		byID[m.Message.ID] = m
	}
	ack, reply := byID[ackID], byID[replyID]
	if ack == nil || reply == nil {
		t.Fatalf("received %v, want %s and %s", rec.IDs(), ackID, replyID)
	}
	type view struct {
		Subject, Text, From       string
		AutoSubmitted, Loop       string
		InReplyTo                 string
		References                []string
		Case                      string
		CaseOK, Automated         bool
		ReturnPathOrEnvelopeIsOur bool
	}
	see := func(p *email.Parsed) view {
		m := &p.Message
		h := func(k string) string {
			if v := m.Headers[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		c, ok := ids.CaseOf(m)
		if cID, vok := ids.Verify(m.ID); vok {
			c, ok = cID, true
		}
		return view{
			Subject: m.Subject, Text: strings.TrimSpace(m.Text), From: m.From.Email,
			AutoSubmitted: h("Auto-Submitted"), Loop: h("X-Loop"),
			InReplyTo: m.InReplyTo, References: m.References,
			Case: c, CaseOK: ok, Automated: m.Automated(),
			ReturnPathOrEnvelopeIsOur: strings.Contains(h("Return-Path"), "support@example.test"),
		}
	}
	want := map[string]view{
		"ack": {
			Subject: "We received your request [CAS-42]", Text: "Thank you, we are on it.\nCase CAS-42.",
			From: "support@example.test", AutoSubmitted: "auto-generated", Loop: "support@example.test",
			Case: "CAS-42", CaseOK: true, Automated: true, ReturnPathOrEnvelopeIsOur: true,
		},
		"reply": {
			Subject: "Re: Printer jams", Text: "Please try the rear tray.",
			From: "support@example.test", AutoSubmitted: "auto-replied", Loop: "support@example.test",
			InReplyTo: "m1@client.test", References: []string{"m0@client.test", "m1@client.test"},
			Case: "CAS-42", CaseOK: true, Automated: true, ReturnPathOrEnvelopeIsOur: true,
		},
	}
	got := map[string]view{"ack": see(ack), "reply": see(reply)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mail that came back (-want +got):\n%s", diff)
	}
}

// TestExactlyOnceAcrossRestart: a mailbox of N messages becomes exactly N
// receiver calls, across a restart of the poller with the same state, and
// new mail after that is picked up too.
func TestExactlyOnceAcrossRestart(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	all := ids("m", 25)
	for _, id := range all[:20] {
		a.append("INBOX", message(id, "The printer jams."))
	}
	st := newMemState()
	rec := &recorder{}
	first := newPoller(t, s, u, st, rec, func(c *imapsource.Config) { c.BatchSize = 7 })
	rep, err := first.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 7 || !rep.More {
		t.Fatalf("first poll: %+v, want 7 received and more waiting", rep)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// A new poller with the same state: the other 13, then 5 new ones.
	second := newPoller(t, s, u, st, rec, func(c *imapsource.Config) { c.BatchSize = 7 })
	if n, _ := pollAll(t, second); n != 13 {
		t.Errorf("second poller received %d, want 13", n)
	}
	for _, id := range all[20:] {
		a.append("INBOX", message(id, "Still jams."))
	}
	if n, _ := pollAll(t, second); n != 5 {
		t.Errorf("after new mail: received %d, want 5", n)
	}
	if n, _ := pollAll(t, second); n != 0 {
		t.Errorf("idle poll received %d, want 0", n)
	}
	onceEach(t, rec, all)
	for id, fl := range a.flags("INBOX") {
		if !has(fl, `\Seen`) {
			t.Errorf("message %s has flags %v, want \\Seen", id, fl)
		}
	}
}

// TestReceiverFailureRetried: a message the receiver refuses stays unseen
// and comes again on the next poll; the others are not repeated.
func TestReceiverFailureRetried(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	all := ids("f", 5)
	for _, id := range all {
		a.append("INBOX", message(id, "Hello."))
	}
	failing := true
	rec := &recorder{fail: func(id string) error {
		if id == all[1] && failing {
			return errors.New("store unavailable")
		}
		return nil
	}}
	st := newMemState()
	p := newPoller(t, s, u, st, rec, nil)
	rep, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 4 || len(rep.Failed) != 1 || rep.Failed[0].UID != 2 || rep.Failed[0].Attempts != 1 {
		t.Fatalf("first poll: %+v, want 4 received and UID 2 failed once", rep)
	}
	if fl := a.flagsOf("INBOX", all[1]); has(fl, `\Seen`) {
		t.Errorf("refused message has flags %v, want it unseen", fl)
	}
	// Still failing: offered again, nothing else repeated.
	if rep, err = p.PollOnce(context.Background()); err != nil || rep.Received != 0 || len(rep.Failed) != 1 || rep.Failed[0].Attempts != 2 {
		t.Fatalf("second poll: %+v, %v; want the one failure again", rep, err)
	}
	// A restarted poller with the same state retries it as well.
	failing = false
	p.Close()
	p2 := newPoller(t, s, u, st, rec, nil)
	if rep, err = p2.PollOnce(context.Background()); err != nil || rep.Received != 1 || len(rep.Failed) != 0 {
		t.Fatalf("third poll: %+v, %v; want the refused message received", rep, err)
	}
	onceEach(t, rec, all)
	if rec.calls != 7 {
		t.Errorf("receiver called %d times, want 7 (5 messages, 2 refusals)", rec.calls)
	}
	a.append("INBOX", message("f-new@client.test", "Hi."))
	if n, _ := pollAll(t, p2); n != 1 {
		t.Errorf("new mail after the retry: received %d, want 1", n)
	}
}

// TestGiveUpAfterMaxAttempts: with MaxAttempts, a message always refused
// is skipped, flagged and reported after that many attempts.
func TestGiveUpAfterMaxAttempts(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", message("poison@client.test", "x"))
	a.append("INBOX", message("fine@client.test", "y"))
	refusal := errors.New("cannot store this one")
	rec := &recorder{fail: func(id string) error {
		if id == "poison@client.test" {
			return refusal
		}
		return nil
	}}
	var reported []imapsource.Skip
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.MaxAttempts = 2
		c.OnSkip = func(_ context.Context, s imapsource.Skip) { reported = append(reported, s) }
	})
	rep1, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep2, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep1.Failed) != 1 || len(rep2.Skipped) != 1 || rep2.Skipped[0].UID != 1 {
		t.Fatalf("reports %+v then %+v; want a failure, then a skip of UID 1", rep1, rep2)
	}
	if r := rep2.Skipped[0].Reason; !errors.Is(r, imapsource.ErrGaveUp) || !errors.Is(r, refusal) {
		t.Errorf("skip reason %v, want ErrGaveUp wrapping the refusal", r)
	}
	if len(reported) != 1 {
		t.Errorf("OnSkip called %d times, want 1", len(reported))
	}
	if fl := a.flagsOf("INBOX", "poison@client.test"); !has(fl, imapsource.DefaultSkipFlag) || has(fl, `\Seen`) {
		t.Errorf("given-up message has flags %v, want %s and not \\Seen", fl, imapsource.DefaultSkipFlag)
	}
	if rep, err := p.PollOnce(context.Background()); err != nil || rep.Received+len(rep.Failed)+len(rep.Skipped) != 0 {
		t.Errorf("poll after giving up: %+v, %v; want nothing", rep, err)
	}
}

// TestUIDValidityChange: the stored position only holds for the
// UIDVALIDITY it was taken under; after a change the poller starts over.
func TestUIDValidityChange(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	all := ids("v", 3)
	for _, id := range all {
		a.append("INBOX", message(id, "Hello."))
	}
	rec := &recorder{}
	st := newMemState()
	p := newPoller(t, s, u, st, rec, nil)
	if n, _ := pollAll(t, p); n != 3 {
		t.Fatalf("received %d, want 3", n)
	}
	// Someone marks everything unread: the stored position alone keeps
	// the messages from coming again.
	a.storeFlags("INBOX", imap.StoreFlagsDel, imap.FlagSeen)
	if n, _ := pollAll(t, p); n != 0 {
		t.Fatalf("after unmarking: received %d again, want 0", n)
	}
	// The server renumbers the mailbox: every message is new to it.
	sel, err := a.c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	a.c.Unselect().Wait()
	s.SetUIDValidity(t, u, "INBOX", sel.UIDValidity+1000)
	n, reports := pollAll(t, p)
	if n != 3 || !reports[0].Reset || reports[0].UIDValidity != sel.UIDValidity+1000 {
		t.Fatalf("after the UIDVALIDITY change: received %d, first report %+v; want 3 and Reset", n, reports[0])
	}
	got := rec.counts()
	for _, id := range all {
		if got[id] != 2 {
			t.Errorf("%s received %d times, want twice (the receiver dedupes)", id, got[id])
		}
	}
	if n, reports := pollAll(t, p); n != 0 || reports[0].Reset {
		t.Errorf("next poll: received %d, report %+v; want nothing", n, reports[0])
	}
}

// TestOversizedSkippedWithoutDownload: a message over MaxSize is reported
// and flagged by its RFC822.SIZE, and its body never crosses the wire.
func TestOversizedSkippedWithoutDownload(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", message("small-1@client.test", "Hello."))
	big := message("big@client.test", strings.Repeat("attachment data 0123456789\r\n", 4000)) // ~110 KB
	a.append("INBOX", big)
	a.append("INBOX", message("small-2@client.test", "Hello again."))
	rec := &recorder{}
	d := &countingDialer{}
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.MaxSize = 20 << 10
		c.Dial = d.Dial

	})
	rep, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 2 || len(rep.Skipped) != 1 {
		t.Fatalf("report %+v, want 2 received and 1 skipped", rep)
	}
	sk := rep.Skipped[0]
	if sk.UID != 2 || sk.Size != int64(len(big)) || !errors.Is(sk.Reason, channel.ErrTooLarge) {
		t.Errorf("skip %+v, want UID 2, size %d, ErrTooLarge", sk, len(big))
	}
	if got := d.read.Load(); got > 20<<10 {
		t.Errorf("read %d bytes from the server, the big message was downloaded", got)
	}
	onceEach(t, rec, []string{"small-1@client.test", "small-2@client.test"})
	if fl := a.flagsOf("INBOX", "big@client.test"); !has(fl, imapsource.DefaultSkipFlag) || has(fl, `\Seen`) {
		t.Errorf("big message has flags %v, want %s and unseen", fl, imapsource.DefaultSkipFlag)
	}
	if rep, err := p.PollOnce(context.Background()); err != nil || len(rep.Skipped) != 0 {
		t.Errorf("next poll: %+v, %v; want the big message not reported again", rep, err)
	}
}

// TestMarkFlagAndMove checks the other two marks.
func TestMarkFlagAndMove(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"flag", "move"}})
	t.Run("flag", func(t *testing.T) {
		u := s.User(t, "flag")
		a := dialAdmin(t, s, u)
		a.append("INBOX", message("k1@client.test", "x"))
		a.append("INBOX", message("k2@client.test", "x"))
		rec := &recorder{}
		p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag })
		if n, _ := pollAll(t, p); n != 2 {
			t.Fatalf("received %d, want 2", n)
		}
		for id, fl := range a.flags("INBOX") {
			if !has(fl, imapsource.DefaultFlag) || has(fl, `\Seen`) {
				t.Errorf("%s has flags %v, want %s only", id, fl, imapsource.DefaultFlag)
			}
		}
		// A fresh state (a lost store) does not bring flagged mail back.
		p2 := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag })
		if n, _ := pollAll(t, p2); n != 0 {
			t.Errorf("a poller with a fresh state received %d flagged messages, want 0", n)
		}
	})
	t.Run("move", func(t *testing.T) {
		u := s.User(t, "move")
		a := dialAdmin(t, s, u)
		a.create("Processed")
		for _, id := range ids("mv", 3) {
			a.append("INBOX", message(id, "x"))
		}
		rec := &recorder{}
		p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
			c.Mark = imapsource.MarkMove
			c.MoveTo = "Processed"
		})
		if n, _ := pollAll(t, p); n != 3 {
			t.Fatalf("received %d, want 3", n)
		}
		if n := len(a.flags("INBOX")); n != 0 {
			t.Errorf("INBOX still holds %d messages", n)
		}
		if n := len(a.flags("Processed")); n != 3 {
			t.Errorf("Processed holds %d messages, want 3", n)
		}
		onceEach(t, rec, ids("mv", 3))
	})
}
