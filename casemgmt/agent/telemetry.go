package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/redact"
	"github.com/caseagent/caseagent/predict"
)

// InstrumentationScope is the name of the tracer and the meter the agent
// takes from the providers given by WithTracerProvider and
// WithMeterProvider.
const InstrumentationScope = "github.com/caseagent/caseagent/casemgmt/agent"

// Span names. See the package documentation, section Telemetry, for their
// attributes.
const (
	SpanRun       = "caseagent.agent.run"
	SpanRunDue    = "caseagent.agent.run_due"
	SpanPredict   = "caseagent.predictor.predict"
	SpanMailSend  = "caseagent.mail.send"
	spanStorePref = "caseagent.store." // followed by the Store method's name
)

// Metric names. See the package documentation, section Telemetry, for
// their units and attributes.
const (
	MetricRuns              = "caseagent.agent.runs"
	MetricRunDuration       = "caseagent.agent.run.duration"
	MetricPredictorDuration = "caseagent.predictor.duration"
	MetricModelCalls        = "caseagent.model.calls"
	MetricModelTokens       = "caseagent.model.tokens"
	MetricModelCost         = "caseagent.model.cost"
	MetricStoreDuration     = "caseagent.store.duration"
	MetricMailSent          = "caseagent.mail.sent"
	MetricMailErrors        = "caseagent.mail.errors"
	MetricFollowUps         = "caseagent.followup.actions"
	MetricFeedLag           = "caseagent.feed.lag"
)

// Attribute keys of spans and metric data points.
const (
	AttrCaseID         = attribute.Key("caseagent.case.id")
	AttrConversationID = attribute.Key("caseagent.conversation.id")
	AttrTrigger        = attribute.Key("caseagent.run.trigger")
	AttrOutcome        = attribute.Key("caseagent.run.outcome")
	AttrMailbox        = attribute.Key("caseagent.email.mailbox")
	AttrEmailID        = attribute.Key("caseagent.email.message_id")
	AttrPredictor      = attribute.Key("caseagent.predictor.name")
	AttrResult         = attribute.Key("caseagent.result")
	AttrFieldsAsked    = attribute.Key("caseagent.predict.fields")
	AttrPredictions    = attribute.Key("caseagent.predict.predictions")
	AttrModelCalls     = attribute.Key("caseagent.model.calls")
	AttrPromptTokens   = attribute.Key("caseagent.model.prompt_tokens")
	AttrOutputTokens   = attribute.Key("caseagent.model.completion_tokens")
	AttrCost           = attribute.Key("caseagent.model.cost")
	AttrTokenType      = attribute.Key("caseagent.token.type")
	AttrStoreOp        = attribute.Key("caseagent.store.operation")
	AttrMailKind       = attribute.Key("caseagent.mail.kind")
	AttrRecipients     = attribute.Key("caseagent.mail.recipients")
	AttrMessageID      = attribute.Key("caseagent.mail.message_id")
	AttrFollowUp       = attribute.Key("caseagent.followup.action")
	AttrDueCases       = attribute.Key("caseagent.due.cases")
	AttrFeed           = attribute.Key("caseagent.feed.name")
)

// Outcome of a run that returned an error, as AttrOutcome.
const OutcomeError = "failed"

// Kinds of mail, as AttrMailKind.
const (
	MailAcknowledgement = "acknowledgement"
	MailFollowUp        = "follow_up"
	MailOther           = "other"
	// MailAnswer is a message of resolution: a question or an answer.
	MailAnswer = "answer"
)

// WithTracerProvider sets where the agent's spans go: a span per run, per
// predictor call, per store call and per mail sent (see the package
// documentation, section Telemetry). The default is no tracing at all,
// as with the OpenTelemetry no-op provider; the global provider is never
// used. A nil provider keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(a *Agent) {
		if tp != nil {
			a.telemetrySettings().tp = tp
		}
	}
}

// WithMeterProvider sets where the agent's metrics go (see the package
// documentation, section Telemetry). The default is no metrics, as with
// the OpenTelemetry no-op provider; the global provider is never used. A
// nil provider keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(a *Agent) {
		if mp != nil {
			a.telemetrySettings().mp = mp
		}
	}
}

func (a *Agent) telemetrySettings() *telemetry {
	if a.tel == nil {
		a.tel = &telemetry{}
	}
	return a.tel
}

// RecordFeedLag records how far behind the newest committed change a
// reader of the store's change feed is (caseagent.feed.lag, in seconds,
// with the feed's name). Hosts that sync their systems from the feed call
// it after each batch they read. Without a meter provider it does
// nothing.
func (a *Agent) RecordFeedLag(ctx context.Context, feed string, lag time.Duration) {
	if a.tel == nil {
		return
	}
	a.tel.feedLag.Record(ctx, lag.Seconds(), metric.WithAttributes(AttrFeed.String(feed)))
}

// telemetry holds the agent's tracer and instruments. It is built once,
// in New, when a provider is set; a nil *telemetry does nothing, so an
// agent without providers pays one nil check per call.
type telemetry struct {
	tp trace.TracerProvider
	mp metric.MeterProvider

	tracer     trace.Tracer
	runs       metric.Int64Counter
	runDur     metric.Float64Histogram
	predDur    metric.Float64Histogram
	modelCalls metric.Int64Counter
	tokens     metric.Int64Counter
	cost       metric.Float64Counter
	storeDur   metric.Float64Histogram
	mailSent   metric.Int64Counter
	mailErrs   metric.Int64Counter
	followUps  metric.Int64Counter
	feedLag    metric.Float64Gauge

	// storeSets are the attribute sets of store data points, by
	// operation and result, made once.
	storeSets [numStoreOps][numResults]attribute.Set
	// raw is the store the host gave, which Store returns.
	raw casemgmt.Store
	// sets keeps the attribute sets of run and predictor data points
	// made so far, by their attributes' values (a setKey).
	sets sync.Map
}

// setKey names an attribute set of two string attributes.
type setKey struct {
	k1, v1, k2, v2 string
}

// set returns the attribute set {k1=v1, k2=v2} (only k1 when k2 is
// empty), made once.
func (t *telemetry) set(k1 attribute.Key, v1 string, k2 attribute.Key, v2 string) metric.MeasurementOption {
	key := setKey{string(k1), v1, string(k2), v2}
	if s, ok := t.sets.Load(key); ok {
		return s.(metric.MeasurementOption)
	}
	var set attribute.Set
	if k2 == "" {
		set = attribute.NewSet(k1.String(v1))
	} else {
		set = attribute.NewSet(k1.String(v1), k2.String(v2))
	}
	s, _ := t.sets.LoadOrStore(key, metric.WithAttributeSet(set))
	return s.(metric.MeasurementOption)
}

// Bucket boundaries, in seconds: runs and predictor calls from a
// millisecond to a minute, store calls from 50µs to 2.5s.
var (
	slowBuckets  = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	quickBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
)

// instrument makes the agent's tracer and instruments when a provider
// was set, and wraps the store, the predictor and the sender so that
// their calls are traced and measured. New calls it after the options.
func (a *Agent) instrument() error {
	t := a.tel
	if t == nil {
		return nil
	}
	if t.tp == nil {
		t.tp = tracenoop.NewTracerProvider()
	}
	if t.mp == nil {
		t.mp = metricnoop.NewMeterProvider()
	}
	t.tracer = t.tp.Tracer(InstrumentationScope)
	m := t.mp.Meter(InstrumentationScope)
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	t.runs, err = m.Int64Counter(MetricRuns, metric.WithUnit("{run}"),
		metric.WithDescription("Agent runs, by trigger and outcome."))
	keep(err)
	t.runDur, err = m.Float64Histogram(MetricRunDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of agent runs, by trigger and outcome."), metric.WithExplicitBucketBoundaries(slowBuckets...))
	keep(err)
	t.predDur, err = m.Float64Histogram(MetricPredictorDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of predictor calls, by predictor and result."), metric.WithExplicitBucketBoundaries(slowBuckets...))
	keep(err)
	t.modelCalls, err = m.Int64Counter(MetricModelCalls, metric.WithUnit("{call}"),
		metric.WithDescription("Model calls predictors reported, by predictor."))
	keep(err)
	t.tokens, err = m.Int64Counter(MetricModelTokens, metric.WithUnit("{token}"),
		metric.WithDescription("Model tokens predictors reported, by predictor and token type (prompt, completion)."))
	keep(err)
	t.cost, err = m.Float64Counter(MetricModelCost, metric.WithUnit("{currency}"),
		metric.WithDescription("Cost of model calls in the host's currency, from its price table, by predictor."))
	keep(err)
	t.storeDur, err = m.Float64Histogram(MetricStoreDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of store calls, by operation and result."), metric.WithExplicitBucketBoundaries(quickBuckets...))
	keep(err)
	t.mailSent, err = m.Int64Counter(MetricMailSent, metric.WithUnit("{message}"),
		metric.WithDescription("Mail the agent sent, by kind (acknowledgement, follow_up)."))
	keep(err)
	t.mailErrs, err = m.Int64Counter(MetricMailErrors, metric.WithUnit("{message}"),
		metric.WithDescription("Mail the agent failed to send, by kind."))
	keep(err)
	t.followUps, err = m.Int64Counter(MetricFollowUps, metric.WithUnit("{case}"),
		metric.WithDescription("What scheduled follow-up work did per case, by action."))
	keep(err)
	t.feedLag, err = m.Float64Gauge(MetricFeedLag, metric.WithUnit("s"),
		metric.WithDescription("How far a reader of the change feed is behind the newest change, by feed."))
	keep(err)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: telemetry: %w", casemgmt.ErrInvalid, err)
	}
	for op := range numStoreOps {
		for res := range numResults {
			t.storeSets[op][res] = attribute.NewSet(AttrStoreOp.String(storeOpNames[op]), AttrResult.String(resultNames[res]))
		}
	}
	t.raw = a.store
	a.store = newTracedStore(a.store, t)
	a.dir = casemgmt.Directory(a.store)
	a.pred = &tracedPredictor{next: a.pred, t: t}
	if a.mail.sender != nil {
		a.mail.sender = &tracedSender{next: a.mail.sender, t: t}
	}
	return nil
}

// runKey is the context key of the run in progress.
type runKey struct{}

// runSpan is one agent run being traced: the ids the calls it makes are
// attributed to, learnt as the run goes. A run is sequential, so it is
// not safe for concurrent use, nor needs to be.
type runSpan struct {
	t       *telemetry
	span    trace.Span
	trigger string
	caseID  string
	convID  string
	start   time.Time
}

// runOf returns the run in progress in ctx, or nil.
func runOf(ctx context.Context) *runSpan {
	r, _ := ctx.Value(runKey{}).(*runSpan)
	return r
}

// learnCase records the case a run turned out to concern.
func (r *runSpan) learnCase(id string) {
	if r != nil && r.caseID == "" && id != "" {
		r.caseID = id
		r.span.SetAttributes(AttrCaseID.String(id))
	}
}

// startRun starts the span of an agent run. It returns a nil *runSpan,
// whose methods do nothing, when telemetry is off or ctx already carries
// a run of this agent (a call that hands over to another).
func (t *telemetry) startRun(ctx context.Context, trigger, caseID, convID string, attrs ...attribute.KeyValue) (context.Context, *runSpan) {
	if t == nil {
		return ctx, nil
	}
	if r := runOf(ctx); r != nil && r.t == t {
		return ctx, nil
	}
	r := &runSpan{t: t, trigger: trigger, caseID: caseID, convID: convID, start: time.Now()}
	attrs = append(attrs, AttrTrigger.String(trigger))
	if caseID != "" {
		attrs = append(attrs, AttrCaseID.String(caseID))
	}
	if convID != "" {
		attrs = append(attrs, AttrConversationID.String(convID))
	}
	ctx, r.span = t.tracer.Start(ctx, SpanRun, trace.WithAttributes(attrs...))
	return context.WithValue(ctx, runKey{}, r), r
}

// startConversation starts the span of a run on a conversation.
func (t *telemetry) startConversation(ctx context.Context, trigger string, conv *channel.Conversation) (context.Context, *runSpan) {
	if t == nil {
		return ctx, nil
	}
	id := ""
	if conv != nil {
		id = conv.ID
	}
	return t.startRun(ctx, trigger, "", id)
}

// startEmail starts the span of an inbound email's run.
func (t *telemetry) startEmail(ctx context.Context, mailbox string, m *channel.Message) (context.Context, *runSpan) {
	if t == nil {
		return ctx, nil
	}
	attrs := []attribute.KeyValue{AttrMailbox.String(mailbox)}
	if m != nil {
		if id := strings.Trim(strings.TrimSpace(m.ID), "<>"); id != "" {
			attrs = append(attrs, AttrEmailID.String(id))
		}
	}
	return t.startRun(ctx, TriggerEmail, "", "", attrs...)
}

// end ends the run's span and records its data points: the outcome of
// res, or OutcomeError with err.
func (r *runSpan) end(res *Result, err error) {
	if r == nil {
		return
	}
	outcome := OutcomeError
	if err == nil && res != nil {
		outcome = string(res.Outcome)
		switch {
		case res.Case != nil:
			r.learnCase(res.Case.ID)
		case res.Interaction != nil:
			r.learnCase(res.Interaction.CaseID)
		}
	}
	r.finish(outcome, err)
}

// endDue ends the span of one case's scheduled work.
func (r *runSpan) endDue(ctx context.Context, o DueOutcome, err error) {
	if r == nil {
		return
	}
	outcome := OutcomeError
	if err == nil {
		switch o.Action {
		case "follow_up_sent", "follow_up_drafted", "closed":
			outcome = string(casemgmt.OutcomeUpdated)
		case "stopped":
			outcome = string(casemgmt.OutcomeUnchanged)
		default:
			outcome = string(casemgmt.OutcomeSkipped)
		}
		if o.Shadow {
			outcome = string(casemgmt.OutcomeShadow)
		}
		r.span.SetAttributes(AttrFollowUp.String(o.Action))
		if !o.Shadow {
			r.t.followUps.Add(ctx, 1, metric.WithAttributes(AttrFollowUp.String(o.Action)))
		}
	}
	r.finish(outcome, err)
}

func (r *runSpan) finish(outcome string, err error) {
	ctx := context.Background()
	r.span.SetAttributes(AttrOutcome.String(outcome))
	if err != nil {
		failSpan(r.span, err)
	}
	set := r.t.set(AttrTrigger, r.trigger, AttrOutcome, outcome)
	r.t.runs.Add(ctx, 1, set)
	r.t.runDur.Record(ctx, time.Since(r.start).Seconds(), set)
	r.span.End()
}

// failSpan marks the span as failed with err, its message redacted.
func failSpan(span trace.Span, err error) {
	err = redact.Error(err)
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}

// dueSpan is the span of one RunDue call.
type dueSpan struct {
	span trace.Span
}

// startDue starts the span of a RunDue call.
func (t *telemetry) startDue(ctx context.Context) (context.Context, *dueSpan) {
	if t == nil {
		return ctx, nil
	}
	ctx, span := t.tracer.Start(ctx, SpanRunDue)
	return ctx, &dueSpan{span: span}
}

// end ends the span of a RunDue call that handled n cases.
func (d *dueSpan) end(n int, err error) {
	if d == nil {
		return
	}
	d.span.SetAttributes(AttrDueCases.Int(n))
	if err != nil {
		failSpan(d.span, err)
	}
	d.span.End()
}

// idAttrs appends the ids of the run in progress to attrs, where attrs
// has none of its own.
func idAttrs(ctx context.Context, attrs []attribute.KeyValue, caseID, convID string) []attribute.KeyValue {
	if r := runOf(ctx); r != nil {
		if caseID == "" {
			caseID = r.caseID
		}
		if convID == "" {
			convID = r.convID
		}
	}
	if caseID != "" {
		attrs = append(attrs, AttrCaseID.String(caseID))
	}
	if convID != "" {
		attrs = append(attrs, AttrConversationID.String(convID))
	}
	return attrs
}

// tracedPredictor traces and measures the calls of a predictor.
type tracedPredictor struct {
	next predict.Predictor
	t    *telemetry
}

func (p *tracedPredictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	t := p.t
	attrs := make([]attribute.KeyValue, 0, 4)
	if req != nil {
		attrs = append(attrs, AttrFieldsAsked.Int(len(req.Fields)))
	}
	ctx, span := t.tracer.Start(ctx, SpanPredict, trace.WithAttributes(idAttrs(ctx, attrs, "", "")...))
	defer span.End()
	start := time.Now()
	res, err := p.next.Predict(ctx, req)
	d := time.Since(start).Seconds()
	if err != nil {
		failSpan(span, err)
		t.predDur.Record(ctx, d, t.set(AttrResult, "error", "", ""))
		return res, err
	}
	if res == nil {
		t.predDur.Record(ctx, d, t.set(AttrResult, "ok", "", ""))
		return res, nil
	}
	u := res.Usage
	span.SetAttributes(AttrPredictor.String(res.Predictor), AttrPredictions.Int(len(res.Predictions)))
	if u.Calls > 0 || u.TotalTokens > 0 || u.Cost > 0 {
		span.SetAttributes(AttrModelCalls.Int(u.Calls), AttrPromptTokens.Int(u.PromptTokens),
			AttrOutputTokens.Int(u.CompletionTokens), AttrCost.Float64(u.Cost))
	}
	name := AttrPredictor.String(res.Predictor)
	t.predDur.Record(ctx, d, t.set(AttrPredictor, res.Predictor, AttrResult, "ok"))
	if u.Calls > 0 {
		t.modelCalls.Add(ctx, int64(u.Calls), t.set(AttrPredictor, res.Predictor, "", ""))
	}
	prompt, completion := u.PromptTokens, u.CompletionTokens
	if prompt == 0 && completion == 0 {
		// A provider that gives only a total: count it as prompt tokens.
		prompt = u.TotalTokens
	}
	if prompt > 0 {
		t.tokens.Add(ctx, int64(prompt), metric.WithAttributes(name, AttrTokenType.String("prompt")))
	}
	if completion > 0 {
		t.tokens.Add(ctx, int64(completion), metric.WithAttributes(name, AttrTokenType.String("completion")))
	}
	if u.Cost > 0 {
		t.cost.Add(ctx, u.Cost, metric.WithAttributes(name))
	}
	return res, nil
}

// tracedSender traces and counts the mail the agent sends.
type tracedSender struct {
	next channel.Sender
	t    *telemetry
}

// mailKind names what mail a run sends: acknowledgements from email
// runs, follow-ups from scheduled work.
// mailKindKey marks, in a context, the kind of the mail sent with it
// when the run's trigger does not tell (resolution's messages).
type mailKindKey struct{}

// withMailKind returns ctx with the kind of the mail sent with it.
func withMailKind(ctx context.Context, kind string) context.Context {
	return context.WithValue(ctx, mailKindKey{}, kind)
}

func mailKind(ctx context.Context) string {
	if k, ok := ctx.Value(mailKindKey{}).(string); ok {
		return k
	}
	if r := runOf(ctx); r != nil {
		switch r.trigger {
		case TriggerEmail:
			return MailAcknowledgement
		case TriggerFollowUp:
			return MailFollowUp
		}
	}
	return MailOther
}

func (s *tracedSender) Send(ctx context.Context, m *channel.Outgoing) (string, error) {
	t := s.t
	kind := AttrMailKind.String(mailKind(ctx))
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, kind)
	caseID := ""
	if m != nil {
		caseID = m.CaseID
		attrs = append(attrs, AttrRecipients.Int(len(m.To)+len(m.Cc)))
	}
	ctx, span := t.tracer.Start(ctx, SpanMailSend, trace.WithAttributes(idAttrs(ctx, attrs, caseID, "")...))
	defer span.End()
	id, err := s.next.Send(ctx, m)
	if err != nil {
		failSpan(span, err)
		t.mailErrs.Add(ctx, 1, metric.WithAttributes(kind))
		return id, err
	}
	span.SetAttributes(AttrMessageID.String(strings.Trim(id, "<> ")))
	t.mailSent.Add(ctx, 1, metric.WithAttributes(kind))
	return id, nil
}

// hostStore is the store the host gave New, without the tracing the agent
// wraps it in.
func (a *Agent) hostStore() casemgmt.Store {
	if a.tel != nil && a.tel.raw != nil {
		return a.tel.raw
	}
	return a.store
}
