package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
)

// The support mailbox the demo's intake rule watches.
const mailbox = "support@acme-home.example"

// firstEmail is a customer's first message to the support mailbox, as it
// arrives: raw RFC 5322 text.
const firstEmail = "Message-ID: <8f2e1c@mail.example.com>\r\n" +
	"Date: Mon, 02 Mar 2026 08:58:10 +0000\r\n" +
	"From: Elif Demir <elif.demir@example.com>\r\n" +
	"To: Acme Home support <support@acme-home.example>\r\n" +
	"Subject: Outdoor camera floodlight stays on all night\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hello,\r\n" +
	"\r\n" +
	"since Saturday the floodlight of my Cam4 Outdoor camera no longer switches off.\r\n" +
	"It stays on from dusk to morning even when nothing moves, and the motion alerts stopped.\r\n" +
	"\r\n" +
	"Best regards,\r\n" +
	"Elif\r\n"

// replyEmail is her answer to the acknowledgement; the verbs fill in the
// case number and the acknowledgement's Message-ID (twice).
const replyEmail = "Message-ID: <8f2e1d@mail.example.com>\r\n" +
	"Date: Mon, 02 Mar 2026 09:20:44 +0000\r\n" +
	"From: Elif Demir <elif.demir@example.com>\r\n" +
	"To: Acme Home support <support@acme-home.example>\r\n" +
	"Subject: Re: [%s] Outdoor camera floodlight stays on all night\r\n" +
	"In-Reply-To: %s\r\n" +
	"References: <8f2e1c@mail.example.com> %s\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"I forgot the serial number: it is SN-F4Q8L2ZC.\r\n" +
	"\r\n" +
	"Elif\r\n" +
	"\r\n" +
	"> Hello Elif Demir, thank you for writing to us.\r\n"

// emails shows the email side: a new email becomes a case through the
// intake rule and is acknowledged, a second delivery of it changes
// nothing, and the customer's reply to the acknowledgement updates the
// case. It returns the case's id.
func emails(ctx context.Context, out io.Writer, ag *agent.Agent, outbox *channel.Outbox, now *time.Time) (string, error) {
	parser := email.NewParser()
	deliver := func(raw string, show bool) (*agent.Result, error) {
		*now = now.Add(2 * time.Minute)
		p, err := parser.ParseBytes([]byte(raw))
		if err != nil {
			return nil, err
		}
		m := &p.Message
		if show {
			fmt.Fprintf(out, "  from %s: %q\n", m.From.Email, m.Subject)
			for _, line := range strings.Split(strings.TrimSpace(m.Text), "\n") {
				fmt.Fprintf(out, "    | %s\n", line)
			}
		}
		shown := outbox.Len()
		res, err := ag.InboundEmail(ctx, mailbox, m)
		for _, sent := range outbox.Sent()[shown:] {
			printSent(out, sent)
		}
		return res, err
	}

	fmt.Fprintln(out, "\n=== Email 1: a new email to the support mailbox")
	res, err := deliver(firstEmail, true)
	if err != nil {
		return "", err
	}
	report(out, "arrival", res)
	if res.Case == nil {
		return "", fmt.Errorf("the email did not become a case: %s", res.Reason)
	}
	c := res.Case
	fmt.Fprintln(out, "  (the mail server delivers the same email again)")
	if res, err = deliver(firstEmail, false); err != nil {
		return "", err
	}
	report(out, "arrival", res)

	fmt.Fprintln(out, "\n=== Email 2: the customer replies to the acknowledgement")
	last, ok := outbox.Last()
	ack := last.ID
	if !ok {
		return "", fmt.Errorf("no acknowledgement was sent")
	}
	if res, err = deliver(fmt.Sprintf(replyEmail, c.Number, ack, ack), true); err != nil {
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
	for _, line := range strings.Split(strings.TrimRight(m.Text, "\n"), "\n") {
		fmt.Fprintf(out, "    | %s\n", line)
	}
}
