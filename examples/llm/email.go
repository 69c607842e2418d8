package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
)

// The support mailbox the demo's intake rule watches.
const mailbox = "support@kitchen.example"

// firstEmail is a customer's first message to the support mailbox, as it
// arrives: raw RFC 5322 text.
const firstEmail = "Message-ID: <b7c1@mail.example.net>\r\n" +
	"Date: Sat, 14 Mar 2026 08:41:00 +0000\r\n" +
	"From: Bruno Silva <bruno.silva@example.net>\r\n" +
	"To: Kitchen support <support@kitchen.example>\r\n" +
	"Subject: Kettle smells of burning plastic\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hello,\r\n" +
	"\r\n" +
	"my Boil Smart kettle smells of burning plastic every time it boils, and the base gets very hot.\r\n" +
	"I have unplugged it for now.\r\n" +
	"\r\n" +
	"Bruno\r\n"

// replyEmail is his answer to the acknowledgement; the verbs fill in the
// case number and the acknowledgement's Message-ID (twice).
const replyEmail = "Message-ID: <b7c2@mail.example.net>\r\n" +
	"Date: Sat, 14 Mar 2026 09:05:00 +0000\r\n" +
	"From: Bruno Silva <bruno.silva@example.net>\r\n" +
	"To: Kitchen support <support@kitchen.example>\r\n" +
	"Subject: Re: [%s] Kettle smells of burning plastic\r\n" +
	"In-Reply-To: %s\r\n" +
	"References: <b7c1@mail.example.net> %s\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"The serial number under the base is SN-KT7Q2M9X.\r\n" +
	"\r\n" +
	"Bruno\r\n"

// emails shows the email side: a new email becomes a case through the
// intake rule and is acknowledged, and the reply to the acknowledgement
// updates the case. It returns the case's id.
func emails(ctx context.Context, out io.Writer, ag *agent.Agent, sender *printSender, now *time.Time) (string, error) {
	parser := email.NewParser()
	deliver := func(raw string) (*agent.Result, error) {
		*now = now.Add(2 * time.Minute)
		p, err := parser.ParseBytes([]byte(raw))
		if err != nil {
			return nil, err
		}
		m := &p.Message
		fmt.Fprintf(out, "  from %s: %q\n", m.From.Email, m.Subject)
		for _, line := range strings.Split(strings.TrimSpace(m.Text), "\n") {
			fmt.Fprintf(out, "    | %s\n", line)
		}
		return ag.InboundEmail(ctx, mailbox, m)
	}
	fmt.Fprintln(out, "\n=== Email: a new email to the support mailbox")
	res, err := deliver(firstEmail)
	if err != nil {
		return "", err
	}
	report(out, "arrival", res)
	if res.Case == nil {
		return "", fmt.Errorf("the email did not become a case: %s", res.Reason)
	}
	c := res.Case
	fmt.Fprintln(out, "\n=== Email: the customer replies to the acknowledgement")
	ack := sender.last()
	if ack == "" {
		return "", errors.New("no acknowledgement was sent")
	}
	if res, err = deliver(fmt.Sprintf(replyEmail, c.Number, ack, ack)); err != nil {
		return "", err
	}
	report(out, "arrival", res)
	return c.ID, nil
}

// printSender is a channel.Sender that prints what it would send instead
// of sending it, and names each message as the SMTP sender would. It is
// safe for concurrent use.
type printSender struct {
	out io.Writer
	ids email.MessageIDs

	mu   sync.Mutex
	sent []string
}

// Send prints m and returns its Message-ID.
func (s *printSender) Send(_ context.Context, m *channel.Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ids.New(m.CaseID)
	var to []string
	for _, a := range m.To {
		to = append(to, a.String())
	}
	fmt.Fprintf(s.out, "  would send: %s\n", m.Subject)
	fmt.Fprintf(s.out, "    To: %s\n", strings.Join(to, ", "))
	fmt.Fprintf(s.out, "    In-Reply-To: <%s>\n", m.InReplyTo)
	fmt.Fprintf(s.out, "    | %s\n", m.Text)
	s.sent = append(s.sent, id)
	return id, nil
}

// last returns the Message-ID of the last message sent, or "".
func (s *printSender) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) == 0 {
		return ""
	}
	return s.sent[len(s.sent)-1]
}
