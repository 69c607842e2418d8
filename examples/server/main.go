// Command server is a ready service around the agent: it serves the live-chat
// and inbound-mail webhooks, polls IMAP mailboxes, sends follow-ups on a
// timer, answers health and readiness probes, exposes Prometheus metrics,
// and shuts down gracefully on SIGTERM or SIGINT.
//
//	CASEAGENT_CHAT_SECRET=... go run ./examples/server -config examples/server/service.yaml
//
// The service file (YAML) says where to listen, which store to use (a SQLite
// file by default, PostgreSQL from a DSN), where the tenant configuration is,
// which mailboxes to poll and how to send mail, and which predictor to use
// (offline by default, or a model). Flags override the file. Secrets (the chat
// secret, webhook keys, mail and database passwords, the model's API key) are
// read from the environment variables the file names, never from the file.
// See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the service `file` (YAML; required)")
	name := fs.String("name", "", "this process's name, the owner of its claims (default: from the file, or host name and pid)")
	listen := fs.String("listen", "", "the HTTP `address`, such as 127.0.0.1:8080 (default: from the file)")
	store := fs.String("store", "", "a SQLite file or a PostgreSQL `DSN` (default: from the file)")
	tenant := fs.String("tenant", "", "the tenant configuration `file` (default: from the file)")
	otlp := fs.String("otlp-endpoint", "", "also push metrics and traces over OTLP/HTTP to this `URL` (default: from the file, or $OTEL_EXPORTER_OTLP_ENDPOINT)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	addrFile := fs.String("addr-file", "", "once listening, write the address to this `file` (useful with -listen 127.0.0.1:0)")
	check := fs.Bool("check", false, "print the agent's prerequisites panel and exit (status 1 when something failed)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *configPath == "" {
		fmt.Fprintln(stderr, "server: -config is required")
		fs.Usage()
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(stderr, "server: -log-level:", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg, err := LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	for flagValue, field := range map[*string]*string{name: &cfg.Name, listen: &cfg.Listen, store: &cfg.Store, tenant: &cfg.Tenant, otlp: &cfg.Telemetry.OTLPEndpoint} {
		if *flagValue != "" {
			*field = *flagValue
		}
	}
	if cfg.Telemetry.OTLPEndpoint == "" {
		cfg.Telemetry.OTLPEndpoint = os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	svc, err := newService(ctx, cfg, withLogger(log))
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	if *check {
		rep := svc.agent.Check(ctx)
		fmt.Fprint(stdout, rep.String())
		svc.close()
		if !rep.OK() {
			return 1
		}
		return 0
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(svc.Addr().String()+"\n"), 0o644); err != nil {
			fmt.Fprintln(stderr, "server:", err)
			svc.close()
			return 1
		}
	}
	if err := svc.run(ctx); err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	return 0
}
