package replay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// Runner replays scenarios against a configuration and a predictor. Each
// scenario runs on a store of its own, with the configuration's contacts
// imported, and a clock of its own. A Runner is safe for concurrent use
// when its predictor is.
type Runner struct {
	// Config is the tenant configuration; required.
	Config *agent.Config
	// Predictor answers every prediction; required.
	Predictor predict.Predictor
	// NewStore returns the store for one scenario; memstore when nil.
	NewStore func(ctx context.Context) (casemgmt.Store, error)
	// Start is the time the replay clock starts at; a fixed date when
	// zero, so replays are reproducible.
	Start time.Time
	// AgentOptions are added to every agent the runner builds.
	AgentOptions []agent.Option
	// Articles are the knowledge articles answers may cite: put in each
	// scenario's store when it keeps articles (knowledge.Store), else
	// searched through an index of them.
	Articles []knowledge.Article
	// Resolvers are resolvers the host registered by name, for scenarios
	// to give to intents ("resolvers": {"warranty_claim": "name"}).
	Resolvers map[string]resolve.Resolver
}

// DefaultStart is when scenario clocks start unless told otherwise.
var DefaultStart = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// Check is one thing an expect step checked.
type Check struct {
	// What is "case", "status", "sent" or "field:<name>".
	What string `json:"what"`
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
	// Outcome is, for a field check, "met", "missed" or "wrong".
	Outcome string `json:"outcome,omitempty"`
}

// Field check outcomes.
const (
	OutcomeMet    = "met"
	OutcomeMissed = "missed"
	OutcomeWrong  = "wrong"
)

// StepResult is the outcome of one expect step.
type StepResult struct {
	Step   int     `json:"step"`
	Checks []Check `json:"checks"`
}

// ScenarioResult is the outcome of one scenario.
type ScenarioResult struct {
	ID     string `json:"id"`
	Passed bool   `json:"passed"`
	// Unsupported names steps the SDK cannot serve yet; their scenario
	// fails.
	Unsupported []string `json:"unsupported,omitempty"`
	// Error is a failure to run the scenario at all.
	Error   string       `json:"error,omitempty"`
	Expects []StepResult `json:"expects"`
	// Fields counts, per field, the expected values met, missed and
	// wrong.
	Fields map[string]*Tally `json:"fields"`
}

// Tally counts a field's expectations by outcome: met (the expectation
// holds), missed (a value was expected and nothing was written) and wrong
// (another value was written, or a value was written where the story
// expects none).
type Tally struct {
	Met    int `json:"met"`
	Missed int `json:"missed"`
	Wrong  int `json:"wrong"`
	// Thresholds has, in a Report, what each min_confidence from 0 to 1
	// (in steps of 0.05) would have given the values the agent predicted
	// and wrote: how many, their share of the expectations and the share
	// of them that are right. Choose a field's threshold from it on
	// stories the predictor was not tuned on (eval.LowestThreshold).
	Thresholds []eval.ThresholdPoint `json:"thresholds,omitempty"`

	// conf and right are the confidence of each predicted value written
	// and whether it met the expectation.
	conf  []float64
	right []bool
}

// Precision is the share of written values that are right,
// met / (met + wrong), and 1 when nothing was written. An expected empty
// field left empty counts as met.
func (t Tally) Precision() float64 {
	if t.Met+t.Wrong == 0 {
		return 1
	}
	return float64(t.Met) / float64(t.Met+t.Wrong)
}

func (t *Tally) add(o *Tally) {
	t.Met += o.Met
	t.Missed += o.Missed
	t.Wrong += o.Wrong
	t.conf = append(t.conf, o.conf...)
	t.right = append(t.right, o.right...)
}

// provenance returns the provenance of the case's field, if any.
func provenance(c *casemgmt.Case, f string) casemgmt.Provenance {
	if c == nil {
		return casemgmt.Provenance{}
	}
	return c.Provenance[f]
}

// measure fills Thresholds from the predicted values counted.
func (t *Tally) measure() {
	t.Thresholds = eval.Thresholds(t.conf, t.right, t.Met+t.Missed+t.Wrong)
}

// Report is the outcome of a replay.
type Report struct {
	Scenarios []*ScenarioResult `json:"scenarios"`
	Fields    map[string]*Tally `json:"fields"`
	// Total sums the field tallies of every scenario.
	Total  Tally `json:"total"`
	Passed int   `json:"passed"`
	Failed int   `json:"failed"`
	// PassRate is passed / (passed + failed); Precision is
	// Total.Precision(): the share of written values that are right.
	PassRate  float64 `json:"pass_rate"`
	Precision float64 `json:"precision"`
}

// Run replays the scenarios in order and reports on each.
func (r *Runner) Run(ctx context.Context, scenarios []*Scenario) (*Report, error) {
	if r.Config == nil || r.Predictor == nil {
		return nil, errors.New("replay: a runner needs a configuration and a predictor")
	}
	rep := &Report{Fields: map[string]*Tally{}}
	for _, sc := range scenarios {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := r.RunScenario(ctx, sc)
		rep.Scenarios = append(rep.Scenarios, res)
		if res.Passed {
			rep.Passed++
		} else {
			rep.Failed++
		}
		for f, t := range res.Fields {
			if rep.Fields[f] == nil {
				rep.Fields[f] = &Tally{}
			}
			rep.Fields[f].add(t)
			rep.Total.add(t)
		}
	}
	if n := rep.Passed + rep.Failed; n > 0 {
		rep.PassRate = float64(rep.Passed) / float64(n)
	}
	rep.Precision = rep.Total.Precision()
	for _, t := range rep.Fields {
		t.measure()
	}
	rep.Total.measure()
	return rep, nil
}

// clock is a scenario's clock: it moves a second with every step and
// jumps on advance steps.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// RunScenario replays one scenario.
func (r *Runner) RunScenario(ctx context.Context, sc *Scenario) *ScenarioResult {
	res := &ScenarioResult{ID: sc.ID, Fields: map[string]*Tally{}}
	err := r.runScenario(ctx, sc, res)
	if err != nil {
		res.Error = err.Error()
	}
	res.Passed = err == nil && len(res.Unsupported) == 0 && len(res.Expects) > 0
	for _, e := range res.Expects {
		for _, c := range e.Checks {
			res.Passed = res.Passed && c.OK
		}
	}
	return res
}

// state is what a scenario replay tracks between steps.
type state struct {
	r       *Runner
	sc      *Scenario
	store   casemgmt.Store
	ag      *agent.Agent
	clk     *clock
	conv    channel.Conversation
	caseID  string
	version int64 // of the case at the previous expect; 0 when none
	rep     string
	nextMsg int
	outbox  *channel.Outbox
	// sent are the resolution messages since the previous expect.
	sent []sentMessage
	// draftAsks is what the question waiting as a draft asks for.
	draftAsks []string
}

func (r *Runner) runScenario(ctx context.Context, sc *Scenario, res *ScenarioResult) error {
	start := r.Start
	if start.IsZero() {
		start = DefaultStart
	}
	clk := &clock{t: start}
	var store casemgmt.Store
	if r.NewStore != nil {
		s, err := r.NewStore(ctx)
		if err != nil {
			return err
		}
		store = s
	} else {
		store = memstore.New(memstore.WithClock(clk.now))
	}
	cfg, err := r.config(sc)
	if err != nil {
		return err
	}
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		return err
	}
	outbox := &channel.Outbox{}
	opts := append([]agent.Option{
		agent.WithClock(clk.now),
		agent.WithSender(outbox, channel.Address{Name: "Support", Email: "support@caseagent.invalid"}),
	}, r.AgentOptions...)
	ropts, err := r.resolutionOptions(ctx, sc, store)
	if err != nil {
		return err
	}
	ag, err := agent.New(store, r.Predictor, cfg, append(opts, ropts...)...)
	if err != nil {
		return err
	}
	st := &state{r: r, sc: sc, store: store, ag: ag, clk: clk, rep: "rep-1", outbox: outbox}
	st.conv = channel.Conversation{
		ID: "conv-" + sc.ID, Kind: channel.KindChat, Status: channel.StatusRequested,
		Customer:  channel.Customer{ContactID: sc.Customer.AuthenticatedContact},
		StartedAt: start,
	}
	if sc.Channel == "email" {
		st.conv.Kind = channel.KindEmail
	}
	for i, step := range sc.Steps {
		clk.t = clk.t.Add(time.Second)
		if err := st.step(ctx, i, step, res); err != nil {
			if errors.Is(err, errUnsupported) {
				res.Unsupported = append(res.Unsupported, fmt.Sprintf("step %d: %s", i+1, strings.TrimPrefix(err.Error(), errUnsupported.Error()+": ")))
				st.missRest(sc.Steps[i:], i, res)
				return nil
			}
			return fmt.Errorf("step %d (%s): %w", i+1, step.Kind, err)
		}
	}
	return nil
}

var errUnsupported = errors.New("unsupported")

// missRest counts the field expectations of the steps that could not be
// replayed as missed.
func (st *state) missRest(steps []Step, from int, res *ScenarioResult) {
	for j, s := range steps {
		if s.Expect == nil {
			continue
		}
		sr := StepResult{Step: from + j + 1}
		for _, f := range sortedFields(s.Expect.Fields) {
			tally(res, f).Missed++
			sr.Checks = append(sr.Checks, Check{What: "field:" + f, Want: s.Expect.Fields[f].String(), Got: "(not replayed)", Outcome: OutcomeMissed})
		}
		res.Expects = append(res.Expects, sr)
	}
}

func tally(res *ScenarioResult, f string) *Tally {
	if res.Fields[f] == nil {
		res.Fields[f] = &Tally{}
	}
	return res.Fields[f]
}

func (st *state) message(role channel.Role, text string) {
	st.nextMsg++
	m := channel.Message{
		ID: st.conv.ID + "-m" + strconv.Itoa(st.nextMsg), ConversationID: st.conv.ID,
		Kind: channel.KindChat, Direction: channel.Inbound, Role: role, Text: text, Time: st.clk.now(),
	}
	if role != channel.RoleCustomer {
		m.Direction = channel.Outbound
		m.From = channel.Address{Name: st.rep}
	}
	st.conv.Messages = append(st.conv.Messages, m)
	if st.conv.Status == channel.StatusAccepted {
		st.conv.Status = channel.StatusActive
	}
}

func (st *state) step(ctx context.Context, i int, s Step, res *ScenarioResult) error {
	switch s.Kind {
	case StepCustomer:
		st.message(channel.RoleCustomer, s.Text)
	case StepRep:
		st.message(channel.RoleRepresentative, s.Text)
	case StepEvent:
		return st.event(ctx, s)
	case StepHumanEdit:
		if st.caseID == "" {
			if err := st.findCase(ctx); err != nil {
				return fmt.Errorf("human_edit with no case: %w", err)
			}
		}
		_, err := st.ag.EditCase(ctx, st.caseID, "rep-editor", s.Edit)
		return err
	case StepEmail:
		return st.email(ctx, s.Email)
	case StepAdvance:
		return st.advance(ctx, s.Advance)
	case StepExpect:
		res.Expects = append(res.Expects, st.expect(ctx, i, s.Expect, res))
	case StepDraft:
		return st.draftStep(ctx, s)
	}
	return nil
}

func (st *state) event(ctx context.Context, s Step) error {
	if s.Event == EventResolveRequested {
		return st.resolveStep(ctx, s)
	}
	if st.sc.Channel != "chat" {
		return fmt.Errorf("%w: %s events in an email scenario", errUnsupported, s.Event)
	}
	var err error
	var res *agent.Result
	defer func() { st.note(res) }()
	switch s.Event {
	case EventAccepted:
		if st.conv.Status == channel.StatusRequested {
			st.conv.Status = channel.StatusAccepted
		}
		res, err = st.ag.ConversationAccepted(ctx, &st.conv, st.rep)
	case EventEnded:
		st.conv.Status = channel.StatusEnded
		st.conv.EndedAt = st.clk.now()
		res, err = st.ag.ConversationEnded(ctx, &st.conv, st.rep)
	case EventUpdateRequested:
		res, err = st.ag.UpdateFromConversation(ctx, &st.conv, s.By)
		if errors.Is(err, casemgmt.ErrNotFound) {
			err = nil // nothing to update: the expectations will say so
		}
	}
	return err
}

// tick is how often a replay runs scheduled work while time passes, as a
// host would call RunDue from a timer.
const tick = 15 * time.Minute

// advance moves the clock on, running the agent's scheduled work as time
// passes.
func (st *state) advance(ctx context.Context, d time.Duration) error {
	end := st.clk.t.Add(d)
	for st.clk.t.Before(end) {
		st.clk.t = st.clk.t.Add(tick)
		if st.clk.t.After(end) {
			st.clk.t = end
		}
		if _, err := st.ag.RunDue(ctx, st.clk.t); err != nil {
			return err
		}
	}
	return nil
}

// email hands a raw message to the agent, as a mailbox source would.
func (st *state) email(ctx context.Context, raw string) error {
	p, err := email.NewParser().ParseBytes([]byte(raw))
	if err != nil {
		return err
	}
	mailbox := ""
	if len(p.Message.To) > 0 {
		mailbox = p.Message.To[0].Email
	}
	res, err := st.ag.InboundEmail(ctx, mailbox, &p.Message)
	if err != nil {
		return err
	}
	st.note(res)
	if res.Case != nil && st.caseID == "" {
		st.caseID = res.Case.ID
	}
	return nil
}

func (st *state) findCase(ctx context.Context) error {
	if st.sc.Channel == "email" {
		return casemgmt.ErrNotFound
	}
	c, err := st.store.FindCaseByConversation(ctx, st.conv.ID)
	if err != nil {
		return err
	}
	st.caseID = c.ID
	return nil
}

func (st *state) expect(ctx context.Context, i int, e *Expect, res *ScenarioResult) StepResult {
	sr := StepResult{Step: i + 1}
	var c *casemgmt.Case
	if st.caseID == "" {
		_ = st.findCase(ctx)
	}
	if st.caseID != "" {
		got, err := st.store.GetCase(ctx, st.caseID)
		if err == nil {
			c = got
		}
	}
	add := func(what, want, got string, ok bool) {
		sr.Checks = append(sr.Checks, Check{What: what, Want: want, Got: got, OK: ok})
	}
	if e.Case != "" {
		got := "none"
		switch {
		case c == nil:
		case st.version == 0:
			got = "created"
		case c.Version > st.version:
			got = "updated"
		default:
			got = "unchanged"
		}
		add("case", e.Case, got, got == e.Case)
	}
	if e.Status != "" {
		got := "(no case)"
		if c != nil {
			got = string(c.Status)
		}
		add("status", e.Status, got, got == e.Status)
	}
	if e.Sent != nil {
		sent := 0
		if c != nil {
			sent = agent.SentCount(c)
		}
		add("sent", strconv.Itoa(*e.Sent), strconv.Itoa(sent), *e.Sent == sent)
	}
	for _, f := range sortedFields(e.Fields) {
		want := e.Fields[f]
		var v any
		has := false
		if c != nil {
			v, has = c.Value(f)
		}
		ok := want.Holds(v, has)
		if pv := provenance(c, f); has && pv.Actor.Kind == casemgmt.ActorAgent && pv.Confidence > 0 {
			t := tally(res, f)
			t.conf = append(t.conf, pv.Confidence)
			t.right = append(t.right, ok)
		}
		outcome := OutcomeMissed
		switch {
		case ok:
			tally(res, f).Met++
			outcome = OutcomeMet
		case has:
			tally(res, f).Wrong++
			outcome = OutcomeWrong
		default:
			tally(res, f).Missed++
		}
		got := "(empty)"
		if has {
			got = fmt.Sprint(v)
		}
		add("field:"+f, want.String(), got, ok)
		sr.Checks[len(sr.Checks)-1].Outcome = outcome
	}
	st.expectResolution(ctx, &e.ResolutionExpect, c, add)
	if c != nil {
		st.version = c.Version
	}
	return sr
}

func sortedFields(m map[string]FieldExpect) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Holds reports whether a field's value (has is false when it has none)
// meets the expectation: plain values exactly (text after trimming,
// numbers by value), mentions case-insensitively, empty when unset.
func (f FieldExpect) Holds(v any, has bool) bool {
	switch {
	case f.Empty:
		return !has
	case !has:
		return false
	case len(f.Mentions) > 0:
		s, ok := v.(string)
		if !ok {
			return false
		}
		s = strings.ToLower(s)
		for _, m := range f.Mentions {
			if !strings.Contains(s, strings.ToLower(m)) {
				return false
			}
		}
		return true
	}
	switch w := f.Equals.(type) {
	case string:
		s, ok := v.(string)
		return ok && strings.TrimSpace(s) == strings.TrimSpace(w)
	case float64:
		switch n := v.(type) {
		case int64:
			return float64(n) == w
		case float64:
			return math.Abs(n-w) < 1e-9
		}
		return false
	case bool:
		b, ok := v.(bool)
		return ok && b == w
	}
	return false
}

// String describes the expectation.
func (f FieldExpect) String() string {
	switch {
	case f.Empty:
		return "(empty)"
	case len(f.Mentions) > 0:
		return "mentions " + strings.Join(f.Mentions, ", ")
	}
	return fmt.Sprint(f.Equals)
}
