package agent_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caseagent/caseagent/casemgmt/agent"
)

// BenchmarkAgentEventTelemetry is BenchmarkAgentEvent's update and create
// events on 1,000 cases with telemetry on: every span sampled and handed
// to a batch processor (whose exporter drops them), and every metric
// aggregated by the SDK. Compare with BenchmarkAgentEvent at cases=1000
// for what tracing and metrics cost per event. The store spans are made
// outside the timed store, so their cost is in agent-ns/op.
func BenchmarkAgentEventTelemetry(b *testing.B) {
	ctx := context.Background()
	const n = 1_000
	plain, store := seeded(b, n)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() {
		_ = tp.Shutdown(ctx)
		_ = mp.Shutdown(ctx)
	})
	a, err := agent.New(store, instant, plain.Config(), agent.WithTracerProvider(tp), agent.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	var updates, creates int
	benchUpdates(b, a, store, n, &updates)
	benchCreates(b, a, store, n, &creates)
}
