package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// The help center's mailbox: its intake rule puts cases on the "help
// center" line of business, where the agent resolves what it can.
const helpMailbox = "help@acme-home.example"

//go:embed knowledge
var knowledgeFS embed.FS

// loadKnowledge puts the help center's articles (Markdown files with front
// matter) into the store, where the agent finds the articles it cites.
func loadKnowledge(ctx context.Context, store knowledge.Store) (int, error) {
	sub, err := fs.Sub(knowledgeFS, "knowledge")
	if err != nil {
		return 0, err
	}
	arts, err := knowledge.LoadDir(sub)
	if err != nil {
		return 0, err
	}
	for i := range arts {
		if err := store.PutArticle(ctx, &arts[i]); err != nil {
			return 0, err
		}
	}
	return len(arts), nil
}

// helpEmails are two customers writing to the help center: one whose
// question an article answers, one who wants to return a product but does
// not say which order.
var helpEmails = []struct{ about, raw string }{
	{"a question the help center's articles answer",
		"Message-ID: <c41a07@mail.example.com>\r\n" +
			"Date: Mon, 02 Mar 2026 09:40:00 +0000\r\n" +
			"From: Chen Wei <chen.wei@example.com>\r\n" +
			"To: Acme Home help <help@acme-home.example>\r\n" +
			"Subject: Forgot my password\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"\r\n" +
			"Hi, I forgot the password of my Acme Home account and cannot sign in to the app. How do I reset my password?\r\n" +
			"\r\n" +
			"Chen\r\n"},
	{"a return that needs the order number",
		"Message-ID: <d52b18@mail.example.org>\r\n" +
			"Date: Mon, 02 Mar 2026 09:45:00 +0000\r\n" +
			"From: Dana Kowalski <dana.k@example.org>\r\n" +
			"To: Acme Home help <help@acme-home.example>\r\n" +
			"Subject: Sending the hub back\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"\r\n" +
			"Hello, I would like to return the smart hub I bought and get a refund, we do not need it after all. How do I send it back?\r\n" +
			"\r\n" +
			"Dana\r\n"},
}

// resolution shows autonomous resolution on the help center's mailbox: an
// answer quoted from a knowledge article, with its citations, and a
// question for the information the intent still needs. It returns the ids
// of the cases.
func resolution(ctx context.Context, out io.Writer, ag *agent.Agent, outbox *channel.Outbox, now *time.Time) ([]string, error) {
	parser := email.NewParser()
	var ids []string
	for i, e := range helpEmails {
		fmt.Fprintf(out, "\n=== Email %d: %s\n", i+3, e.about)
		*now = now.Add(5 * time.Minute)
		p, err := parser.ParseBytes([]byte(e.raw))
		if err != nil {
			return nil, err
		}
		m := &p.Message
		fmt.Fprintf(out, "  from %s to %s: %q\n    | %s\n", m.From.Email, helpMailbox, m.Subject, strings.TrimSpace(strings.Split(m.Text, "\n")[0]))
		shown := outbox.Len()
		res, err := ag.InboundEmail(ctx, helpMailbox, m)
		if err != nil {
			return nil, err
		}
		report(out, "arrival", res)
		if res.Case != nil {
			ids = append(ids, res.Case.ID)
		}
		if r := res.Resolution; r != nil {
			fmt.Fprintf(out, "  -> resolution (line %q, automation %s): intent %s (confidence %.2f)\n", r.Line, r.Automation, r.Intent, r.IntentConfidence)
			if d := r.Decision; d != nil {
				fmt.Fprintf(out, "     decision: %s", d.Kind)
				if len(d.Ask) > 0 {
					fmt.Fprintf(out, ", asking for %s", strings.Join(d.Ask, ", "))
				}
				fmt.Fprintln(out)
				for _, c := range d.Citations {
					fmt.Fprintf(out, "     cites %s: %q\n", c.ArticleID, clip(c.Quote, 70))
				}
			}
		}
		for _, sent := range outbox.Sent()[shown:] {
			printSent(out, sent)
		}
	}
	return ids, nil
}
