package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// ResolverSpec is the resolver a scenario gives one intent: a resolver
// the host registered in Runner.Resolvers, by name ("warranty-desk"), or
// a scripted one ({"decisions": [...]}) that answers its decisions in
// order and repeats the last.
type ResolverSpec struct {
	Name      string             `json:"-"`
	Decisions []resolve.Decision `json:"decisions,omitempty"`
}

// UnmarshalJSON reads a name or {"decisions": [...]}.
func (r *ResolverSpec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*r = ResolverSpec{}
		return json.Unmarshal(b, &r.Name)
	}
	var raw struct {
		Decisions []resolve.Decision `json:"decisions"`
	}
	if err := strictUnmarshal(b, &raw); err != nil {
		return err
	}
	*r = ResolverSpec{Decisions: raw.Decisions}
	return nil
}

func (r ResolverSpec) validate() error {
	if r.Name == "" && len(r.Decisions) == 0 {
		return errors.New("a resolver is a registered name or a list of decisions")
	}
	for i, d := range r.Decisions {
		switch d.Kind {
		case resolve.Question, resolve.Resolved, resolve.UnableToResolve, resolve.NoAction, resolve.ResolveCase:
		default:
			return fmt.Errorf("decisions[%d].kind: %q is not question, resolved, unable_to_resolve, no_action or resolve_case", i, d.Kind)
		}
	}
	return nil
}

// script answers its decisions in order and repeats the last. It is safe
// for concurrent use.
type script struct {
	mu   sync.Mutex
	ds   []resolve.Decision
	next int
}

func (s *script) Resolve(ctx context.Context, _ *resolve.Request) (*resolve.Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.ds[min(s.next, len(s.ds)-1)]
	s.next++
	d.Ask = append([]string(nil), d.Ask...)
	d.Citations = append([]knowledge.Citation(nil), d.Citations...)
	d.Links = append([]resolve.Link(nil), d.Links...)
	return &d, nil
}

// ResolutionExpect is what an expect step can say about resolution. Every
// part is optional.
type ResolutionExpect struct {
	// Intent is the identified intent; "" expects none.
	Intent *string `json:"intent,omitempty"`
	// Resolution is where resolution stands on the case: "none" (never
	// ran), "asked", "proposed", "handed_over" or "resolved".
	Resolution string `json:"resolution,omitempty"`
	// Summary is what the agent wrote for the person it handed over to.
	Summary *FieldExpect `json:"summary,omitempty"`
	// Messages are the resolution messages the agent sent by email or gave
	// the host to post in a chat since the previous expect, in order; an
	// empty list expects none.
	Messages *[]MessageExpect `json:"messages,omitempty"`
	// Draft is the draft waiting on the case.
	Draft *DraftExpect `json:"draft,omitempty"`
	// Outbox is how many emails the agent handed to its sender in the
	// whole scenario, whatever they were for and whether or not a case
	// exists.
	Outbox *int `json:"outbox,omitempty"`
}

// MessageExpect is what one message of the agent must be. Every part is
// optional.
type MessageExpect struct {
	// Kind is the decision the message carries: "question", "resolved"
	// (an answer), "unable_to_resolve", "resolve_case".
	Kind resolve.Kind `json:"kind,omitempty"`
	// Mentions must each occur in the subject or text, case-insensitively.
	Mentions []string `json:"mentions,omitempty"`
	// Cites are the article ids the message must cite (others may be
	// cited too).
	Cites []string `json:"cites,omitempty"`
	// Asks are exactly the attributes a question asks for, in any order;
	// [] expects a question that names none (asking what the customer
	// needs).
	Asks []string `json:"asks,omitempty"`
}

// DraftExpect is the draft a case must hold: "none", or a draft of Kind
// that mentions and cites what is listed.
type DraftExpect struct {
	None bool `json:"-"`
	MessageExpect
}

// UnmarshalJSON reads "none" or an object of MessageExpect's keys but
// asks.
func (d *DraftExpect) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "none" {
			return fmt.Errorf("draft: %q is not \"none\" or an object", s)
		}
		*d = DraftExpect{None: true}
		return nil
	}
	var m struct {
		Kind     resolve.Kind `json:"kind"`
		Mentions []string     `json:"mentions"`
		Cites    []string     `json:"cites"`
	}
	if err := strictUnmarshal(b, &m); err != nil {
		return fmt.Errorf("draft: %w", err)
	}
	*d = DraftExpect{MessageExpect: MessageExpect{Kind: m.Kind, Mentions: m.Mentions, Cites: m.Cites}}
	return nil
}

func (e *ResolutionExpect) validate() error {
	switch e.Resolution {
	case "", "none", agent.ResolutionAsked, agent.ResolutionProposed, agent.ResolutionHandedOver, agent.ResolutionResolved:
	default:
		return fmt.Errorf("resolution: %q is not none, asked, proposed, handed_over or resolved", e.Resolution)
	}
	if e.Summary != nil && e.Summary.Equals != nil {
		return errors.New(`summary: use {"mentions": [...]} or {"empty": true}`)
	}
	return nil
}

// parseDraftStep reads a draft step: {"draft": "approve"}, {"draft":
// "edit", "text": "..."} or {"draft": "discard", "reason": "..."}, each
// with an optional "by".
func parseDraftStep(raw map[string]json.RawMessage, s *Step) error {
	for key, dst := range map[string]*string{"draft": &s.Draft, "by": &s.By, "text": &s.Text, "reason": &s.Reason} {
		if v, ok := raw[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	switch s.Draft {
	case "approve", "discard":
		if s.Text != "" {
			return fmt.Errorf("text: only an edit has a text")
		}
	case "edit":
		if strings.TrimSpace(s.Text) == "" {
			return errors.New("an edit needs a text")
		}
	default:
		return fmt.Errorf("draft: %q is not approve, edit or discard", s.Draft)
	}
	if s.Reason != "" && s.Draft != "discard" {
		return errors.New("reason: only a discard has a reason")
	}
	return nil
}

// LoadKnowledge reads the knowledge articles of a folder (Markdown with
// front matter, JSON or YAML; see knowledge.LoadDir).
func LoadKnowledge(dir string) ([]knowledge.Article, error) {
	as, err := knowledge.LoadDir(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("replay: knowledge: %w", err)
	}
	return as, nil
}

// LoadSuite reads a folder of stories: its tenant configuration
// (helpdesk.json), its knowledge articles (the knowledge folder, when
// there is one) and its scenarios.
func LoadSuite(dir string) (*agent.Config, []knowledge.Article, []*Scenario, error) {
	cfg, err := agent.LoadConfig(filepath.Join(dir, "helpdesk.json"))
	if err != nil {
		return nil, nil, nil, err
	}
	var arts []knowledge.Article
	if st, err := os.Stat(filepath.Join(dir, "knowledge")); err == nil && st.IsDir() {
		if arts, err = LoadKnowledge(filepath.Join(dir, "knowledge")); err != nil {
			return nil, nil, nil, err
		}
	}
	ss, err := Load(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, arts, ss, nil
}

// config is the configuration a scenario replays with.
func (r *Runner) config(sc *Scenario) (*agent.Config, error) {
	if sc.Tenant == "" {
		return r.Config, nil
	}
	dir := "."
	if sc.File != "" {
		dir = filepath.Dir(sc.File)
	}
	return agent.LoadConfig(filepath.Join(dir, sc.Tenant))
}

// resolutionOptions are the agent options a scenario's resolution needs:
// its knowledge, its resolvers, shadow mode.
func (r *Runner) resolutionOptions(ctx context.Context, sc *Scenario, store casemgmt.Store) ([]agent.Option, error) {
	var opts []agent.Option
	if len(r.Articles) > 0 {
		if ks, ok := store.(knowledge.Store); ok {
			for i := range r.Articles {
				if err := ks.PutArticle(ctx, &r.Articles[i]); err != nil {
					return nil, fmt.Errorf("article %s: %w", r.Articles[i].ID, err)
				}
			}
		} else {
			idx, err := knowledge.NewIndex(r.Articles)
			if err != nil {
				return nil, err
			}
			opts = append(opts, agent.WithKnowledge(idx))
		}
	}
	intents := make([]string, 0, len(sc.Resolvers))
	for in := range sc.Resolvers {
		intents = append(intents, in)
	}
	sort.Strings(intents)
	for _, in := range intents {
		spec := sc.Resolvers[in]
		if spec.Name == "" {
			opts = append(opts, agent.WithIntentResolver(in, &script{ds: spec.Decisions}))
			continue
		}
		rv, ok := r.Resolvers[spec.Name]
		if !ok {
			return nil, fmt.Errorf("resolvers.%s: no resolver is registered as %q", in, spec.Name)
		}
		opts = append(opts, agent.WithIntentResolver(in, rv))
	}
	if sc.Shadow {
		opts = append(opts, agent.WithShadow(true))
	}
	return opts, nil
}

// sentMessage is a resolution message the agent sent or gave the host to
// post.
type sentMessage struct {
	kind  resolve.Kind
	text  string
	cites []string
	asks  []string
}

// note keeps the resolution message of an agent call's result. In a live
// chat, the message is the host's to post: the replay posts it as the
// agent's, so later steps see it.
func (st *state) note(res *agent.Result) {
	if res == nil || res.Resolution == nil || res.Resolution.Message == nil {
		return
	}
	out := res.Resolution
	m := sentMessage{text: out.Message.Subject + "\n" + out.Message.Text}
	switch {
	case out.Decision != nil:
		m.kind, m.asks = out.Decision.Kind, out.Decision.Ask
		for _, c := range out.Decision.Citations {
			m.cites = addOnce(m.cites, c.ArticleID)
		}
	case out.Draft != nil: // an approved draft
		m.kind, m.asks = resolve.Kind(out.Draft.Kind), st.draftAsks
		for _, c := range out.Draft.Citations {
			m.cites = addOnce(m.cites, c.ArticleID)
		}
	}
	if out.Draft != nil && out.Decision != nil {
		// A draft keeps no record of what its question asks: remember it
		// for when the draft is approved.
		st.draftAsks = out.Decision.Ask
	}
	chat := st.conv.Kind == channel.KindChat && st.conv.Status != channel.StatusEnded
	switch {
	case out.Sent:
	case chat && out.Draft == nil && !st.sc.Shadow:
		st.nextMsg++
		st.conv.Messages = append(st.conv.Messages, channel.Message{
			ID: st.conv.ID + "-m" + strconv.Itoa(st.nextMsg), ConversationID: st.conv.ID, Kind: channel.KindChat,
			Direction: channel.Outbound, Role: channel.RoleAgent, Text: out.Message.Text, Time: st.clk.now()})
	default:
		return // drafted, or not sent
	}
	st.sent = append(st.sent, m)
}

// draftStep approves, edits or discards the case's draft.
func (st *state) draftStep(ctx context.Context, s Step) error {
	if st.caseID == "" {
		if err := st.findCase(ctx); err != nil {
			return fmt.Errorf("draft with no case: %w", err)
		}
	}
	by := s.By
	if by == "" {
		by = st.rep
	}
	var res *agent.Result
	var err error
	switch s.Draft {
	case "approve":
		res, err = st.ag.ApproveDraft(ctx, st.caseID, by, nil)
	case "edit":
		text := s.Text
		res, err = st.ag.ApproveDraft(ctx, st.caseID, by, &text)
	case "discard":
		res, err = st.ag.DiscardDraft(ctx, st.caseID, by, s.Reason)
	}
	st.note(res)
	return err
}

// resolveStep invokes resolution on the case, as a representative would.
func (st *state) resolveStep(ctx context.Context, s Step) error {
	if st.caseID == "" {
		if err := st.findCase(ctx); err != nil {
			return fmt.Errorf("resolve_requested with no case: %w", err)
		}
	}
	res, err := st.ag.Resolve(ctx, st.caseID, s.By, s.Automation)
	st.note(res)
	return err
}

// expectResolution checks the resolution part of an expect step on case c
// (nil when there is none), and forgets the messages it has seen.
func (st *state) expectResolution(ctx context.Context, e *ResolutionExpect, c *casemgmt.Case, add func(what, want, got string, ok bool)) {
	meta := func(k string) string {
		if c == nil {
			return ""
		}
		return c.Meta[k]
	}
	if e.Intent != nil {
		got := meta(agent.MetaIntent)
		if c != nil {
			if v, ok := c.Fields["intent"].(string); ok && v != "" {
				got = v
			}
		}
		add("intent", orNone(*e.Intent), orNone(got), got == *e.Intent)
	}
	if e.Resolution != "" {
		got := orNone(meta(agent.MetaResolution))
		add("resolution", e.Resolution, got, got == e.Resolution)
	}
	if e.Summary != nil {
		s := meta(agent.MetaSummary)
		got := s
		if got == "" {
			got = "(empty)"
		}
		add("summary", e.Summary.String(), got, e.Summary.Holds(s, s != ""))
	}
	if e.Messages != nil {
		want := *e.Messages
		add("messages", strconv.Itoa(len(want)), strconv.Itoa(len(st.sent)), len(want) == len(st.sent))
		for i := 0; i < len(want) && i < len(st.sent); i++ {
			got, ok := want[i].check(st.sent[i])
			add(fmt.Sprintf("message[%d]", i+1), want[i].String(), got, ok)
		}
	}
	if e.Draft != nil {
		var d *agent.Draft
		if c != nil {
			d, _ = st.ag.PendingDraft(ctx, c.ID)
		}
		switch {
		case e.Draft.None:
			got := "none"
			if d != nil {
				got = string(d.Kind) + ": " + clip(d.Message.Text)
			}
			add("draft", "none", got, d == nil)
		case d == nil:
			add("draft", e.Draft.String(), "none", false)
		default:
			m := sentMessage{kind: resolve.Kind(d.Kind), text: d.Message.Subject + "\n" + d.Message.Text}
			for _, ct := range d.Citations {
				m.cites = addOnce(m.cites, ct.ArticleID)
			}
			got, ok := e.Draft.check(m)
			add("draft", e.Draft.String(), got, ok)
		}
	}
	if e.Outbox != nil {
		n := st.outbox.Len()
		add("outbox", strconv.Itoa(*e.Outbox), strconv.Itoa(n), n == *e.Outbox)
	}
	st.sent = nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}

// check reports whether m meets the expectation, and describes m.
func (w MessageExpect) check(m sentMessage) (string, bool) {
	ok := w.Kind == "" || w.Kind == m.kind
	low := strings.ToLower(m.text)
	for _, s := range w.Mentions {
		ok = ok && strings.Contains(low, strings.ToLower(s))
	}
	for _, id := range w.Cites {
		ok = ok && containsStr(m.cites, id)
	}
	if w.Asks != nil {
		a, b := append([]string(nil), w.Asks...), append([]string(nil), m.asks...)
		sort.Strings(a)
		sort.Strings(b)
		ok = ok && strings.Join(a, ",") == strings.Join(b, ",")
	}
	got := fmt.Sprintf("%s citing [%s] asking [%s]: %s", m.kind, strings.Join(m.cites, ", "), strings.Join(m.asks, ", "), clip(m.text))
	return got, ok
}

// String describes the expectation.
func (w MessageExpect) String() string {
	var parts []string
	if w.Kind != "" {
		parts = append(parts, string(w.Kind))
	}
	if len(w.Cites) > 0 {
		parts = append(parts, "citing "+strings.Join(w.Cites, ", "))
	}
	if w.Asks != nil {
		parts = append(parts, "asking ["+strings.Join(w.Asks, ", ")+"]")
	}
	if len(w.Mentions) > 0 {
		parts = append(parts, "mentioning "+strings.Join(w.Mentions, ", "))
	}
	if len(parts) == 0 {
		return "any message"
	}
	return strings.Join(parts, ", ")
}

// addOnce appends s to list unless it is there already.
func addOnce(list []string, s string) []string {
	if containsStr(list, s) {
		return list
	}
	return append(list, s)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
