package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

// CheckStatus is the state of one prerequisite.
type CheckStatus string

// The states of a prerequisite.
const (
	CheckOK   CheckStatus = "ok"
	CheckWarn CheckStatus = "warning"
	CheckFail CheckStatus = "failed"
)

// CheckItem is one line of the prerequisites panel.
type CheckItem struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	// Detail says what was found; Hint what to do about it.
	Detail string `json:"detail,omitempty"`
	Hint   string `json:"hint,omitempty"`
}

// CheckReport is the prerequisites panel.
type CheckReport struct {
	Items []CheckItem `json:"items"`
}

// OK reports whether no prerequisite failed (warnings allowed).
func (r *CheckReport) OK() bool {
	for _, it := range r.Items {
		if it.Status == CheckFail {
			return false
		}
	}
	return true
}

// String formats the panel, a line per item.
func (r *CheckReport) String() string {
	var b strings.Builder
	for _, it := range r.Items {
		fmt.Fprintf(&b, "%-8s %-22s %s", it.Status, it.Name, it.Detail)
		if it.Hint != "" {
			fmt.Fprintf(&b, " (%s)", it.Hint)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Check is the prerequisites panel: it tells whether the agent can do its
// job, item by item, with a hint for each problem. It checks that the
// store is reachable and migrated (through Pinger when the store has it,
// or a read otherwise), that the predictor answers a small request, that a
// sender is configured when intake rules acknowledge or follow-up policies
// send mail, that those templates have a body, and that the rules compiled
// (they did, or New would have failed). It writes nothing.
func (a *Agent) Check(ctx context.Context) *CheckReport {
	r := &CheckReport{}
	add := func(name string, st CheckStatus, detail, hint string) {
		r.Items = append(r.Items, CheckItem{Name: name, Status: st, Detail: detail, Hint: hint})
	}

	// The store.
	var err error
	if p, ok := a.store.(casemgmt.Pinger); ok {
		err = p.Ping(ctx)
	} else {
		_, err = a.store.GetState(ctx, "caseagent:check")
		if err != nil && isNotFound(err) {
			err = nil
		}
	}
	if err != nil {
		add("store", CheckFail, errText(err), "check the database address and credentials, and that its schema migrations ran")
	} else {
		add("store", CheckOK, "reachable", "")
	}

	// The predictor: one small request with a deadline.
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fields, ferr := a.schema.PredictFields(a.cfg.Create.Fields...)
	if ferr != nil || len(fields) == 0 {
		fields, _ = a.schema.PredictFields()
	}
	start := a.now()
	_, perr := a.pred.Predict(pctx, &predict.Request{
		Fields:   fields[:min(len(fields), 2)],
		Messages: []channel.Message{{ID: "check", Kind: channel.KindChat, Role: channel.RoleCustomer, Text: "Hello, this is a check of the service."}},
	})
	if perr != nil {
		add("predictor", CheckFail, errText(perr), "check the model's address, name and API key, or use the offline predictor")
	} else {
		add("predictor", CheckOK, fmt.Sprintf("answered in %s", a.now().Sub(start).Round(time.Millisecond)), "")
	}

	// Mail the agent writes.
	sends := false
	for _, ir := range a.cfg.IntakeRules {
		if ir.Acknowledge == nil || ir.Disabled {
			continue
		}
		sends = true
		if strings.TrimSpace(ir.Acknowledge.Body) == "" {
			add("templates", CheckFail, fmt.Sprintf("intake rule %q acknowledges with an empty body", ir.Name), "write the acknowledgement's body")
		}
	}
	for _, p := range a.cfg.FollowUp {
		if p.Disabled || p.Automation == AutomationDraft {
			continue
		}
		sends = true
		for i, t := range p.Messages {
			if strings.TrimSpace(t.Body) == "" {
				add("templates", CheckFail, fmt.Sprintf("follow-up policy %q message %d has an empty body", p.Name, i+1), "write the message's body")
			}
		}
	}
	switch {
	case sends && a.mail.sender == nil:
		add("sender", CheckFail, "acknowledgements or follow-ups are on, but no sender is configured", "configure one with WithSender, or set the policies to draft")
	case sends && a.mail.from.Email == "":
		add("sender", CheckWarn, "no From address for the agent's mail", "give WithSender the shared mailbox's address")
	case sends:
		add("sender", CheckOK, "configured", "")
	default:
		add("sender", CheckOK, "not needed: the agent sends no mail", "")
	}
	if a.mail.ids.Validate() != nil && sends {
		add("message ids", CheckWarn, "replies to the agent's mail thread by References only", "set WithMessageIDs so replies find their case by a signed Message-ID")
	}
	// The connections themselves, where the sender and the mailboxes can
	// be probed: a login, nothing sent or read.
	if p, ok := a.mail.sender.(interface{ Probe(context.Context) error }); ok {
		a.probe(ctx, r, "smtp", p.Probe)
	}
	for _, mb := range a.mailboxes {
		a.probe(ctx, r, "mailbox "+mb.name, mb.probe)
	}
	a.checkResolution(ctx, add)
	if a.budget != nil {
		st, err := a.budget.Status(ctx)
		switch {
		case err != nil:
			add("budget", CheckWarn, errText(err), "the store's usage counters could not be read")
		case st.State == budget.StateOK:
			add("budget", CheckOK, st.Message, "")
		case st.State == budget.StateExhausted && st.OnHard == "stop":
			add("budget", CheckFail, st.Message, st.Hint)
		default:
			add("budget", CheckWarn, st.Message, st.Hint)
		}
	}

	// Rules compiled in New.
	add("rules", CheckOK, fmt.Sprintf("%d update, %d intake and %d follow-up rules compiled", a.rules.update.Len(), a.rules.intake.Len(), a.rules.followUp.Len()), "")
	if a.shadow {
		add("mode", CheckWarn, "shadow mode: nothing is written or sent", "")
	}
	return r
}

func isNotFound(err error) bool { return errors.Is(err, casemgmt.ErrNotFound) }

// probe checks one connection with a deadline.
func (a *Agent) probe(ctx context.Context, r *CheckReport, name string, probe func(context.Context) error) {
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	item := CheckItem{Name: name, Status: CheckOK, Detail: "connected and logged in"}
	if err := probe(pctx); err != nil {
		item.Status, item.Detail = CheckFail, errText(err)
		item.Hint = "check the server's address and port, and the account's password or the app's token and permissions"
	}
	r.Items = append(r.Items, item)
}

// checkResolution checks what autonomous resolution needs: articles to
// cite, and a sender where it sends on its own.
func (a *Agent) checkResolution(ctx context.Context, add func(name string, st CheckStatus, detail, hint string)) {
	res := &a.cfg.Resolution
	if len(res.Lines) == 0 {
		return
	}
	full := false
	for _, l := range res.Lines {
		full = full || l.Automation == AutomationFull
	}
	switch {
	case a.retriever == nil:
		add("knowledge", CheckWarn, "resolution is on but no knowledge base is set: the agent can only ask and hand over", "give the agent WithKnowledge, or keep articles in a store that holds them")
	default:
		add("knowledge", CheckOK, "a knowledge base is set", "")
	}
	if full && a.mail.sender == nil {
		add("resolution", CheckFail, "a line of business resolves on its own, but no sender is configured", "configure WithSender, or set the line's automation to confirm")
	} else {
		add("resolution", CheckOK, fmt.Sprintf("%d intents in %d lines of business", len(res.Intents), len(res.Lines)), "")
	}
}
