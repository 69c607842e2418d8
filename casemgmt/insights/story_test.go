package insights_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

// The story's week: Monday 7 to Sunday 13 December 2026, in Paris
// (UTC+1 in December).
var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// day returns the time on the story's day d (1 = Monday 7 December) at
// hh:mm in Paris.
func day(d, hh, mm int) time.Time {
	return time.Date(2026, 12, 6+d, hh, mm, 0, 0, paris)
}

var (
	theAgent = casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "agent"}
	rosa     = casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rosa"}
	model    = predict.Usage{Calls: 1, PromptTokens: 800, CompletionTokens: 100, TotalTokens: 900, Cost: 0.0025}
)

// teller writes a story into a store the way the agent and the people
// working the cases do: each change with its audit entries and, for the
// agent's, its interaction record.
type teller struct {
	t *testing.T
	s *memstore.Store
}

func (st *teller) ctx() context.Context { return context.Background() }

// create stores a case the agent created at from a conversation, with
// the values it predicted.
func (st *teller) create(id string, at time.Time, fields casemgmt.Values, usage predict.Usage) {
	st.t.Helper()
	c := &casemgmt.Case{ID: id, Title: "case " + id, Fields: fields, Provenance: map[string]casemgmt.Provenance{}}
	audit := []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: theAgent, Time: at}}
	var outs []casemgmt.FieldOutcome
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		c.Provenance[name] = casemgmt.Provenance{Actor: theAgent, Time: at, Confidence: 0.9}
		audit = append(audit, casemgmt.AuditEntry{Field: name, New: fields[name], Actor: theAgent, Confidence: 0.9, Time: at})
		outs = append(outs, casemgmt.FieldOutcome{Field: name, Value: fields[name], Confidence: 0.9, Applied: true})
	}
	in := &casemgmt.Interaction{Trigger: agent.TriggerEnded, Actor: theAgent, Outcome: casemgmt.OutcomeCreated,
		Fields: outs, Usage: usage, Time: at}
	if err := st.s.CreateCase(st.ctx(), c, casemgmt.Write{Time: at, Audit: audit, Interaction: in}); err != nil {
		st.t.Fatalf("creating %s: %v", id, err)
	}
}

// change stores changes to a case's fields (a nil value clears the
// field) and, under the key "status", its status, made by actor at. An
// agent's change comes with an interaction record of the trigger.
func (st *teller) change(id string, at time.Time, by casemgmt.Actor, trigger string, usage predict.Usage, changes map[string]any) {
	st.t.Helper()
	c, err := st.s.GetCase(st.ctx(), id)
	if err != nil {
		st.t.Fatal(err)
	}
	var audit []casemgmt.AuditEntry
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		v := changes[name]
		if name == casemgmt.AttrStatus {
			e, err := casemgmt.SetStatus(c, casemgmt.Status(v.(string)), "", casemgmt.Stamp{Actor: by, Time: at})
			if err != nil {
				st.t.Fatal(err)
			}
			audit = append(audit, e...)
			continue
		}
		old := c.Fields[name]
		if v == nil {
			delete(c.Fields, name)
			delete(c.Provenance, name)
		} else {
			c.Fields[name] = v
			c.Provenance[name] = casemgmt.Provenance{Actor: by, Time: at}
		}
		audit = append(audit, casemgmt.AuditEntry{Field: name, Old: old, New: v, Actor: by, Time: at})
	}
	w := casemgmt.Write{Time: at, Audit: audit}
	if trigger != "" {
		w.Interaction = &casemgmt.Interaction{Trigger: trigger, Actor: by, Outcome: casemgmt.OutcomeUpdated, Usage: usage, Time: at}
	}
	if err := st.s.UpdateCase(st.ctx(), c, w); err != nil {
		st.t.Fatalf("changing %s: %v", id, err)
	}
}

// run records an agent run that changed no case.
func (st *teller) run(caseID string, at time.Time, trigger string, o casemgmt.Outcome, usage predict.Usage) {
	st.t.Helper()
	in := &casemgmt.Interaction{CaseID: caseID, Trigger: trigger, Actor: theAgent, Outcome: o, Usage: usage, Time: at}
	if err := st.s.AddInteraction(st.ctx(), in); err != nil {
		st.t.Fatal(err)
	}
}

// newStory writes the week's story:
//
//   - A (Mon 09:00) created by the agent with product, priority and
//     serial number. Rosa corrects the priority at 11:00. On Tuesday the
//     agent revises the serial number (the customer corrected it) and
//     its new value stays. Rosa resolves A on Wednesday 15:00.
//   - B (Mon 14:00) created with category and contact. Rosa removes the
//     contact and sets B waiting on the customer on Tuesday. The agent
//     follows up on Thursday and Friday and closes B on Saturday 10:00
//     after the last follow-up went unanswered.
//   - C (Tue 23:30 UTC, so Wednesday in Paris) created with category.
//     Waiting on the customer, followed up on Thursday, the customer
//     answers on Friday without solving it: back with a person.
//   - E was created the month before with a product, which Rosa corrects
//     on Tuesday: a value written before the period does not count.
//   - F (Sun 12:00) created with a product Rosa corrects after the
//     period: kept as far as the period knows.
//   - runs without a case: one skipped (Tue), one failed (Thu), and Rosa
//     edits A's priority, which is her edit and not a run.
func newStory(t *testing.T) *memstore.Store {
	st := &teller{t: t, s: memstore.New()}
	none := predict.Usage{}

	st.create("A", day(1, 9, 0), casemgmt.Values{"product": "X300", "priority": "High", "serial_number": "SN-1111"}, model)
	st.change("A", day(1, 11, 0), rosa, agent.TriggerHumanEdit, none, map[string]any{"priority": "Urgent"})
	st.change("A", day(2, 10, 0), theAgent, agent.TriggerMessage, model, map[string]any{"serial_number": "SN-1117"})
	st.change("A", day(3, 15, 0), rosa, "", none, map[string]any{"status": string(casemgmt.StatusResolved)})

	st.create("B", day(1, 14, 0), casemgmt.Values{"category": "Billing", "contact": "C-1"}, model)
	st.change("B", day(2, 9, 0), rosa, "", none, map[string]any{"contact": nil, "status": string(casemgmt.StatusWaitingOnCustomer)})
	st.change("B", day(4, 10, 0), theAgent, agent.TriggerFollowUp, none, map[string]any{})
	st.change("B", day(5, 10, 0), theAgent, agent.TriggerFollowUp, none, map[string]any{})
	st.change("B", day(6, 10, 0), theAgent, agent.TriggerFollowUp, none, map[string]any{"status": string(casemgmt.StatusClosed)})

	st.create("C", time.Date(2026, 12, 8, 23, 30, 0, 0, time.UTC), casemgmt.Values{"category": "Hardware"}, model)
	st.change("C", day(3, 9, 0), rosa, "", none, map[string]any{"status": string(casemgmt.StatusWaitingOnCustomer)})
	st.change("C", day(4, 9, 0), theAgent, agent.TriggerFollowUp, none, map[string]any{})
	st.change("C", day(5, 16, 0), theAgent, agent.TriggerReply, none, map[string]any{"status": string(casemgmt.StatusActive)})

	st.create("E", time.Date(2026, 11, 20, 9, 0, 0, 0, paris), casemgmt.Values{"product": "X200"}, model)
	st.change("E", day(2, 12, 0), rosa, agent.TriggerHumanEdit, none, map[string]any{"product": "X300"})

	st.create("F", day(7, 12, 0), casemgmt.Values{"product": "Hub"}, model)
	st.change("F", day(8, 9, 0), rosa, "", none, map[string]any{"product": "Hub Pro"})

	st.run("", day(2, 16, 0), agent.TriggerAccepted, casemgmt.OutcomeSkipped, none)
	st.run("", day(4, 17, 0), agent.TriggerEmail, casemgmt.OutcomeFailed, none)
	return st.s
}
