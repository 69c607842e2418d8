package insights

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/predict"
)

// Source is what the report reads from a store: the interaction records
// of agent runs, the audit trail of each case they concerned, and the
// cases themselves. Every casemgmt.Store is a Source. Build calls it
// from one goroutine at a time.
type Source interface {
	ListInteractions(ctx context.Context, q casemgmt.InteractionQuery) ([]casemgmt.Interaction, error)
	ListAudit(ctx context.Context, caseID string) ([]casemgmt.AuditEntry, error)
	GetCase(ctx context.Context, id string) (*casemgmt.Case, error)
}

// DraftCounter tells how many drafts (messages or changes the agent
// prepared for a person to confirm) are waiting. The report shows its
// panel only when one is given (WithDrafts).
type DraftCounter interface {
	DraftsWaiting(ctx context.Context) (int, error)
}

// DraftCountFunc adapts a function to a DraftCounter.
type DraftCountFunc func(ctx context.Context) (int, error)

// DraftsWaiting calls f.
func (f DraftCountFunc) DraftsWaiting(ctx context.Context) (int, error) { return f(ctx) }

// CaseLister names cases the report should read besides those of the
// interaction records in its range (for example the cases a store lists
// as updated since a time). See WithCases.
type CaseLister interface {
	CaseIDs(ctx context.Context, since, until time.Time) ([]string, error)
}

// CaseListerFunc adapts a function to a CaseLister.
type CaseListerFunc func(ctx context.Context, since, until time.Time) ([]string, error)

// CaseIDs calls f.
func (f CaseListerFunc) CaseIDs(ctx context.Context, since, until time.Time) ([]string, error) {
	return f(ctx, since, until)
}

// ErrInvalid is returned (wrapped) for options that cannot make a report.
var ErrInvalid = errors.New("insights: invalid option")

// MaxDays is the longest range a report covers, in days.
const MaxDays = 366

// Option configures Build.
type Option func(*config)

type config struct {
	now          func() time.Time
	loc          *time.Location
	since, until time.Time
	drafts       DraftCounter
	cases        CaseLister
	currency     string
	title        string
	err          error
}

// WithClock makes Build read the current time from now: the end of the
// default range and the report's Generated time. The default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.err = fmt.Errorf("%w: nil clock", ErrInvalid)
			return
		}
		c.now = now
	}
}

// WithRange sets the period the report covers: since <= time < until.
// Days are cut in the report's time zone (WithLocation), the first day
// being the one since falls in. The default is the 30 days that end with
// today, up to now.
func WithRange(since, until time.Time) Option {
	return func(c *config) {
		if since.IsZero() || until.IsZero() || !until.After(since) {
			c.err = fmt.Errorf("%w: range %s to %s: the end must come after the start", ErrInvalid,
				since.Format(time.RFC3339), until.Format(time.RFC3339))
			return
		}
		c.since, c.until = since, until
	}
}

// WithLocation sets the time zone days are counted in. The default is
// UTC.
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc == nil {
			c.err = fmt.Errorf("%w: nil location", ErrInvalid)
			return
		}
		c.loc = loc
	}
}

// WithDrafts gives the report a count of drafts waiting for a person; the
// report shows the panel only with one.
func WithDrafts(d DraftCounter) Option {
	return func(c *config) { c.drafts = d }
}

// WithCases adds the cases l names to those the report reads. Without it
// the report reads the cases of the interaction records in its range, so
// a case closed by a person in the range, whose last agent run was
// before it, is not seen.
func WithCases(l CaseLister) Option {
	return func(c *config) { c.cases = l }
}

// WithCurrency names the currency of the cost figures (the one of the
// price table given to the predictor), for labels: "EUR", "USD", ...
func WithCurrency(code string) Option {
	return func(c *config) { c.currency = code }
}

// WithTitle sets the report's title; the default is "Case agent
// insights".
func WithTitle(title string) Option {
	return func(c *config) { c.title = title }
}

// Report holds the figures of a period. It is plain data, encoded to
// JSON as it is; WriteHTML renders it. Durations are in nanoseconds in
// JSON, as time.Duration encodes. A Report is safe for concurrent reads
// (WriteHTML and WriteJSON only read it), not for concurrent
// modification.
type Report struct {
	Title     string    `json:"title"`
	Generated time.Time `json:"generated"`
	// Since and Until bound the period: Since <= time < Until.
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Location string    `json:"location"`
	Currency string    `json:"currency,omitempty"`

	// Days has one entry per day of the period, in order, empty days
	// included.
	Days []Day `json:"days"`
	// Runs, Values and Usage are the sums over the days.
	Runs   RunCounts     `json:"runs"`
	Values ValueCounts   `json:"values"`
	Usage  predict.Usage `json:"usage"`
	// Fields has the value counts per field, the most applied first.
	Fields []FieldCounts `json:"fields"`
	// CasesRead is how many cases the report read the audit trail of.
	CasesRead int `json:"cases_read"`

	FollowUp FollowUpFigures `json:"follow_up"`
	Closing  ClosingFigures  `json:"closing"`

	// DraftsWaiting is the count of drafts waiting for a person, when a
	// DraftCounter was given; nil otherwise.
	DraftsWaiting *int `json:"drafts_waiting,omitempty"`

	// loc is the time zone Build used; a report decoded from JSON has
	// only Location's name.
	loc *time.Location
}

// Day holds the figures of one day in the report's time zone.
type Day struct {
	// Date is the day as YYYY-MM-DD; Start is its first instant.
	Date  string    `json:"date"`
	Start time.Time `json:"start"`
	Runs  RunCounts `json:"runs"`
	// Values counts the values the agent wrote that day, by what people
	// did with them afterwards (up to the end of the period).
	Values ValueCounts   `json:"values"`
	Usage  predict.Usage `json:"usage"`
	// FollowUps counts follow-ups the agent sent or drafted.
	FollowUps int `json:"follow_ups"`
	// ClosedByAgent and ClosedByPeople count cases that became resolved
	// or closed, by who did it.
	ClosedByAgent  int `json:"closed_by_agent"`
	ClosedByPeople int `json:"closed_by_people"`
}

// RunCounts counts agent runs by outcome. Representatives' own edits are
// not runs; "Update from conversation" requests are.
type RunCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	Shadow    int `json:"shadow"`
}

// Total is the number of runs.
func (r RunCounts) Total() int {
	return r.Created + r.Updated + r.Unchanged + r.Skipped + r.Failed + r.Shadow
}

func (r *RunCounts) add(o casemgmt.Outcome) {
	switch o {
	case casemgmt.OutcomeCreated:
		r.Created++
	case casemgmt.OutcomeUpdated:
		r.Updated++
	case casemgmt.OutcomeUnchanged:
		r.Unchanged++
	case casemgmt.OutcomeSkipped:
		r.Skipped++
	case casemgmt.OutcomeFailed:
		r.Failed++
	case casemgmt.OutcomeShadow:
		r.Shadow++
	}
}

func (r *RunCounts) plus(o RunCounts) {
	r.Created += o.Created
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Skipped += o.Skipped
	r.Failed += o.Failed
	r.Shadow += o.Shadow
}

// ValueCounts counts the field values the agent wrote, by what became of
// each one: the next change of the same field on the same case, read
// from the audit trail.
type ValueCounts struct {
	// Applied is every value the agent wrote.
	Applied int `json:"applied"`
	// Kept values had no later change by anyone.
	Kept int `json:"kept"`
	// Corrected values were replaced by a person with another value.
	Corrected int `json:"corrected"`
	// Rejected values were removed by a person (the field cleared).
	Rejected int `json:"rejected"`
	// Revised values were replaced by the agent itself (a newer message
	// said otherwise) or by the system, before any person changed them.
	Revised int `json:"revised"`
}

// Judged is the number of values people had the last word on: kept,
// corrected or rejected.
func (v ValueCounts) Judged() int { return v.Kept + v.Corrected + v.Rejected }

// Precision is the precision people saw: the share of judged values that
// no person changed. It is 0 when none was judged.
func (v ValueCounts) Precision() float64 {
	if v.Judged() == 0 {
		return 0
	}
	return float64(v.Kept) / float64(v.Judged())
}

func (v *ValueCounts) plus(o ValueCounts) {
	v.Applied += o.Applied
	v.Kept += o.Kept
	v.Corrected += o.Corrected
	v.Rejected += o.Rejected
	v.Revised += o.Revised
}

// FieldCounts is ValueCounts for one field.
type FieldCounts struct {
	Field string `json:"field"`
	ValueCounts
	Precision float64 `json:"precision"`
}

// FollowUpFigures says what became of the cases the agent followed up in
// the period, as they stood at its end.
type FollowUpFigures struct {
	// Cases is the number of cases with a follow-up sent or drafted;
	// Sent the follow-ups themselves.
	Cases int `json:"cases"`
	Sent  int `json:"sent"`
	// ResolvedByAgent cases were resolved or closed by the agent (on a
	// favourable reply, or after the last follow-up went unanswered).
	ResolvedByAgent int `json:"resolved_by_agent"`
	// ClosedByPeople cases were resolved or closed by a person.
	ClosedByPeople int `json:"closed_by_people"`
	// BackWithPerson cases are open again for a person to work on (the
	// customer answered without saying the problem was solved).
	BackWithPerson int `json:"back_with_person"`
	// Waiting cases are still waiting on the customer.
	Waiting int `json:"waiting"`
}

// ClosingFigures measures the time from a case's creation to its
// resolution or closure, for the closures in the period.
type ClosingFigures struct {
	Closed         int           `json:"closed"`
	ClosedByAgent  int           `json:"closed_by_agent"`
	ClosedByPeople int           `json:"closed_by_people"`
	Median         time.Duration `json:"median"`
	P90            time.Duration `json:"p90"`
	// Buckets is a histogram of the times, shortest first.
	Buckets []CloseBucket `json:"buckets"`
}

// CloseBucket counts closures whose time to close is under Under (and at
// least the previous bucket's); the last bucket has Under 0 and holds
// the rest.
type CloseBucket struct {
	Label    string        `json:"label"`
	Under    time.Duration `json:"under"`
	ByAgent  int           `json:"by_agent"`
	ByPeople int           `json:"by_people"`
}

var bucketBounds = []struct {
	label string
	under time.Duration
}{
	{"< 1 h", time.Hour},
	{"1–4 h", 4 * time.Hour},
	{"4–24 h", 24 * time.Hour},
	{"1–3 d", 72 * time.Hour},
	{"3–7 d", 7 * 24 * time.Hour},
	{"1–4 wk", 28 * 24 * time.Hour},
	{"≥ 4 wk", 0},
}

// Build reads the period's interaction records and the audit trail of
// every case they concern, and computes the figures: one ListInteractions
// call, then one ListAudit and one GetCase per case. Build is safe for
// concurrent use when src is. It reads a
// consistent picture only as far as the store gives one: records written
// while it runs may or may not count.
func Build(ctx context.Context, src Source, opts ...Option) (*Report, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil source", ErrInvalid)
	}
	cfg := config{now: time.Now, loc: time.UTC, title: "Case agent insights"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	now := cfg.now()
	if cfg.since.IsZero() {
		cfg.until = now
		y, m, d := now.In(cfg.loc).Date()
		cfg.since = time.Date(y, m, d-29, 0, 0, 0, 0, cfg.loc)
	}
	r := &Report{Title: cfg.title, Generated: now, Since: cfg.since, Until: cfg.until,
		Location: cfg.loc.String(), Currency: cfg.currency, loc: cfg.loc}
	days, err := cutDays(cfg.since, cfg.until, cfg.loc)
	if err != nil {
		return nil, err
	}
	r.Days = days
	dayOf := func(t time.Time) int {
		if t.Before(cfg.since) || !t.Before(cfg.until) {
			return -1
		}
		i := sort.Search(len(days), func(i int) bool { return days[i].Start.After(t) }) - 1
		return max(i, 0)
	}

	ins, err := src.ListInteractions(ctx, casemgmt.InteractionQuery{Since: cfg.since, Until: cfg.until})
	if err != nil {
		return nil, fmt.Errorf("insights: listing interactions: %w", err)
	}
	caseIDs := map[string]struct{}{}
	// followUps are the follow-up runs that sent or drafted a message, by
	// case, with their times (a closure by the agent at the same time
	// is not one).
	followUps := map[string][]time.Time{}
	for i := range ins {
		in := &ins[i]
		if in.CaseID != "" {
			caseIDs[in.CaseID] = struct{}{}
		}
		if in.Trigger == agent.TriggerHumanEdit {
			continue
		}
		d := dayOf(in.Time)
		if d < 0 {
			continue
		}
		r.Days[d].Runs.add(in.Outcome)
		r.Days[d].Usage.Add(in.Usage)
		if in.Trigger == agent.TriggerFollowUp && in.Outcome == casemgmt.OutcomeUpdated && in.CaseID != "" {
			followUps[in.CaseID] = append(followUps[in.CaseID], in.Time)
		}
	}
	if cfg.cases != nil {
		ids, err := cfg.cases.CaseIDs(ctx, cfg.since, cfg.until)
		if err != nil {
			return nil, fmt.Errorf("insights: listing cases: %w", err)
		}
		for _, id := range ids {
			caseIDs[id] = struct{}{}
		}
	}

	fields := map[string]*ValueCounts{}
	var closes []closure
	for _, id := range slices.Sorted(maps.Keys(caseIDs)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		audit, err := src.ListAudit(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("insights: audit of case %s: %w", id, err)
		}
		created, err := createdAt(ctx, src, id, audit)
		if err != nil {
			return nil, err
		}
		r.CasesRead++
		cs := readCase(audit, cfg.until, dayOf)
		r.countValues(fields, cs.values)
		closedAt := map[int64]bool{}
		for _, cl := range cs.closures {
			if cl.byAgent {
				r.Days[cl.day].ClosedByAgent++
				closedAt[cl.at.UnixNano()] = true
			} else {
				r.Days[cl.day].ClosedByPeople++
			}
			if !created.IsZero() && !cl.at.Before(created) {
				cl.took = cl.at.Sub(created)
				closes = append(closes, cl)
			}
		}
		sent := 0
		for _, t := range followUps[id] {
			if closedAt[t.UnixNano()] {
				continue
			}
			sent++
			r.Days[dayOf(t)].FollowUps++
		}
		r.countFollowUps(sent, cs)
	}
	for i := range r.Days {
		r.Runs.plus(r.Days[i].Runs)
		r.Values.plus(r.Days[i].Values)
		r.Usage.Add(r.Days[i].Usage)
	}
	for name, fc := range fields {
		r.Fields = append(r.Fields, FieldCounts{Field: name, ValueCounts: *fc, Precision: fc.Precision()})
	}
	slices.SortFunc(r.Fields, func(a, b FieldCounts) int {
		if a.Applied != b.Applied {
			return b.Applied - a.Applied
		}
		if a.Field < b.Field {
			return -1
		}
		return 1
	})
	r.Closing = closing(closes)
	if cfg.drafts != nil {
		n, err := cfg.drafts.DraftsWaiting(ctx)
		if err != nil {
			return nil, fmt.Errorf("insights: counting drafts: %w", err)
		}
		r.DraftsWaiting = &n
	}
	return r, nil
}

// countValues counts the fate of the agent's values of one case, by
// field in fields and by day.
func (r *Report) countValues(fields map[string]*ValueCounts, values []agentValue) {
	for _, v := range values {
		fc := fields[v.field]
		if fc == nil {
			fc = &ValueCounts{}
			fields[v.field] = fc
		}
		fc.Applied++
		r.Days[v.day].Values.Applied++
		var c *int
		switch v.fate {
		case fateKept:
			c, r.Days[v.day].Values.Kept = &fc.Kept, r.Days[v.day].Values.Kept+1
		case fateCorrected:
			c, r.Days[v.day].Values.Corrected = &fc.Corrected, r.Days[v.day].Values.Corrected+1
		case fateRejected:
			c, r.Days[v.day].Values.Rejected = &fc.Rejected, r.Days[v.day].Values.Rejected+1
		default:
			c, r.Days[v.day].Values.Revised = &fc.Revised, r.Days[v.day].Values.Revised+1
		}
		*c++
	}
}

// countFollowUps counts a case the agent sent sent follow-ups to, and
// where the case stands now.
func (r *Report) countFollowUps(sent int, cs caseStory) {
	if sent == 0 {
		return
	}
	r.FollowUp.Cases++
	r.FollowUp.Sent += sent
	switch {
	case cs.last == casemgmt.StatusWaitingOnCustomer:
		r.FollowUp.Waiting++
	case cs.last.Open():
		r.FollowUp.BackWithPerson++
	case cs.last == casemgmt.StatusResolved || cs.last == casemgmt.StatusClosed:
		if cs.lastByAgent {
			r.FollowUp.ResolvedByAgent++
		} else {
			r.FollowUp.ClosedByPeople++
		}
	}
}

// cutDays returns the days of [since, until) in loc.
func cutDays(since, until time.Time, loc *time.Location) ([]Day, error) {
	y, m, d := since.In(loc).Date()
	var days []Day
	for start := time.Date(y, m, d, 0, 0, 0, 0, loc); start.Before(until); {
		if len(days) == MaxDays {
			return nil, fmt.Errorf("%w: the range covers more than %d days", ErrInvalid, MaxDays)
		}
		days = append(days, Day{Date: start.Format(time.DateOnly), Start: start})
		y, m, d := start.Date()
		start = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return days, nil
}

// createdAt is when the case was created: the case's CreatedAt, or for a
// deleted case the time of its creation entry in the audit trail; zero
// when neither is known.
func createdAt(ctx context.Context, src Source, id string, audit []casemgmt.AuditEntry) (time.Time, error) {
	c, err := src.GetCase(ctx, id)
	if err == nil {
		return c.CreatedAt, nil
	}
	if !errors.Is(err, casemgmt.ErrNotFound) {
		return time.Time{}, fmt.Errorf("insights: case %s: %w", id, err)
	}
	for _, e := range audit {
		if e.Field == casemgmt.AttrCase && e.Old == nil && e.New != nil {
			return e.Time, nil
		}
	}
	return time.Time{}, nil
}

type fate int

const (
	fateKept fate = iota
	fateCorrected
	fateRejected
	fateRevised
)

type agentValue struct {
	field string
	day   int
	fate  fate
}

type closure struct {
	day     int
	at      time.Time
	byAgent bool
	took    time.Duration
}

type caseStory struct {
	values   []agentValue
	closures []closure
	// last is the case's status at the end of the period, and lastByAgent
	// whether the agent set it.
	last        casemgmt.Status
	lastByAgent bool
}

// attrs are the audit entry names that are not schema fields.
var attrs = map[string]bool{
	casemgmt.AttrStatus: true, casemgmt.AttrStatusReason: true, casemgmt.AttrLink: true,
	casemgmt.AttrCase: true, casemgmt.AttrNextDue: true,
}

// readCase follows one case's audit trail up to until: the values the
// agent wrote in the period and what became of each, and the case's
// closures.
func readCase(audit []casemgmt.AuditEntry, until time.Time, dayOf func(time.Time) int) caseStory {
	var s caseStory
	// open maps a field to the index in s.values of the agent's value it
	// holds now, when the agent wrote it in the period.
	open := map[string]int{}
	for _, e := range audit {
		if !e.Time.Before(until) {
			break
		}
		if e.Field == casemgmt.AttrStatus {
			st, _ := e.New.(string)
			s.last, s.lastByAgent = casemgmt.Status(st), e.Actor.Kind == casemgmt.ActorAgent
			if d := dayOf(e.Time); d >= 0 && (s.last == casemgmt.StatusResolved || s.last == casemgmt.StatusClosed) {
				s.closures = append(s.closures, closure{day: d, at: e.Time, byAgent: s.lastByAgent})
			}
			continue
		}
		if attrs[e.Field] {
			continue
		}
		if i, ok := open[e.Field]; ok {
			delete(open, e.Field)
			switch {
			case e.Actor.Kind == casemgmt.ActorPerson && e.New == nil:
				s.values[i].fate = fateRejected
			case e.Actor.Kind == casemgmt.ActorPerson:
				s.values[i].fate = fateCorrected
			default:
				s.values[i].fate = fateRevised
			}
		}
		if e.Actor.Kind == casemgmt.ActorAgent && e.New != nil {
			if d := dayOf(e.Time); d >= 0 {
				open[e.Field] = len(s.values)
				s.values = append(s.values, agentValue{field: e.Field, day: d})
			}
		}
	}
	return s
}

func closing(cs []closure) ClosingFigures {
	var f ClosingFigures
	for _, b := range bucketBounds {
		f.Buckets = append(f.Buckets, CloseBucket{Label: b.label, Under: b.under})
	}
	if len(cs) == 0 {
		return f
	}
	took := make([]time.Duration, len(cs))
	for i, c := range cs {
		took[i] = c.took
		b := len(f.Buckets) - 1
		for j, bb := range bucketBounds {
			if bb.under > 0 && c.took < bb.under {
				b = j
				break
			}
		}
		f.Closed++
		if c.byAgent {
			f.ClosedByAgent++
			f.Buckets[b].ByAgent++
		} else {
			f.ClosedByPeople++
			f.Buckets[b].ByPeople++
		}
	}
	slices.Sort(took)
	f.Median = percentile(took, 50)
	f.P90 = percentile(took, 90)
	return f
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}
