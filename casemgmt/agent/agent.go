package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	retry "github.com/caseagent/caseagent/internal/backoff"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
	"github.com/caseagent/caseagent/rules"
)

// Triggers name what started an agent run, in interaction records.
const (
	TriggerAccepted        = "conversation_accepted"
	TriggerMessage         = "customer_message"
	TriggerEnded           = "conversation_ended"
	TriggerUpdateRequested = "update_requested"
	TriggerHumanEdit       = "human_edit"
)

// Meta keys the agent keeps on a case.
const (
	// MetaPredicted records what the last prediction for a conversation
	// saw, so that a later run with nothing new makes no second call.
	MetaPredicted = "agent.predicted"
)

// ErrNotPermitted is returned when a representative's profile does not
// allow what was asked.
var ErrNotPermitted = errors.New("casemgmt: not permitted by the representative's profile")

// Feature is something a representative's profile may allow.
type Feature string

// The features of a profile.
const (
	// FeatureAutoCreate lets the agent create cases from the
	// representative's conversations.
	FeatureAutoCreate Feature = "autonomous_create"
	// FeatureAutoUpdate lets the agent update cases from them.
	FeatureAutoUpdate Feature = "autonomous_update"
	// FeatureUpdateFromConversation lets the representative ask for an
	// update ("Update from conversation").
	FeatureUpdateFromConversation Feature = "update_from_conversation"
	// FeatureFollowUp lets the agent follow up with customers and close
	// cases for the representative.
	FeatureFollowUp Feature = "follow_up"
)

// Profile is a named set of features. It is plain data.
type Profile struct {
	Name     string    `json:"name"`
	Features []Feature `json:"features"`
}

// Allows reports whether the profile has the feature.
func (p *Profile) Allows(f Feature) bool { return p != nil && slices.Contains(p.Features, f) }

// Profiles map representatives to what the agent may do for them. The
// zero value allows everything to everyone (no profiles configured). It is
// plain data, safe for concurrent reads.
type Profiles struct {
	// Profiles by name.
	Profiles map[string]Profile `json:"profiles"`
	// Assign maps a representative's id to a profile name.
	Assign map[string]string `json:"assign"`
	// Default is the profile of representatives without one, and of
	// conversations with no representative; empty means none, so that
	// nothing is allowed to them.
	Default string `json:"default,omitempty"`
}

// Allows reports whether the representative's profile has the feature.
func (p *Profiles) Allows(rep string, f Feature) bool {
	if p == nil || len(p.Profiles) == 0 {
		return true
	}
	name, ok := p.Assign[rep]
	if !ok || rep == "" {
		name = p.Default
	}
	prof, ok := p.Profiles[name]
	return ok && prof.Allows(f)
}

// Agent creates and updates cases from conversations. Build it with
// New. It is safe for concurrent use: its state is in the store.
type Agent struct {
	store   casemgmt.Store
	pred    predict.Predictor
	cfg     *Config
	schema  *casemgmt.Schema
	rules   *compiledRules
	now     func() time.Time
	log     *slog.Logger
	name    string
	shadow  bool
	minConf float64
	minSet  bool
	// minField holds the fields' own thresholds; deps, for each field
	// that update rules read, the rules that read it.
	minField map[string]float64
	deps     map[string][]string
	prof     *Profiles
	retries  int
	mail     mailSettings
	judge    ReplyJudge
	dir      predict.Directory
	// resolver answers intents that have no resolver of their own;
	// retriever finds the articles answers cite.
	resolver        resolve.Resolver
	intentResolvers map[string]resolve.Resolver
	retriever       knowledge.Retriever
	// budget and mailboxes are what Check reports on besides.
	budget    *budget.Budget
	mailboxes []mailboxProbe
	// asked are the field lists most predictions ask for (the create and
	// the update candidates), prepared once.
	asked []askedFields
	// rvPool keeps *rules.Values with no variable set, for plan. The two
	// pools are kept because the agent benchmark shows them: without them
	// an event makes 6 more allocations and 1.5 to 2.5 KB more garbage.
	rvPool sync.Pool
	// changeBufs keeps emptied change slices (*[]Change) for plan.
	changeBufs sync.Pool
	tel        *telemetry // nil without WithTracerProvider or WithMeterProvider
}

// askedFields is a list of field names and the fields a predictor is
// asked for.
type askedFields struct {
	names  []string
	fields []predict.Field
}

// Option configures an Agent.
type Option func(*Agent)

// WithClock sets the agent's clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(a *Agent) { a.now = now } }

// WithLogger sets the agent's logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(a *Agent) { a.log = l } }

// WithShadow runs the agent in shadow mode: every call predicts and
// decides as usual and returns what it would have written, but nothing is
// written to the store.
func WithShadow(on bool) Option { return func(a *Agent) { a.shadow = on } }

// WithName sets the agent's actor id in provenance and audit entries
// (default "caseagent").
func WithName(name string) Option { return func(a *Agent) { a.name = name } }

// WithMinConfidence sets the confidence a predicted value needs to be
// applied (default: the create rule's min_confidence, or 0.5 when it has
// none).
func WithMinConfidence(c float64) Option {
	return func(a *Agent) { a.minConf, a.minSet = c, true }
}

// WithProfiles sets the representatives' profiles (default: everything is
// allowed to everyone).
func WithProfiles(p Profiles) Option { return func(a *Agent) { a.prof = &p } }

// WithBudget lets Check report the spending budget's standing (the budget
// itself is the predictor, or a part of it, the host passes to New).
func WithBudget(b *budget.Budget) Option { return func(a *Agent) { a.budget = b } }

// WithMailboxProbe lets Check probe a mailbox the host polls (log in,
// select, log out), such as imapsource's Poller.Probe.
func WithMailboxProbe(name string, probe func(ctx context.Context) error) Option {
	return func(a *Agent) { a.mailboxes = append(a.mailboxes, mailboxProbe{name, probe}) }
}

type mailboxProbe struct {
	name  string
	probe func(ctx context.Context) error
}

// Store returns the store the agent works on, for parts of a host that
// work beside it (the live-chat receiver keeps conversations there).
func (a *Agent) Store() casemgmt.Store { return a.hostStore() }

// Logger returns the agent's logger, for parts of a host that log beside
// it.
func (a *Agent) Logger() *slog.Logger { return a.log }

// New returns an agent over a store and a predictor with a configuration.
// It validates the configuration unless Validate (or ParseConfig or
// LoadConfig) did, and compiles its conditions as they are now.
func New(store casemgmt.Store, pred predict.Predictor, cfg *Config, opts ...Option) (*Agent, error) {
	if store == nil || pred == nil || cfg == nil {
		return nil, fmt.Errorf("%w: New needs a store, a predictor and a configuration", casemgmt.ErrInvalid)
	}
	if cfg.Schema() == nil {
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
	}
	cr, err := compileRules(cfg)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		store: store, pred: pred, cfg: cfg, schema: cfg.Schema(), rules: cr,
		now: time.Now, log: slog.New(slog.DiscardHandler), name: "caseagent",
		retries: 8, dir: casemgmt.Directory(store), judge: defaultJudge{},
	}
	for _, o := range opts {
		o(a)
	}
	if err := a.instrument(); err != nil {
		return nil, err
	}
	if !a.minSet {
		a.minConf = cfg.Create.MinConfidence
		if a.minConf == 0 {
			a.minConf = 0.5
		}
	}
	for _, first := range [][]string{cfg.Create.Fields, nil} {
		names := a.candidateFields(first)
		fields, err := a.schema.PredictFields(names...)
		if err != nil {
			return nil, err
		}
		a.asked = append(a.asked, askedFields{names: names, fields: fields})
	}
	if a.resolver == nil {
		if a.resolver, err = resolve.NewDefault(); err != nil {
			return nil, err
		}
	}
	if ks, ok := store.(knowledge.Store); ok && a.retriever == nil {
		a.retriever = knowledge.StoreRetriever(ks)
	}
	a.minField, a.deps = map[string]float64{}, map[string][]string{}
	for _, f := range a.schema.Fields() {
		if f.MinConfidence > 0 {
			a.minField[f.Name] = f.MinConfidence
		}
	}
	for i := 0; i < cr.update.Len(); i++ {
		if r := cr.update.Rule(i); !r.Inactive {
			for _, v := range cr.update.Reads(i) {
				if a.schema.Has(v) {
					a.deps[v] = append(a.deps[v], r.Name)
				}
			}
		}
	}
	if math.IsNaN(a.minConf) || a.minConf < 0 || a.minConf > 1 {
		return nil, fmt.Errorf("%w: minimum confidence %v is not between 0 and 1", casemgmt.ErrInvalid, a.minConf)
	}
	if a.now == nil || a.log == nil || a.name == "" {
		return nil, fmt.Errorf("%w: nil clock or logger, or empty agent name", casemgmt.ErrInvalid)
	}
	return a, nil
}

// Config returns the agent's configuration.
func (a *Agent) Config() *Config { return a.cfg }

// Result is what one agent call did. It is plain data, owned by the
// caller.
type Result struct {
	Outcome casemgmt.Outcome
	// Reason explains a skipped or unchanged outcome.
	Reason string
	// Case is the case after the call, when there is one. In shadow mode
	// it is the case as it would have been.
	Case *casemgmt.Case
	// Changes are the audit entries written (or, in shadow mode, that
	// would have been).
	Changes []casemgmt.AuditEntry
	// Interaction is the record of the run.
	Interaction *casemgmt.Interaction
	// Resolution is what resolution did after the run, when the case's
	// line of business resolves.
	Resolution *ResolutionOutcome
}

// Receipt says what the call did, as webhooks answer: the case's id and
// number, the outcome and why.
func (r *Result) Receipt() channel.Receipt {
	rc := channel.Receipt{Outcome: string(r.Outcome), Reason: r.Reason}
	if r.Case != nil {
		rc.CaseID, rc.CaseNumber = r.Case.ID, r.Case.Number
	}
	return rc
}

// ChangedFields returns the names of the fields the call changed, in
// order.
func (r *Result) ChangedFields() []string {
	var out []string
	for _, e := range r.Changes {
		if e.Field != casemgmt.AttrLink && e.Field != casemgmt.AttrCase && !slices.Contains(out, e.Field) {
			out = append(out, e.Field)
		}
	}
	return out
}

// ConversationAccepted is called when a representative (rep, possibly
// empty) accepts a live conversation. With no linked case, it predicts the
// create fields and creates the case when the create rule holds; with a
// linked case, it updates it.
func (a *Agent) ConversationAccepted(ctx context.Context, conv *channel.Conversation, rep string) (*Result, error) {
	return a.runConversation(ctx, &run{trigger: TriggerAccepted, conv: conv, rep: rep, create: true})
}

// CustomerMessage is called, when the host wants it, after each new
// customer message of a live conversation. It does what
// ConversationAccepted does.
func (a *Agent) CustomerMessage(ctx context.Context, conv *channel.Conversation, rep string) (*Result, error) {
	return a.runConversation(ctx, &run{trigger: TriggerMessage, conv: conv, rep: rep, create: true})
}

// ConversationEnded is called when a live conversation ends. It tries
// again to create a case that could not be created before, or updates the
// linked case.
func (a *Agent) ConversationEnded(ctx context.Context, conv *channel.Conversation, rep string) (*Result, error) {
	return a.runConversation(ctx, &run{trigger: TriggerEnded, conv: conv, rep: rep, create: true})
}

// UpdateFromConversation is "Update from conversation": a representative
// asks the agent to update the case linked to the conversation now. It
// returns ErrNotPermitted when the representative's profile does not allow
// it, ErrNotFound when no case is linked, and otherwise a Result whose
// Changes say what changed (none, with OutcomeUnchanged, when nothing
// did).
func (a *Agent) UpdateFromConversation(ctx context.Context, conv *channel.Conversation, rep string) (res *Result, err error) {
	ctx, span := a.tel.startConversation(ctx, TriggerUpdateRequested, conv)
	defer func() { span.end(res, err) }()
	if !a.prof.Allows(rep, FeatureUpdateFromConversation) {
		err := fmt.Errorf("%w: %s may not use update from conversation", ErrNotPermitted, rep)
		// The refusal is recorded like every other run.
		if conv != nil && conv.ID != "" && !a.shadow {
			in := &casemgmt.Interaction{ConversationID: conv.ID, Trigger: TriggerUpdateRequested,
				Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: rep}, Outcome: casemgmt.OutcomeSkipped, Reason: errText(err), Time: a.now()}
			if c, ferr := a.store.FindCaseByConversation(ctx, conv.ID); ferr == nil {
				in.CaseID = c.ID
			}
			if aerr := a.store.AddInteraction(ctx, in); aerr != nil {
				return nil, errors.Join(err, aerr)
			}
		}
		return nil, err
	}
	return a.runConversation(ctx, &run{trigger: TriggerUpdateRequested, conv: conv, rep: rep, requested: true})
}

// runConversation is one agent run on a conversation.
func (a *Agent) runConversation(ctx context.Context, r *run) (res *Result, err error) {
	ctx, span := a.tel.startConversation(ctx, r.trigger, r.conv)
	defer func() { span.end(res, err) }()
	if r.conv == nil || r.conv.ID == "" {
		return nil, fmt.Errorf("%w: a conversation with an id is required", casemgmt.ErrInvalid)
	}
	r.a, r.start = a, a.now()
	r.in = &casemgmt.Interaction{
		Time:           r.start,
		ConversationID: r.conv.ID,
		Trigger:        r.trigger,
		Actor:          a.actor(),
		MessageIDs:     messageIDs(r.conv.Messages),
	}
	if r.requested {
		r.in.Actor = casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: r.rep}
	}
	c, err := a.store.FindCaseByConversation(ctx, r.conv.ID)
	switch {
	case errors.Is(err, casemgmt.ErrNotFound):
		if r.requested {
			return nil, fmt.Errorf("update from conversation %s: %w", r.conv.ID, casemgmt.ErrNotFound)
		}
		if !r.create {
			return r.finish(ctx, casemgmt.OutcomeSkipped, "no case is linked to the conversation", nil, nil)
		}
		return r.afterRun(ctx)(r.createCase(ctx))
	case err != nil:
		return nil, err
	}
	return r.afterRun(ctx)(r.updateCase(ctx, c))
}

// threshold is the confidence a predicted value of the field needs: the
// field's own, or the agent's.
func (a *Agent) threshold(field string) float64 {
	if t, ok := a.minField[field]; ok {
		return t
	}
	return a.minConf
}

func (a *Agent) actor() casemgmt.Actor { return casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: a.name} }

// stamp stamps a change the agent makes.
func (a *Agent) stamp(why string, at time.Time) casemgmt.Stamp {
	return casemgmt.Stamp{Actor: a.actor(), Reason: why, Time: at}
}

func messageIDs(ms []channel.Message) []string {
	ids := make([]string, 0, len(ms))
	for i := range ms {
		if ms[i].ID != "" {
			ids = append(ids, ms[i].ID)
		}
	}
	return ids
}

// hasCustomerText reports whether any customer wrote anything.
func hasCustomerText(ms []channel.Message) bool {
	for i := range ms {
		if ms[i].Role == channel.RoleCustomer && !ms[i].Automated() && strings.TrimSpace(ms[i].Text) != "" {
			return true
		}
	}
	return false
}

// candidateFields are the fields one prediction asks for: the given
// fields, the default update fields, and the fields of every active update
// rule. Which rule fields are kept is decided afterwards, with the
// predicted values, so that one call serves rules whose condition depends
// on a value predicted in the same call.
func (a *Agent) candidateFields(first []string) []string {
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	add(first...)
	add(a.cfg.DefaultUpdateFields...)
	for i := 0; i < a.rules.update.Len(); i++ {
		r := a.rules.update.Rule(i)
		if !r.Inactive {
			add(r.Action...)
		}
	}
	return out
}

// predict asks the predictor for fields of the run's conversation and
// keeps what predict.Validate allows, as r.preds, which plan then reads. It
// fills the record's predictor, usage and the dropped fields.
func (r *run) predict(ctx context.Context, known casemgmt.Values, names []string) (map[string]predict.Prediction, error) {
	a, conv, in := r.a, r.conv, r.in
	var fields []predict.Field
	for _, af := range a.asked {
		if slices.Equal(af.names, names) {
			// A copy of the slice: a predictor that breaks the rule and
			// modifies the request cannot change the next one's.
			fields = slices.Clone(af.fields)
		}
	}
	if fields == nil {
		var err error
		if fields, err = a.schema.PredictFields(names...); err != nil {
			return nil, err
		}
	}
	req := &predict.Request{
		Fields:    fields,
		Messages:  conv.Messages,
		Known:     map[string]any(cloneValues(known)),
		Customer:  conv.Customer,
		Directory: a.dir,
	}
	res, err := a.pred.Predict(ctx, req)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &predict.Result{}
	}
	in.Predictor = res.Predictor
	in.Usage.Add(res.Usage)
	kept, drops := predict.Validate(req, res)
	for _, d := range drops {
		v := d.Value
		if !storable(v) {
			v = fmt.Sprint(v)
		}
		in.Fields = append(in.Fields, casemgmt.FieldOutcome{Field: d.Field, Value: v, Reason: "dropped: " + d.Reason})
	}
	r.preds = kept
	return kept, nil
}

// cloneValues copies v; the copy is never nil.
func cloneValues(v casemgmt.Values) casemgmt.Values {
	out := make(casemgmt.Values, len(v))
	for k, x := range v {
		out[k] = x
	}
	return out
}

// plan decides which of the run's predicted values to apply: those above the
// minimum confidence, for the first fields, the default update fields and
// the fields of update rules that hold once the predicted values are in.
// It appends the changes to dst in field order and records the others in
// the run's record. With same, the caller applies the changes to
// c itself, as it is now: a value c already has then needs no change
// (Apply would list it as unchanged, and markApplied says so), nor its
// evidence resolved.
func (r *run) plan(ctx context.Context, c *casemgmt.Case, first []string, dst []casemgmt.Change, same bool) []casemgmt.Change {
	a, preds, conv, in := r.a, r.preds, r.conv, r.in
	allowed := make(map[string]string, len(preds)) // field -> rule that allows it ("" for defaults)
	for _, n := range first {
		allowed[n] = ""
	}
	for _, n := range a.cfg.DefaultUpdateFields {
		allowed[n] = ""
	}
	// Values as they would be with the predictions applied, to evaluate
	// update rules; repeated until no rule adds a field.
	vals := cloneValues(c.Fields)
	for n, p := range preds {
		if _, ok := allowed[n]; ok && p.Confidence >= a.threshold(n) {
			if _, exists := vals[n]; !exists || a.agentMayWrite(c, n) {
				vals[n] = p.Value
			}
		}
	}
	rv := a.takeRuleValues(c, vals, conv)
	defer a.putRuleValues(rv)
	for round := 0; round <= a.rules.update.Len(); round++ {
		matched, errs := a.rules.update.All(rv)
		for _, e := range errs {
			a.log.WarnContext(ctx, "update rule failed", "rule", e.Rule, "err", e.Err)
		}
		grew := false
		for _, r := range matched {
			for _, n := range r.Action {
				if _, ok := allowed[n]; !ok {
					allowed[n] = r.Name
					grew = true
					if p, ok := preds[n]; ok && p.Confidence >= a.threshold(n) {
						if _, exists := vals[n]; !exists || a.agentMayWrite(c, n) {
							vals[n] = p.Value
							a.setRuleValue(rv, n, p.Value)
						}
					}
				}
			}
		}
		if !grew {
			break
		}
	}
	names := make([]string, 0, len(preds))
	for n := range preds {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(a.fieldIndex(x), a.fieldIndex(y)) })
	changes := dst
	in.Fields = slices.Grow(in.Fields, len(names))
	for k, n := range names {
		p := preds[n]
		fo := casemgmt.FieldOutcome{Field: n, Value: p.Value, Confidence: p.Confidence, Evidence: p.Evidence}
		rule, ok := allowed[n]
		switch {
		case !ok:
			fo.Reason = "no update rule asks for this field"
		case p.Confidence < a.threshold(n) && len(a.deps[n]) > 0:
			// A guess here would also decide which rules apply: leave it
			// empty and say so.
			fo.Reason = fmt.Sprintf("uncertain: update rules depend on it (%s); confidence %.2f is below %.2f",
				strings.Join(a.deps[n], ", "), p.Confidence, a.threshold(n))
		case p.Confidence < a.threshold(n):
			fo.Reason = fmt.Sprintf("confidence %.2f is below %.2f", p.Confidence, a.threshold(n))
		default:
			v, err := a.schema.Validate(ctx, n, p.Value, a.store)
			if err != nil {
				fo.Reason = errText(err)
				break
			}
			if rejectedBefore(c, n, v, &p, conv.Messages) {
				fo.Reason = "rejected by a representative on the same evidence"
				break
			}
			if old, exists := c.Value(n); same && exists && old == v {
				break
			}
			ids, ev := sourceIDs(conv.Messages, p.Evidence), p.Evidence
			// Room for this change and every one that may follow, once:
			// an update often changes one field of many predicted.
			changes = slices.Grow(changes, len(names)-k)
			changes = append(changes, casemgmt.Change{
				Field: n, Value: v, Reason: "predicted from the conversation",
				Provenance: casemgmt.Provenance{
					Actor: a.actor(), MessageIDs: ids,
					Confidence: p.Confidence, Evidence: ev, Rule: rule, Model: in.Predictor,
				},
				Validated: true,
			})
		}
		in.Fields = append(in.Fields, fo)
	}
	return changes
}

// agentMayWrite reports whether the write policy lets the agent replace
// the field's current value.
func (a *Agent) agentMayWrite(c *casemgmt.Case, field string) bool {
	_, exists := c.Value(field)
	ok, _ := a.cfg.Policy.CanWrite(c.Provenance[field], exists, a.actor(), false)
	return ok
}

func (a *Agent) fieldIndex(name string) int {
	if i, ok := a.schema.Index(name); ok {
		return i
	}
	return a.schema.Len()
}

// sourceIDs returns the ids of the messages the evidence quotes
// (predict.Validate names them); with none, the latest customer message (or
// the latest message), which the value is then taken from.
func sourceIDs(msgs []channel.Message, ev []predict.Evidence) []string {
	var ids []string
	for _, e := range ev {
		if e.MessageID != "" && !slices.Contains(ids, e.MessageID) {
			ids = append(ids, e.MessageID)
		}
	}
	if len(ids) > 0 {
		return ids
	}
	last := -1
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].ID != "" && last < 0 {
			last = i
		}
		if msgs[i].Role == channel.RoleCustomer && msgs[i].ID != "" {
			last = i
			break
		}
	}
	if last >= 0 {
		return []string{msgs[last].ID}
	}
	return nil
}

// ruleValues are the variables of conditions for a case with values vals.
func (a *Agent) ruleValues(c *casemgmt.Case, vals casemgmt.Values, conv *channel.Conversation) *rules.Values {
	return a.fillRuleValues(a.rules.update.NewValues(), c, vals, conv)
}

// takeRuleValues is ruleValues with values reused from earlier runs;
// give them back with putRuleValues once no rule is evaluated on them.
func (a *Agent) takeRuleValues(c *casemgmt.Case, vals casemgmt.Values, conv *channel.Conversation) *rules.Values {
	rv, _ := a.rvPool.Get().(*rules.Values)
	if rv == nil {
		rv = a.rules.update.NewValues()
	}
	return a.fillRuleValues(rv, c, vals, conv)
}

// putRuleValues unsets every variable of rv and keeps it for the next
// takeRuleValues.
func (a *Agent) putRuleValues(rv *rules.Values) {
	for n := range a.rules.update.Vars() {
		rv.Unset(n)
	}
	a.rvPool.Put(rv)
}

// takeChanges returns an empty change slice with room for n changes,
// reused from earlier runs; give it back with putChanges.
func (a *Agent) takeChanges(n int) *[]casemgmt.Change {
	p, _ := a.changeBufs.Get().(*[]casemgmt.Change)
	if p == nil {
		p = new([]casemgmt.Change)
	}
	*p = slices.Grow((*p)[:0], n)
	return p
}

// putChanges keeps used (the slice p held, grown and filled) for the
// next takeChanges, once Apply has copied what it needs: it is cleared so
// that it holds on to no value.
func (a *Agent) putChanges(p *[]casemgmt.Change, used []casemgmt.Change) {
	clear(used)
	*p = used[:0]
	a.changeBufs.Put(p)
}

// fillRuleValues sets rv (with no variable set) to ruleValues(c, vals,
// conv) and returns it.
func (a *Agent) fillRuleValues(rv *rules.Values, c *casemgmt.Case, vals casemgmt.Values, conv *channel.Conversation) *rules.Values {
	for n, v := range vals {
		a.setRuleValue(rv, n, v)
	}
	if c.Status != "" {
		_ = rv.Set(VarStatus, string(c.Status))
	}
	if c.StatusReason != "" {
		_ = rv.Set(VarStatusReason, c.StatusReason)
	}
	if conv != nil {
		_ = rv.Set(VarChannel, string(conv.Kind))
		if conv.Status != "" {
			_ = rv.Set(VarConversationStatus, string(conv.Status))
		}
		for i := len(conv.Messages) - 1; i >= 0; i-- {
			if m := &conv.Messages[i]; m.Role == channel.RoleCustomer {
				if m.Text != "" {
					_ = rv.Set(VarBody, m.Text)
				}
				break
			}
		}
	}
	return rv
}

// setRuleValue sets the rule variable of a schema field.
func (a *Agent) setRuleValue(rv *rules.Values, field string, v any) {
	if a.schema.Has(field) {
		if err := rv.Set(field, v); err != nil {
			a.log.Warn("value does not fit its rule variable", "field", field, "err", err)
		}
	}
}

// fingerprint is what a prediction saw: the number of messages, the
// last message's id, and the fields asked for.
func fingerprint(conv *channel.Conversation, fields []string) string {
	last := lastID(conv)
	n := 24 + len(last)
	for _, f := range fields {
		n += len(f) + 1
	}
	b := make([]byte, 0, n)
	b = strconv.AppendInt(b, int64(len(conv.Messages)), 10)
	b = append(b, '|')
	b = append(b, last...)
	b = append(b, '|')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	return string(b)
}

func lastID(conv *channel.Conversation) string {
	if n := len(conv.Messages); n > 0 {
		return conv.Messages[n-1].ID
	}
	return ""
}

// seenBefore reports whether a prediction with fingerprint fp saw the
// conversation as it is now and asked for at least the fields names: then
// a new prediction would learn nothing. A case created with its create
// fields and then updated with fewer fields makes no second call.
func seenBefore(fp string, conv *channel.Conversation, names []string) bool {
	// fp must begin with "<number of messages>|<last id>|".
	rest, ok := strings.CutPrefix(fp, strconv.Itoa(len(conv.Messages)))
	if ok {
		rest, ok = strings.CutPrefix(rest, "|")
	}
	if ok {
		rest, ok = strings.CutPrefix(rest, lastID(conv))
	}
	if ok {
		rest, ok = strings.CutPrefix(rest, "|")
	}
	if !ok {
		return false
	}
	for _, n := range names {
		if !listHas(rest, n) {
			return false
		}
	}
	return true
}

// listHas reports whether the comma-separated list holds name, as
// slices.Contains(strings.Split(list, ","), name) does.
func listHas(list, name string) bool {
	for {
		item, more, found := strings.Cut(list, ",")
		if item == name {
			return true
		}
		if !found {
			return false
		}
		list = more
	}
}

// skippedKey is the state key under which the agent remembers what the
// last create attempt for a conversation saw and why it created nothing.
func skippedKey(convID string) string { return "casemgmt:agent:skipped:" + convID }

// create predicts and creates a case when the create rule holds.
func (r *run) createCase(ctx context.Context) (*Result, error) {
	a, in, start := r.a, r.in, r.start
	if !a.prof.Allows(r.rep, FeatureAutoCreate) {
		return r.finish(ctx, casemgmt.OutcomeSkipped, "the representative's profile does not allow autonomous case creation", nil, nil)
	}
	if !hasCustomerText(r.conv.Messages) {
		return r.finish(ctx, casemgmt.OutcomeSkipped, "the customer has not written anything yet", nil, nil)
	}
	names := a.asked[0].names
	fp := fingerprint(r.conv, names)
	// A create attempt that saw the same messages and fields, and created
	// nothing, would not create anything now either.
	if prev, err := a.store.GetState(ctx, skippedKey(r.conv.ID)); err == nil {
		if f, why, ok := strings.Cut(string(prev), "\n"); ok && seenBefore(f, r.conv, names) {
			return r.finish(ctx, casemgmt.OutcomeSkipped, "nothing new since the last prediction: "+why, nil, nil)
		}
	} else if !errors.Is(err, casemgmt.ErrNotFound) {
		return nil, err
	}
	preds, err := r.predict(ctx, nil, names)
	if err != nil {
		return r.failed(ctx, err)
	}
	now := a.now()
	c := &casemgmt.Case{Status: casemgmt.StatusActive, Links: []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: r.conv.ID}}}
	// The origin change goes first; the create rule is checked against
	// the predicted changes alone.
	buf := a.takeChanges(1 + len(preds))
	changes := a.appendOriginChange(*buf, r.conv.Kind)
	origin := len(changes)
	changes = r.plan(ctx, c, a.cfg.Create.Fields, changes, true)
	if ok, why := a.createHolds(preds, changes[origin:], in); !ok {
		a.putChanges(buf, changes)
		for i := range in.Fields {
			if in.Fields[i].Reason == "" {
				in.Fields[i].Reason = "no case was created"
			}
		}
		if !a.shadow {
			if err := a.store.PutState(ctx, skippedKey(r.conv.ID), []byte(fp+"\n"+why)); err != nil {
				a.log.WarnContext(ctx, "could not remember a skipped creation", "conversation", r.conv.ID, "err", err)
			}
		}
		return r.finish(ctx, casemgmt.OutcomeSkipped, why, nil, nil)
	}
	if len(changes) > 0 {
		// A new case takes every change: size its maps once.
		c.Fields = make(casemgmt.Values, len(changes))
		c.Provenance = make(map[string]casemgmt.Provenance, len(changes))
	}
	// The creation's own audit entry comes first; Apply appends the
	// changes' entries after it.
	audit := make([]casemgmt.AuditEntry, 1, 1+len(changes))
	audit[0] = casemgmt.AuditEntry{Field: casemgmt.AttrCase, New: "created", Actor: a.actor(), Reason: "created from conversation " + r.conv.ID, Time: now}
	applied, err := a.schema.Apply(ctx, c, changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: now, Audit: audit})
	if err != nil {
		return r.failed(ctx, err)
	}
	a.putChanges(buf, changes)
	audit = applied.Audit
	applied.Audit = applied.Audit[1:]
	a.markApplied(in, applied)
	audit = append(audit, a.titleCase(ctx, c, r.conv, now)...)
	c.Meta = map[string]string{MetaPredicted: fp}
	in.Outcome = casemgmt.OutcomeCreated
	in.Latency = a.now().Sub(start)
	if a.shadow {
		return r.shadowed(ctx, "would create a case", &Result{Case: c, Changes: audit})
	}
	err = a.store.CreateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit, Interaction: in})
	if errors.Is(err, casemgmt.ErrDuplicate) {
		// Another run linked the conversation first: update its case.
		existing, ferr := a.store.FindCaseByConversation(ctx, r.conv.ID)
		if ferr != nil {
			return nil, errors.Join(err, ferr)
		}
		in.Fields, in.Outcome, in.Reason = nil, "", ""
		return r.updateCase(ctx, existing)
	}
	if err != nil {
		return nil, err
	}
	in.CaseID = c.ID
	return &Result{Outcome: casemgmt.OutcomeCreated, Case: c, Changes: audit, Interaction: in}, nil
}

// createHolds checks the create rule against what would be written: a
// create field counts when its prediction reached the minimum confidence
// and its value passed the schema (a contact that does not exist does not
// count).
func (a *Agent) createHolds(preds map[string]predict.Prediction, changes []casemgmt.Change, in *casemgmt.Interaction) (bool, string) {
	var have, missing []string
	for _, n := range a.cfg.Create.Fields {
		if slices.ContainsFunc(changes, func(ch casemgmt.Change) bool { return ch.Field == n }) {
			have = append(have, n)
			continue
		}
		p, ok := preds[n]
		switch {
		case !ok:
			missing = append(missing, n+" (not predicted)")
		case p.Confidence < a.threshold(n):
			missing = append(missing, fmt.Sprintf("%s (confidence %.2f below %.2f)", n, p.Confidence, a.threshold(n)))
		default:
			why := "invalid"
			for _, f := range in.Fields {
				if f.Field == n && f.Reason != "" {
					why = f.Reason
				}
			}
			missing = append(missing, n+" ("+why+")")
		}
	}
	if a.cfg.Create.Require == RequireAny {
		if len(have) > 0 || len(a.cfg.Create.Fields) == 0 {
			return true, ""
		}
		return false, "create rule needs any of its fields; none is known: " + strings.Join(missing, ", ")
	}
	if len(missing) == 0 {
		return true, ""
	}
	return false, "create rule needs all of its fields; missing: " + strings.Join(missing, ", ")
}

// originChange sets the origin field, when the schema has one with an
// option for the channel.
func (a *Agent) originChange(kind channel.Kind) []casemgmt.Change {
	return a.appendOriginChange(nil, kind)
}

// appendOriginChange appends originChange(kind) to dst.
func (a *Agent) appendOriginChange(dst []casemgmt.Change, kind channel.Kind) []casemgmt.Change {
	f, ok := a.schema.Field(casemgmt.FieldOrigin)
	if !ok {
		return dst
	}
	for _, o := range f.Options {
		if strings.EqualFold(o.Value, string(kind)) || strings.EqualFold(o.Label, string(kind)) {
			return append(dst, casemgmt.Change{Field: casemgmt.FieldOrigin, Value: o.Value, Reason: "the channel the case came from",
				Provenance: casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem, ID: string(kind)}}})
		}
	}
	return dst
}

// titleCase gives a case without a title one from its conversation. The
// case's title is one value: where the schema has a title field, the
// title is set through it (so field, attribute and audit agree);
// otherwise it is the case's attribute alone.
func (a *Agent) titleCase(ctx context.Context, c *casemgmt.Case, conv *channel.Conversation, now time.Time) []casemgmt.AuditEntry {
	if c.Title != "" {
		return nil
	}
	title := defaultTitle(c, conv)
	if a.schema.Has(casemgmt.FieldTitle) {
		res, err := a.schema.Apply(ctx, c, []casemgmt.Change{{Field: casemgmt.FieldTitle, Value: title, Reason: "named after the conversation",
			Provenance: casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem, ID: "title"}}}}, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Now: now})
		if err == nil {
			return res.Audit
		}
	}
	c.Title = title
	return nil
}

// defaultTitle names a case that has no title field value.
func defaultTitle(c *casemgmt.Case, conv *channel.Conversation) string {
	if v, ok := c.Fields["issue_description"].(string); ok && v != "" {
		return clip(v, 80)
	}
	for i := range conv.Messages {
		if m := &conv.Messages[i]; m.Subject != "" {
			return clip(m.Subject, 80)
		}
	}
	return "Conversation " + conv.ID
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// markApplied records in in which predicted fields were applied, refused
// or already so.
func (a *Agent) markApplied(in *casemgmt.Interaction, res casemgmt.ApplyResult) {
	applied := map[string]bool{}
	for _, e := range res.Audit {
		if e.Actor.Kind == casemgmt.ActorAgent {
			applied[e.Field] = true
		}
	}
	refused := map[string]string{}
	for _, r := range res.Refused {
		refused[r.Field] = r.Reason
	}
	for i := range in.Fields {
		f := &in.Fields[i]
		if f.Reason != "" {
			continue
		}
		switch {
		case applied[f.Field]:
			f.Applied = true
		case refused[f.Field] != "":
			f.Reason = "write policy: " + refused[f.Field]
		default:
			f.Reason = "unchanged"
		}
	}
}

// updateCase predicts the update fields of a linked case and applies what
// changed, retrying on concurrent modification.
func (r *run) updateCase(ctx context.Context, c *casemgmt.Case) (*Result, error) {
	a, in, start := r.a, r.in, r.start
	in.CaseID = c.ID
	if !r.requested && !a.prof.Allows(r.rep, FeatureAutoUpdate) {
		return r.finish(ctx, casemgmt.OutcomeSkipped, "the representative's profile does not allow autonomous case updates", c, nil)
	}
	if !c.Status.Open() && !r.requested {
		return r.finish(ctx, casemgmt.OutcomeSkipped, "the case is "+string(c.Status), c, nil)
	}
	names := a.asked[1].names
	fp := fingerprint(r.conv, names)
	if !r.requested && seenBefore(c.Meta[MetaPredicted], r.conv, names) {
		return r.finish(ctx, casemgmt.OutcomeUnchanged, "nothing new since the last prediction", c, nil)
	}
	preds, err := r.predict(ctx, c.Fields, names)
	if err != nil {
		return r.failed(ctx, err)
	}
	predicted := in.Fields
	for attempt := 0; ; attempt++ {
		in.Fields = append(make([]casemgmt.FieldOutcome, 0, len(predicted)+len(preds)), predicted...)
		now := a.now()
		work := c // the store's copy, ours to change; a retry reads it again
		buf := a.takeChanges(0)
		changes := r.plan(ctx, work, nil, *buf, true)
		applied, err := a.schema.Apply(ctx, work, changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: now})
		if err != nil {
			return r.failed(ctx, err)
		}
		a.putChanges(buf, changes)
		a.markApplied(in, applied)
		if work.Meta == nil {
			work.Meta = map[string]string{}
		}
		work.Meta[MetaPredicted] = fp
		in.Latency = a.now().Sub(start)
		if !applied.Changed() {
			in.Outcome, in.Reason = casemgmt.OutcomeUnchanged, "no predicted value changes the case"
			if a.shadow {
				return r.shadowed(ctx, in.Reason, &Result{Case: work})
			}
			// Remember what was seen, so the next run with nothing new
			// makes no call; a conflict here only loses that note.
			werr := a.store.UpdateCase(ctx, work, casemgmt.Write{Time: now, Interaction: in})
			if errors.Is(werr, casemgmt.ErrConflict) {
				werr = a.store.AddInteraction(ctx, in)
			}
			if werr != nil {
				return nil, werr
			}
			return &Result{Outcome: casemgmt.OutcomeUnchanged, Reason: in.Reason, Case: work, Interaction: in}, nil
		}
		in.Outcome = casemgmt.OutcomeUpdated
		if a.shadow {
			return r.shadowed(ctx, "would update the case", &Result{Case: work, Changes: applied.Audit})
		}
		err = a.store.UpdateCase(ctx, work, casemgmt.Write{Time: now, Audit: applied.Audit, Interaction: in})
		if err == nil {
			return &Result{Outcome: casemgmt.OutcomeUpdated, Case: work, Changes: applied.Audit, Interaction: in}, nil
		}
		// Someone changed the case meanwhile: apply the same predictions
		// to what is stored now, under the write policy.
		if again, err := a.retryable(ctx, attempt, err); !again {
			return nil, err
		}
		if c, err = a.store.GetCase(ctx, c.ID); err != nil {
			return nil, err
		}
	}
}

// EditCase applies a representative's edits to a case: field values, and
// the keys "status" and "status_reason". Values are validated against the
// schema; a bad one is a *FieldError and nothing is changed. Person edits
// always win; the agent will not overwrite them unless the tenant allows
// it. A concurrent modification is retried.
func (a *Agent) EditCase(ctx context.Context, caseID, rep string, edits map[string]any) (res *Result, err error) {
	ctx, span := a.tel.startRun(ctx, TriggerHumanEdit, caseID, "")
	defer func() { span.end(res, err) }()
	if len(edits) == 0 {
		return nil, fmt.Errorf("%w: no edits", casemgmt.ErrInvalid)
	}
	by := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: rep}
	in := &casemgmt.Interaction{CaseID: caseID, Trigger: TriggerHumanEdit, Actor: by}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		now := a.now()
		var changes []casemgmt.Change
		var audit []casemgmt.AuditEntry
		status, reason := c.Status, c.StatusReason
		for _, k := range sortedKeys(edits) {
			v := edits[k]
			switch k {
			case casemgmt.AttrStatus:
				s, _ := v.(string)
				status = casemgmt.Status(s)
			case casemgmt.AttrStatusReason:
				reason, _ = v.(string)
			default:
				changes = append(changes, casemgmt.Change{Field: k, Value: v, Reason: "edited by a representative",
					Provenance: casemgmt.Provenance{Actor: by}})
			}
		}
		res, err := a.schema.Apply(ctx, c, changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: now})
		if err != nil {
			return nil, err
		}
		audit = append(audit, res.Audit...)
		st, err := casemgmt.SetStatus(c, status, reason, casemgmt.Stamp{Actor: by, Reason: "edited by a representative", Time: now})
		if err != nil {
			return nil, err
		}
		audit = append(audit, st...)
		if len(st) > 0 {
			audit = append(audit, a.schedule(c, by, now)...)
		}
		if len(audit) == 0 {
			return &Result{Outcome: casemgmt.OutcomeUnchanged, Reason: "the case already has these values", Case: c}, nil
		}
		in.Outcome = casemgmt.OutcomeUpdated
		in.Time = now
		if a.shadow {
			return &Result{Outcome: casemgmt.OutcomeShadow, Case: c, Changes: audit, Interaction: in}, nil
		}
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit})
		if err == nil {
			return &Result{Outcome: casemgmt.OutcomeUpdated, Case: c, Changes: audit}, nil
		}
		if again, err := a.retryable(ctx, attempt, err); !again {
			return nil, err
		}
	}
}

// retryable reports whether a write that failed with err on attempt is
// worth another read-modify-write round: on a version conflict, within
// the agent's retries, after a backoff. Otherwise it returns the error
// to give up with (nil when the write succeeded).
func (a *Agent) retryable(ctx context.Context, attempt int, err error) (bool, error) {
	if !errors.Is(err, casemgmt.ErrConflict) || attempt >= a.retries {
		return false, err
	}
	if err := backoff(ctx, attempt); err != nil {
		return false, err
	}
	return true, nil
}

// backoff waits a little before retry attempt+1 after a version conflict,
// a random time up to 50µs doubled per attempt (at most about 13ms), so
// that writers contending for one case do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	return conflictBackoff.Wait(ctx, attempt)
}

var conflictBackoff = retry.Policy{Base: 50 * time.Microsecond, Max: 50 * time.Microsecond << 8, Jitter: 1}
