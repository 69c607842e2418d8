package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
func emails(ctx context.Context, out io.Writer, ag *agent.Agent, outbox *channel.Outbox, now *time.Time) (string, error) {
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
		shown := outbox.Len()
		res, err := ag.InboundEmail(ctx, mailbox, m)
		for _, sent := range outbox.Sent()[shown:] {
			printSent(out, sent)
		}
		return res, err
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
	last, ok := outbox.Last()
	ack := last.ID
	if !ok {
		return "", errors.New("no acknowledgement was sent")
	}
	if res, err = deliver(fmt.Sprintf(replyEmail, c.Number, ack, ack)); err != nil {
		return "", err
	}
	report(out, "arrival", res)
	return c.ID, nil
}

// printSent shows a message the agent sent: the example keeps mail in a
// channel.Outbox instead of sending it.
func printSent(out io.Writer, s channel.Sent) {
	m := &s.Message
	var to []string
	for _, a := range m.To {
		to = append(to, a.String())
	}
	fmt.Fprintf(out, "  would send: %s\n", m.Subject)
	fmt.Fprintf(out, "    To: %s\n", strings.Join(to, ", "))
	fmt.Fprintf(out, "    In-Reply-To: <%s>\n", m.InReplyTo)
	if m.Automated {
		fmt.Fprintln(out, "    Auto-Submitted: auto-replied")
	}
	fmt.Fprintf(out, "    | %s\n", m.Text)
}
