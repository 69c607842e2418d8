package agent_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/redact"
	"github.com/caseagent/caseagent/predict"
)

// otelRig is an OpenTelemetry SDK with in-memory exporters: a span
// recorder and a manual metric reader.
type otelRig struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

func newOtelRig() *otelRig {
	r := &otelRig{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	return r
}

func (r *otelRig) opts() []agent.Option {
	return []agent.Option{agent.WithTracerProvider(r.tp), agent.WithMeterProvider(r.mp)}
}

// span is what a test checks of a recorded span.
type span struct {
	Name   string
	Parent string // the parent's name; "" for a root span
	Attrs  map[string]string
	Status codes.Code
	Desc   string
	Events []string // names and exception messages of events
	id     string
}

// ended returns the spans ended so far, in the order they started, with
// their parents named.
func (r *otelRig) ended() []span {
	ro := r.spans.Ended()
	slices.SortStableFunc(ro, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	names := map[string]string{}
	for _, s := range ro {
		names[s.SpanContext().SpanID().String()] = s.Name()
	}
	out := make([]span, 0, len(ro))
	for _, s := range ro {
		sp := span{Name: s.Name(), Attrs: map[string]string{}, Status: s.Status().Code, Desc: s.Status().Description,
			id: s.SpanContext().SpanID().String()}
		if s.Parent().IsValid() {
			sp.Parent = names[s.Parent().SpanID().String()]
			if sp.Parent == "" {
				sp.Parent = "?"
			}
		}
		for _, kv := range s.Attributes() {
			sp.Attrs[string(kv.Key)] = kv.Value.String()
		}
		for _, e := range s.Events() {
			ev := e.Name
			for _, kv := range e.Attributes {
				if kv.Key == "exception.message" {
					ev += ": " + kv.Value.String()
				}
			}
			sp.Events = append(sp.Events, ev)
		}
		out = append(out, sp)
	}
	return out
}

// named returns the spans with the name.
func named(spans []span, name string) []span {
	var out []span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the only span with the name.
func one(t *testing.T, spans []span, name string) span {
	t.Helper()
	got := named(spans, name)
	if len(got) != 1 {
		t.Fatalf("%d spans named %s, want 1; spans: %v", len(got), name, spanNames(spans))
	}
	return got[0]
}

func spanNames(spans []span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name + "<" + s.Parent
	}
	return out
}

// pick returns the attributes of s named in keys ("-" where s has none).
func pick(s span, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		v, ok := s.Attrs[k]
		if !ok {
			v = "-"
		}
		out[k] = v
	}
	return out
}

// points collects the metrics: counters and gauges by "name{k=v,...}" to
// their value, histograms to their count (as "name{...}#count").
func (r *otelRig) points(t *testing.T) map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != agent.InstrumentationScope {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name+setKey(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+setKey(p.Attributes)] = p.Value
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+setKey(p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name+setKey(p.Attributes)+"#count"] = float64(p.Count)
				}
			default:
				t.Errorf("metric %s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}

func setKey(s attribute.Set) string {
	var kv []string
	for _, a := range s.ToSlice() {
		kv = append(kv, string(a.Key)+"="+a.Value.String())
	}
	sort.Strings(kv)
	return "{" + strings.Join(kv, ",") + "}"
}

// wantPoints checks that every wanted data point is there with its value.
func wantPoints(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	sub := map[string]float64{}
	for k := range want {
		if v, ok := got[k]; ok {
			sub[k] = v
		}
	}
	if diff := cmp.Diff(want, sub); diff != "" {
		var have []string
		for k := range got {
			have = append(have, k)
		}
		sort.Strings(have)
		t.Errorf("metric data points (-want +got):\n%s\nall points:\n%s", diff, strings.Join(have, "\n"))
	}
}

func TestTelemetryChatCreation(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, rig.opts()...)
	if f.Agent.Store() != casemgmt.Store(f.Store) {
		t.Errorf("Store() is not the store the host gave")
	}
	_, c := f.Created(t, "conv-tel-1", "My X200 keeps rebooting")

	spans := rig.ended()
	run := one(t, spans, agent.SpanRun)
	want := map[string]string{"caseagent.run.trigger": "conversation_accepted", "caseagent.conversation.id": "conv-tel-1",
		"caseagent.case.id": c.ID, "caseagent.run.outcome": "created"}
	if diff := cmp.Diff(want, pick(run, "caseagent.run.trigger", "caseagent.conversation.id", "caseagent.case.id", "caseagent.run.outcome")); diff != "" {
		t.Errorf("run span (-want +got):\n%s", diff)
	}
	if run.Parent != "" || run.Status != codes.Unset {
		t.Errorf("run span: parent %q, status %v", run.Parent, run.Status)
	}
	pred := one(t, spans, agent.SpanPredict)
	if diff := cmp.Diff(map[string]string{
		"caseagent.conversation.id": "conv-tel-1", "caseagent.predictor.name": "scripted",
		"caseagent.model.calls": "1", "caseagent.model.prompt_tokens": "100", "caseagent.model.completion_tokens": "20",
		"caseagent.model.cost": "0.01",
	}, pick(pred, "caseagent.conversation.id", "caseagent.predictor.name", "caseagent.model.calls",
		"caseagent.model.prompt_tokens", "caseagent.model.completion_tokens", "caseagent.model.cost")); diff != "" {
		t.Errorf("predictor span (-want +got):\n%s", diff)
	}
	// Every call the run made is its child and names its conversation;
	// the lookup that found no case is not a failure.
	var children []string
	for _, s := range spans {
		if s.id == run.id {
			continue
		}
		children = append(children, s.Name)
		if s.Parent != agent.SpanRun || s.Attrs["caseagent.conversation.id"] != "conv-tel-1" || s.Status != codes.Unset {
			t.Errorf("span %s: parent %q, attributes %v, status %v", s.Name, s.Parent, s.Attrs, s.Status)
		}
	}
	for _, n := range []string{"caseagent.store.FindCaseByConversation", agent.SpanPredict, "caseagent.store.CreateCase"} {
		if !slices.Contains(children, n) {
			t.Errorf("no span %s among the run's: %v", n, children)
		}
	}
	find := one(t, spans, "caseagent.store.FindCaseByConversation")
	if find.Attrs["caseagent.result"] != "not_found" || find.Attrs["caseagent.store.operation"] != "FindCaseByConversation" {
		t.Errorf("lookup span attributes %v", find.Attrs)
	}
	if got := one(t, spans, "caseagent.store.CreateCase").Attrs["caseagent.case.id"]; got != c.ID {
		t.Errorf("create span case id %q, want %q", got, c.ID)
	}

	wantPoints(t, rig.points(t), map[string]float64{
		"caseagent.agent.runs{caseagent.run.outcome=created,caseagent.run.trigger=conversation_accepted}":               1,
		"caseagent.agent.run.duration{caseagent.run.outcome=created,caseagent.run.trigger=conversation_accepted}#count": 1,
		"caseagent.predictor.duration{caseagent.predictor.name=scripted,caseagent.result=ok}#count":                     1,
		"caseagent.model.calls{caseagent.predictor.name=scripted}":                                                      1,
		"caseagent.model.tokens{caseagent.predictor.name=scripted,caseagent.token.type=prompt}":                         100,
		"caseagent.model.tokens{caseagent.predictor.name=scripted,caseagent.token.type=completion}":                     20,
		"caseagent.model.cost{caseagent.predictor.name=scripted}":                                                       0.01,
		"caseagent.store.duration{caseagent.result=ok,caseagent.store.operation=CreateCase}#count":                      1,
		"caseagent.store.duration{caseagent.result=not_found,caseagent.store.operation=FindCaseByConversation}#count":   1,
	})
}

func TestTelemetryEmailIntake(t *testing.T) {
	rig := newOtelRig()
	f := newMailFixture(t, nil, rig.opts()...)
	c := f.created(t, msg{id: "tel-1@example.org", subject: "Camera dead"})

	spans := rig.ended()
	run := one(t, spans, agent.SpanRun)
	keys := []string{"caseagent.run.trigger", "caseagent.email.mailbox", "caseagent.email.message_id", "caseagent.case.id", "caseagent.run.outcome"}
	if diff := cmp.Diff(map[string]string{"caseagent.run.trigger": "email", "caseagent.email.mailbox": "support@acme.example",
		"caseagent.email.message_id": "tel-1@example.org", "caseagent.case.id": c.ID, "caseagent.run.outcome": "created"},
		pick(run, keys...)); diff != "" {
		t.Errorf("run span (-want +got):\n%s", diff)
	}
	send := one(t, spans, agent.SpanMailSend)
	ackID := strings.Trim(f.sender.Sent()[0].ID, "<>")
	if diff := cmp.Diff(map[string]string{"caseagent.mail.kind": "acknowledgement", "caseagent.case.id": c.ID,
		"caseagent.mail.recipients": "1", "caseagent.mail.message_id": ackID},
		pick(send, "caseagent.mail.kind", "caseagent.case.id", "caseagent.mail.recipients", "caseagent.mail.message_id")); diff != "" {
		t.Errorf("mail span (-want +got):\n%s", diff)
	}
	if send.Parent != agent.SpanRun || send.Status != codes.Unset {
		t.Errorf("mail span: parent %q, status %v", send.Parent, send.Status)
	}
	// Store calls after the case exists name it.
	var relate []span
	for _, s := range named(spans, "caseagent.store.Relate") {
		relate = append(relate, s)
		if s.Attrs["caseagent.case.id"] != c.ID || s.Parent != agent.SpanRun {
			t.Errorf("relate span: %v, parent %q", s.Attrs, s.Parent)
		}
	}
	if len(relate) == 0 {
		t.Errorf("no store span links the acknowledgement: %v", spanNames(spans))
	}
	wantPoints(t, rig.points(t), map[string]float64{
		"caseagent.agent.runs{caseagent.run.outcome=created,caseagent.run.trigger=email}":        1,
		"caseagent.mail.sent{caseagent.mail.kind=acknowledgement}":                               1,
		"caseagent.predictor.duration{caseagent.predictor.name=table,caseagent.result=ok}#count": 1,
	})
}

func TestTelemetryFollowUpSent(t *testing.T) {
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-1")
	rig := newOtelRig()
	ag, err := agent.New(r.store, predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{}, nil
	}), r.ag.Config(), append(rig.opts(), agent.WithClock(r.clock),
		agent.WithSender(r.box, channel.Address{Email: "support@example.org"}))...)
	if err != nil {
		t.Fatal(err)
	}
	done, err := ag.RunDue(context.Background(), r.clock().Add(49*time.Hour))
	if err != nil || len(done) != 1 || done[0].Action != "follow_up_sent" {
		t.Fatalf("RunDue: %+v, %v", done, err)
	}

	spans := rig.ended()
	due := one(t, spans, agent.SpanRunDue)
	if due.Parent != "" || due.Attrs["caseagent.due.cases"] != "1" {
		t.Errorf("run_due span: parent %q, attributes %v", due.Parent, due.Attrs)
	}
	run := one(t, spans, agent.SpanRun)
	if diff := cmp.Diff(map[string]string{"caseagent.run.trigger": "follow_up", "caseagent.case.id": c.ID,
		"caseagent.followup.action": "follow_up_sent", "caseagent.run.outcome": "updated"},
		pick(run, "caseagent.run.trigger", "caseagent.case.id", "caseagent.followup.action", "caseagent.run.outcome")); diff != "" {
		t.Errorf("run span (-want +got):\n%s", diff)
	}
	if run.Parent != agent.SpanRunDue {
		t.Errorf("run span's parent %q", run.Parent)
	}
	send := one(t, spans, agent.SpanMailSend)
	if send.Parent != agent.SpanRun || send.Attrs["caseagent.mail.kind"] != "follow_up" || send.Attrs["caseagent.case.id"] != c.ID {
		t.Errorf("mail span: parent %q, attributes %v", send.Parent, send.Attrs)
	}
	claim := one(t, spans, "caseagent.store.AcquireClaim")
	if claim.Parent != agent.SpanRun || claim.Attrs["caseagent.case.id"] != c.ID {
		t.Errorf("claim span: parent %q, attributes %v", claim.Parent, claim.Attrs)
	}
	wantPoints(t, rig.points(t), map[string]float64{
		"caseagent.agent.runs{caseagent.run.outcome=updated,caseagent.run.trigger=follow_up}": 1,
		"caseagent.followup.actions{caseagent.followup.action=follow_up_sent}":                1,
		"caseagent.mail.sent{caseagent.mail.kind=follow_up}":                                  1,
	})
}

func TestTelemetryFailingPredictor(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, rig.opts()...)
	const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"
	f.Pred.Err = fmt.Errorf("model: 401 Unauthorized: invalid api key %s", key)
	conv := agenttest.Convo("conv-tel-err", "My X200 keeps rebooting")
	if _, err := f.Agent.ConversationAccepted(context.Background(), conv, "rep-1"); err == nil {
		t.Fatal("no error from a failing predictor")
	}

	spans := rig.ended()
	for _, name := range []string{agent.SpanPredict, agent.SpanRun} {
		s := one(t, spans, name)
		if s.Status != codes.Error {
			t.Errorf("%s: status %v, want error", name, s.Status)
		}
		all := s.Desc + strings.Join(s.Events, " ")
		if strings.Contains(all, key) || !strings.Contains(s.Desc, redact.Mask) || !strings.Contains(s.Desc, "401 Unauthorized") {
			t.Errorf("%s: error not redacted or lost: %q %q", name, s.Desc, s.Events)
		}
		if len(s.Events) != 1 || !strings.HasPrefix(s.Events[0], "exception: ") {
			t.Errorf("%s: events %q, want the exception", name, s.Events)
		}
		if s.Attrs["caseagent.conversation.id"] != "conv-tel-err" {
			t.Errorf("%s: attributes %v", name, s.Attrs)
		}
	}
	if got := one(t, spans, agent.SpanRun).Attrs["caseagent.run.outcome"]; got != agent.OutcomeError {
		t.Errorf("run outcome %q, want %q", got, agent.OutcomeError)
	}
	if p := one(t, spans, agent.SpanPredict); p.Parent != agent.SpanRun {
		t.Errorf("predictor span's parent %q", p.Parent)
	}
	got := rig.points(t)
	wantPoints(t, got, map[string]float64{
		"caseagent.agent.runs{caseagent.run.outcome=failed,caseagent.run.trigger=conversation_accepted}": 1,
		"caseagent.predictor.duration{caseagent.result=error}#count":                                     1,
	})
	for k := range got {
		if strings.HasPrefix(k, "caseagent.model.") {
			t.Errorf("a failed call counted model usage: %s", k)
		}
	}
}

func TestTelemetryCheckAndFeedLag(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, rig.opts()...)
	rep := f.Agent.Check(context.Background())
	spans := rig.ended()
	// The wrapped store is still a Pinger: Check pings it.
	if ping := one(t, spans, "caseagent.store.Ping"); ping.Status != codes.Unset {
		t.Errorf("ping span status %v", ping.Status)
	}
	if len(rep.Items) == 0 || rep.Items[0].Name != "store" || rep.Items[0].Status != agent.CheckOK {
		t.Errorf("check report %+v", rep.Items)
	}
	f.Agent.RecordFeedLag(context.Background(), "crm", 1500*time.Millisecond)
	wantPoints(t, rig.points(t), map[string]float64{
		"caseagent.feed.lag{caseagent.feed.name=crm}":                                        1.5,
		"caseagent.store.duration{caseagent.result=ok,caseagent.store.operation=Ping}#count": 1,
	})
}

// TestTelemetryOffByDefault checks that an agent without providers
// neither traces through the global provider nor wraps its store.
func TestTelemetryOffByDefault(t *testing.T) {
	rig := newOtelRig()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(rig.tp)
	defer otel.SetTracerProvider(prev)
	f := agenttest.NewFixture(t, nil)
	f.Created(t, "conv-tel-off", "My X200 keeps rebooting")
	f.Agent.RecordFeedLag(context.Background(), "crm", time.Second)
	if spans := rig.ended(); len(spans) != 0 {
		t.Errorf("an agent without providers made spans: %v", spanNames(spans))
	}
	if f.Agent.Store() != casemgmt.Store(f.Store) {
		t.Errorf("Store() is not the store the host gave")
	}
}

// TestTelemetryStoreErrors checks how store errors show: a conflict or
// another error marks the span as failed, a miss does not.
func TestTelemetryStoreErrors(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, rig.opts()...)
	_, c := f.Created(t, "conv-tel-st", "My X200 keeps rebooting")
	rig.spans.Reset()
	// A representative's edit retried after a conflict: the store
	// returns ErrConflict once.
	st := &telConflictOnce{Store: f.Agent.Store()}
	ag, err := agent.New(st, f.Pred.Predictor(), f.Config, rig.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.EditCase(context.Background(), c.ID, "rep-1", map[string]any{"priority": "High"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ag.EditCase(context.Background(), "case_missing", "rep-1", map[string]any{"priority": "High"}); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Fatalf("edit of a missing case: %v", err)
	}
	spans := rig.ended()
	var got []string
	for _, s := range spans {
		if strings.HasPrefix(s.Name, "caseagent.store.") {
			got = append(got, fmt.Sprintf("%s %s %v", s.Name, s.Attrs["caseagent.result"], s.Status))
		}
	}
	want := []string{
		"caseagent.store.GetCase  Unset",
		"caseagent.store.UpdateCase conflict Error",
		"caseagent.store.GetCase  Unset",
		"caseagent.store.UpdateCase  Unset",
		"caseagent.store.GetCase not_found Unset",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("store spans (-want +got):\n%s", diff)
	}
	runs := named(spans, agent.SpanRun)
	if len(runs) != 2 || runs[0].Attrs["caseagent.run.outcome"] != "updated" || runs[1].Attrs["caseagent.run.outcome"] != "failed" ||
		runs[0].Attrs["caseagent.run.trigger"] != "human_edit" || runs[0].Attrs["caseagent.case.id"] != c.ID {
		t.Errorf("edit runs: %+v", runs)
	}
}

// telConflictOnce fails the first UpdateCase with ErrConflict.
type telConflictOnce struct {
	casemgmt.Store
	done bool
}

func (s *telConflictOnce) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	if !s.done {
		s.done = true
		return fmt.Errorf("update: %w", casemgmt.ErrConflict)
	}
	return s.Store.UpdateCase(ctx, c, w)
}

// TestTelemetryOneSpanPerCall checks that a call that hands over to
// another (UpdateFromConversation runs the conversation's update) is one
// run span, and that a refused request is a failed run.
func TestTelemetryOneSpanPerCall(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, append(rig.opts(), agent.WithProfiles(agent.Profiles{
		Profiles: map[string]agent.Profile{"all": {Name: "all", Features: []agent.Feature{
			agent.FeatureAutoCreate, agent.FeatureAutoUpdate, agent.FeatureUpdateFromConversation}}},
		Assign: map[string]string{"rep-1": "all"},
	}))...)
	conv, c := f.Created(t, "conv-tel-ufc", "My X200 keeps rebooting")
	rig.spans.Reset()
	agenttest.Say(conv, "It is the X300 in fact")
	if _, err := f.Agent.UpdateFromConversation(context.Background(), conv, "rep-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Agent.UpdateFromConversation(context.Background(), conv, "rep-2"); !errors.Is(err, agent.ErrNotPermitted) {
		t.Fatalf("a representative without the feature: %v", err)
	}
	var got []map[string]string
	for _, s := range named(rig.ended(), agent.SpanRun) {
		got = append(got, pick(s, "caseagent.run.trigger", "caseagent.case.id", "caseagent.run.outcome"))
	}
	want := []map[string]string{
		{"caseagent.run.trigger": "update_requested", "caseagent.case.id": c.ID, "caseagent.run.outcome": "unchanged"},
		// The refusal is recorded on the case it looked up.
		{"caseagent.run.trigger": "update_requested", "caseagent.case.id": c.ID, "caseagent.run.outcome": "failed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run spans (-want +got):\n%s", diff)
	}
}

// TestTelemetryConcurrentRuns checks that runs at the same time on one
// agent keep their spans apart: every call's span names its own run's
// conversation.
func TestTelemetryConcurrentRuns(t *testing.T) {
	rig := newOtelRig()
	f := agenttest.NewFixture(t, nil, rig.opts()...)
	f.Pred.Set(map[string]agenttest.Answer{
		"issue_description": {Value: "My X200 keeps rebooting", Conf: 0.9, Quote: "keeps rebooting"},
		"contact":           {Value: "C-1", Conf: 0.95},
	})
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			conv := agenttest.Convo(fmt.Sprintf("conv-tel-c%d", i), "My X200 keeps rebooting")
			_, err := f.Agent.ConversationAccepted(context.Background(), conv, "rep-1")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ro := rig.spans.Ended()
	conv := map[string]string{} // run span id -> conversation
	for _, s := range ro {
		if s.Name() == agent.SpanRun {
			for _, kv := range s.Attributes() {
				if kv.Key == agent.AttrConversationID {
					conv[s.SpanContext().SpanID().String()] = kv.Value.AsString()
				}
			}
		}
	}
	if len(conv) != n {
		t.Fatalf("%d run spans with a conversation, want %d", len(conv), n)
	}
	for _, s := range ro {
		if s.Name() == agent.SpanRun {
			continue
		}
		want, ok := conv[s.Parent().SpanID().String()]
		var got string
		for _, kv := range s.Attributes() {
			if kv.Key == agent.AttrConversationID {
				got = kv.Value.AsString()
			}
		}
		if !ok || got != want {
			t.Errorf("span %s names conversation %q, its run %q", s.Name(), got, want)
		}
	}
}
