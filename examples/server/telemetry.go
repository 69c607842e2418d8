package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// telemetry holds the OpenTelemetry SDK providers of the service, the
// Prometheus registry /metrics serves and the service's own instruments.
type telemetry struct {
	mp       *sdkmetric.MeterProvider
	tp       *sdktrace.TracerProvider
	registry *prometheus.Registry
	tracer   trace.Tracer

	requests  metric.Int64Counter
	duration  metric.Float64Histogram
	inFlight  metric.Int64UpDownCounter
	dueRuns   metric.Int64Counter
	dueCases  metric.Int64Counter
	polls     metric.Int64Counter
	mailsSeen metric.Int64Counter
}

// newTelemetry builds a meter provider that the Prometheus exporter reads
// (on a registry of its own, with the Go runtime and process collectors),
// and, when otlpEndpoint is set, that also pushes metrics and traces over
// OTLP/HTTP.
func newTelemetry(ctx context.Context, name, otlpEndpoint string) (*telemetry, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName("caseagent"), semconv.ServiceInstanceID(name)))
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	promExp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	mopts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(promExp)}
	topts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if otlpEndpoint != "" {
		me, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(otlpEndpoint+"/v1/metrics"))
		if err != nil {
			return nil, err
		}
		mopts = append(mopts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me)))
		te, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(otlpEndpoint+"/v1/traces"))
		if err != nil {
			return nil, err
		}
		topts = append(topts, sdktrace.WithBatcher(te))
	}
	t := &telemetry{
		mp:       sdkmetric.NewMeterProvider(mopts...),
		tp:       sdktrace.NewTracerProvider(topts...),
		registry: reg,
	}
	t.tracer = t.tp.Tracer("github.com/caseagent/caseagent/examples/server")
	m := t.mp.Meter("github.com/caseagent/caseagent/examples/server")
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	t.requests, err = m.Int64Counter("caseagent.http.requests", metric.WithDescription("HTTP requests answered, by route and status code."), metric.WithUnit("{request}"))
	add(err)
	t.duration, err = m.Float64Histogram("caseagent.http.request.duration", metric.WithDescription("Time to answer an HTTP request, by route and status code."), metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	add(err)
	t.inFlight, err = m.Int64UpDownCounter("caseagent.http.requests.in_flight", metric.WithDescription("HTTP requests being answered, by route."), metric.WithUnit("{request}"))
	add(err)
	t.dueRuns, err = m.Int64Counter("caseagent.rundue.runs", metric.WithDescription("Passes of the scheduled work (follow-ups and closures), by result."), metric.WithUnit("{run}"))
	add(err)
	t.dueCases, err = m.Int64Counter("caseagent.rundue.cases", metric.WithDescription("Cases the scheduled work handled, by action."), metric.WithUnit("{case}"))
	add(err)
	t.polls, err = m.Int64Counter("caseagent.imap.polls", metric.WithDescription("IMAP polls, by mailbox and result."), metric.WithUnit("{poll}"))
	add(err)
	t.mailsSeen, err = m.Int64Counter("caseagent.imap.messages", metric.WithDescription("IMAP messages handled, by mailbox and result (received, skipped, failed)."), metric.WithUnit("{message}"))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// metricsHandler serves the registry in the Prometheus text format.
func (t *telemetry) metricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

// shutdown flushes and stops the providers.
func (t *telemetry) shutdown(ctx context.Context) error {
	return errors.Join(t.tp.Shutdown(ctx), t.mp.Shutdown(ctx))
}

// agentTelemetryOptions are the agent's options that hand it the
// service's tracer and meter providers, so that its own spans and metrics
// (runs, predictor calls, store calls, mail sent) go through the same
// exporters.
func agentTelemetryOptions(tp trace.TracerProvider, mp metric.MeterProvider) []agent.Option {
	return []agent.Option{agent.WithTracerProvider(tp), agent.WithMeterProvider(mp)}
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument counts and times the requests of one route and gives each a
// server span.
func (t *telemetry) instrument(route string, h http.Handler) http.Handler {
	routeAttr := attribute.String("http.route", route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, span := t.tracer.Start(r.Context(), r.Method+" "+route,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(routeAttr, attribute.String("http.request.method", r.Method)))
		defer span.End()
		t.inFlight.Add(ctx, 1, metric.WithAttributes(routeAttr))
		defer t.inFlight.Add(context.WithoutCancel(ctx), -1, metric.WithAttributes(routeAttr))
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		attrs := metric.WithAttributes(routeAttr, attribute.String("http.request.method", r.Method),
			attribute.String("http.response.status_code", strconv.Itoa(rec.status)))
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		mctx := context.WithoutCancel(ctx)
		t.requests.Add(mctx, 1, attrs)
		t.duration.Record(mctx, time.Since(start).Seconds(), attrs)
	})
}
