package agent_test

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
)

// A host hands the agent its OpenTelemetry providers; here the SDK's
// in-memory ones, where a service would export to OTLP or Prometheus.
func ExampleWithTracerProvider() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	cfg, err := agent.ParseConfig([]byte(exampleConfig))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := memstore.New()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		fmt.Println(err)
		return
	}
	ag, err := agent.New(store, examplePredictor, cfg, agent.WithTracerProvider(tp), agent.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}
	conv := &channel.Conversation{ID: "chat-1", Kind: channel.KindChat, Status: channel.StatusAccepted,
		Customer: channel.Customer{ContactID: "C-1"},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "My invoice looks wrong."}}}
	if _, err := ag.ConversationAccepted(ctx, conv, "rep-1"); err != nil {
		fmt.Println(err)
		return
	}

	for _, s := range spans.Ended() {
		if s.Name() == agent.SpanRun || s.Name() == agent.SpanPredict {
			for _, kv := range s.Attributes() {
				if kv.Key == agent.AttrConversationID || kv.Key == agent.AttrOutcome {
					fmt.Println(s.Name(), kv.Key, kv.Value.AsString())
				}
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == agent.MetricRuns {
			for _, p := range sum.DataPoints {
				outcome, _ := p.Attributes.Value(agent.AttrOutcome)
				fmt.Println(m.Name, outcome.AsString(), p.Value)
			}
		}
	}
	// Output:
	// caseagent.predictor.predict caseagent.conversation.id chat-1
	// caseagent.agent.run caseagent.conversation.id chat-1
	// caseagent.agent.run caseagent.run.outcome created
	// caseagent.agent.runs created 1
}
