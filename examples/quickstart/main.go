// Command quickstart shows caseagent's main job on the embedded default:
// no network, no API key, no server.
//
//	go run ./examples/quickstart
//
// It opens a SQLite file in a temporary directory, loads an example
// tenant configuration (the case schema, the contact directory, the
// create rule, the update rules and an intake rule for the support
// mailbox), replays a few live chats through the agent with the offline
// predictor, then an email that becomes a case (acknowledged through a
// sender that prints what it would send) and the customer's reply that
// updates it. Then two customers write to the help center's mailbox,
// whose line of business lets the agent resolve: one question is answered
// from a knowledge article (the examples' knowledge folder), quoted with
// its citations, and a return is met with a question for the missing order
// number. Last it prints each case that was created or updated, with every
// field's confidence and evidence, and the audit trail.
//
// With -db FILE it keeps the SQLite database at FILE (a new file) instead
// of a temporary directory, for examples/insights to report on:
//
//	go run ./examples/quickstart -db /tmp/quickstart.db
//	go run ./examples/insights -db /tmp/quickstart.db -from 2026-02-24 -to 2026-03-02 -o insights.html
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict/heuristic"
)

//go:embed tenant.json
var tenant []byte

func main() {
	db := flag.String("db", "", "keep the SQLite database at this `file` (which must not exist yet) instead of a temporary directory")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *db); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// chat is one live conversation of the demo.
type chat struct {
	about    string
	customer channel.Customer
	turns    []turn // before "accepted" when early is set
	early    int    // how many turns the customer typed before a representative accepted
	// edit, when set, is a representative's edit made before the end.
	edit map[string]any
}

type turn struct {
	role channel.Role
	text string
}

func cust(s string) turn { return turn{channel.RoleCustomer, s} }
func rep(s string) turn  { return turn{channel.RoleRepresentative, s} }

var chats = []chat{
	{
		about:    "a signed-in customer whose router keeps restarting",
		customer: channel.Customer{ContactID: "C-1012"},
		early:    1,
		turns: []turn{
			cust("Hello, my X300 router restarts by itself every twenty minutes or so since yesterday evening."),
			rep("Sorry about that! Is the power light steady before it restarts?"),
			cust("It blinks orange, then everything drops. Both my laptops lose the connection each time."),
			rep("Could you read me the serial number from the label underneath?"),
			cust("It says SN-R7T2K9WM"),
		},
		edit: map[string]any{"priority": "Urgent"},
	},
	{
		about:    "an anonymous visitor who wants to send a plug back",
		customer: channel.Customer{},
		turns: []turn{
			cust("Hi, I'd like to return the smart plug I bought last week, it doesn't fit the sockets here."),
			rep("No problem. What is your order number, and the email on the order?"),
			cust("Order ORD-771204, email is rosa.martini@example.it"),
		},
	},
	{
		about:    "a visitor who leaves before saying anything useful",
		customer: channel.Customer{},
		turns: []turn{
			cust("hello?"),
			rep("Hi! How can I help?"),
			cust("sorry, wrong window"),
		},
	},
}

// run plays the demo on a SQLite store at dbPath, or in a temporary
// directory when dbPath is empty.
func run(ctx context.Context, out io.Writer, dbPath string) error {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "caseagent-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "cases.db")
	} else if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("%s already exists: remove it or choose another file", dbPath)
	}

	cfg, err := agent.ParseConfig(tenant)
	if err != nil {
		return err
	}
	store, err := sqlstore.OpenSQLite(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		return err
	}
	articles, err := loadKnowledge(ctx, store)
	if err != nil {
		return err
	}
	pred, err := heuristic.New()
	if err != nil {
		return err
	}
	// A fixed clock makes the output the same on every run.
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	// Mail the agent writes (acknowledgements) goes through a sender; here
	// one that prints what it would send. Its Message-IDs carry a signed
	// token of the case, so replies find their case.
	ids := email.MessageIDs{Key: []byte("quickstart key, keep yours secret"), Domain: "acme-home.example"}
	outbox := &channel.Outbox{NewID: func(m *channel.Outgoing) string { return ids.New(m.CaseID) }}
	ag, err := agent.New(store, pred, cfg, agent.WithClock(clock),
		agent.WithSender(outbox, channel.Address{Name: "Acme Home support", Email: "support@acme-home.example"}),
		agent.WithMessageIDs(ids))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "caseagent quickstart: SQLite store at %s, %d fields, %d contacts, %d update rules, %d intake rule(s), %d intents, %d knowledge articles\n",
		filepath.Base(dbPath), len(cfg.Fields), len(cfg.Contacts), len(cfg.UpdateRules), len(cfg.IntakeRules), len(cfg.Resolution.Intents), articles)

	for i, ch := range chats {
		fmt.Fprintf(out, "\n=== Chat %d: %s\n", i+1, ch.about)
		conv := &channel.Conversation{ID: fmt.Sprintf("chat-%d", i+1), Kind: channel.KindChat,
			Status: channel.StatusRequested, Customer: ch.customer, StartedAt: now}
		say := func(t turn) {
			now = now.Add(40 * time.Second)
			who := "customer"
			if t.role != channel.RoleCustomer {
				who = "rep     "
			}
			fmt.Fprintf(out, "  %s  %s\n", who, t.text)
			conv.Messages = append(conv.Messages, channel.Message{
				ID: fmt.Sprintf("%s-m%d", conv.ID, len(conv.Messages)+1), ConversationID: conv.ID,
				Kind: channel.KindChat, Role: t.role, Text: t.text, Time: now,
			})
		}
		for _, t := range ch.turns[:ch.early] {
			say(t)
		}
		conv.Status = channel.StatusAccepted
		res, err := ag.ConversationAccepted(ctx, conv, "rep-1")
		if err != nil {
			return err
		}
		report(out, "accepted", res)
		for _, t := range ch.turns[ch.early:] {
			say(t)
		}
		if ch.edit != nil {
			if c, err := store.FindCaseByConversation(ctx, conv.ID); err == nil {
				fmt.Fprintf(out, "  (the representative sets %s)\n", formatEdit(ch.edit))
				if _, err := ag.EditCase(ctx, c.ID, "rep-1", ch.edit); err != nil {
					return err
				}
			}
		}
		conv.Status = channel.StatusEnded
		res, err = ag.ConversationEnded(ctx, conv, "rep-1")
		if err != nil {
			return err
		}
		report(out, "ended", res)
	}

	emailCase, err := emails(ctx, out, ag, outbox, &now)
	if err != nil {
		return err
	}

	helpCases, err := resolution(ctx, out, ag, outbox, &now)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n=== Cases in the store")
	cases, err := store.FindCasesByContact(ctx, "C-1012", casemgmt.Filter{})
	if err != nil {
		return err
	}
	for _, id := range []string{"chat-2"} {
		if c, err := store.FindCaseByConversation(ctx, id); err == nil {
			cases = append(cases, c)
		}
	}
	for _, id := range append([]string{emailCase}, helpCases...) {
		if c, err := store.GetCase(ctx, id); err == nil {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		printCase(out, cfg, c)
		audit, err := store.ListAudit(ctx, c.ID)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "  audit trail:")
		for _, e := range audit {
			fmt.Fprintf(out, "    %s  %-27s %-17s %s\n", e.Time.Format("15:04:05"), e.Actor, e.Field, describeChange(e))
		}
	}
	return nil
}

func report(out io.Writer, when string, res *agent.Result) {
	switch res.Outcome {
	case casemgmt.OutcomeCreated:
		fmt.Fprintf(out, "  -> at %s: created case %s (%s)\n", when, res.Case.Number, strings.Join(res.ChangedFields(), ", "))
	case casemgmt.OutcomeUpdated:
		fmt.Fprintf(out, "  -> at %s: updated case %s (%s)\n", when, res.Case.Number, strings.Join(res.ChangedFields(), ", "))
	default:
		fmt.Fprintf(out, "  -> at %s: %s: %s\n", when, res.Outcome, res.Reason)
	}
	for _, f := range res.Interaction.Fields {
		if !f.Applied && strings.Contains(f.Reason, "write policy") {
			fmt.Fprintf(out, "     kept %s: %s\n", f.Field, f.Reason)
		}
	}
}

func printCase(out io.Writer, cfg *agent.Config, c *casemgmt.Case) {
	fmt.Fprintf(out, "\n%s  %q  status %s\n", c.Number, c.Title, c.Status)
	for _, f := range cfg.Schema().Fields() {
		v, ok := c.Value(f.Name)
		if !ok {
			continue
		}
		p := c.Provenance[f.Name]
		line := fmt.Sprintf("  %-17s = %-40s", f.Name, clip(fmt.Sprint(v), 40))
		switch p.Actor.Kind {
		case casemgmt.ActorAgent:
			line += fmt.Sprintf(" confidence %.2f", p.Confidence)
			if p.Rule != "" {
				line += fmt.Sprintf(", rule %q", p.Rule)
			}
			if len(p.Evidence) > 0 {
				line += fmt.Sprintf(", evidence %q", clip(p.Evidence[0].Quote, 60))
			}
		default:
			line += " set by " + p.Actor.String()
		}
		fmt.Fprintln(out, line)
	}
}

func describeChange(e casemgmt.AuditEntry) string {
	switch {
	case e.Old == nil && e.New != nil:
		return clip(fmt.Sprint(e.New), 60)
	case e.New == nil:
		return fmt.Sprintf("%v -> (cleared)", clip(fmt.Sprint(e.Old), 30))
	}
	return fmt.Sprintf("%v -> %v", clip(fmt.Sprint(e.Old), 30), clip(fmt.Sprint(e.New), 30))
}

func formatEdit(m map[string]any) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s = %v", k, v))
	}
	return strings.Join(parts, ", ")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
