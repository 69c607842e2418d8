package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/livechat"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	retry "github.com/caseagent/caseagent/internal/backoff"
	"github.com/caseagent/caseagent/predict"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// service is the running host: the store, the agent, the HTTP endpoints,
// the IMAP pollers and the scheduled work.
type service struct {
	cfg   *Config
	log   *slog.Logger
	store *sqlstore.Store
	agent *agent.Agent
	tel   *telemetry
	srv   *http.Server
	ln    net.Listener

	pollers []*mailboxPoller

	draining atomic.Bool
	readyMu  sync.Mutex
	readyAt  time.Time
	ready    *agent.CheckReport
}

type mailboxPoller struct {
	cfg    MailboxConfig
	poller *imapsource.Poller
}

// options are what the tests (and embedding programs) replace.
type options struct {
	getenv    func(string) string
	logger    *slog.Logger
	predictor predict.Predictor
}

type option func(*options)

// withGetenv sets where secrets are read; default os.Getenv.
func withGetenv(f func(string) string) option { return func(o *options) { o.getenv = f } }

// withLogger sets the logger; default discards.
func withLogger(l *slog.Logger) option { return func(o *options) { o.logger = l } }

// withPredictor replaces the configured predictor.
func withPredictor(p predict.Predictor) option { return func(o *options) { o.predictor = p } }

// newService opens the store, builds the agent and everything around it,
// and binds the listen address. Nothing runs until run.
func newService(ctx context.Context, cfg *Config, opts ...option) (_ *service, err error) {
	o := options{getenv: os.Getenv, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	s := &service{cfg: cfg, log: o.logger.With("process", cfg.Name)}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()
	var secret secrets = func(name, what string) (string, error) {
		v := o.getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s: the environment variable %s is empty", what, name)
		}
		return v, nil
	}

	tenant, err := agent.LoadConfig(cfg.Tenant)
	if err != nil {
		return nil, err
	}
	if s.tel, err = newTelemetry(ctx, cfg.Name, cfg.Telemetry.OTLPEndpoint); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	closers = append(closers, func() { _ = s.tel.shutdown(context.Background()) })

	storePassword := ""
	if cfg.StorePasswordEnv != "" {
		if storePassword, err = secret(cfg.StorePasswordEnv, "store_password_env"); err != nil {
			return nil, err
		}
	}
	s.store, err = openStore(ctx, cfg.Store, storePassword, sqlstore.WithLogger(s.log))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	closers = append(closers, func() { s.store.Close() })
	if _, err := tenant.ImportContacts(ctx, s.store); err != nil && !errors.Is(err, casemgmt.ErrDuplicate) {
		return nil, fmt.Errorf("importing the tenant's contacts: %w", err)
	}

	pred := o.predictor
	if pred == nil {
		if pred, err = newPredictor(cfg.Predictor, s.store, o.getenv, s.log); err != nil {
			return nil, err
		}
	}

	aopts := []agent.Option{agent.WithName(cfg.Name), agent.WithLogger(s.log)}
	if cfg.ClaimTTL > 0 {
		aopts = append(aopts, agent.WithClaimTTL(time.Duration(cfg.ClaimTTL)))
	}
	aopts = append(aopts, agentTelemetryOptions(s.tel.tp, s.tel.mp)...)
	parser := email.NewParser(email.WithLogger(s.log))
	if mc := cfg.MessageIDs; mc != nil {
		key, err := secret(mc.KeyEnv, "message_ids.key_env")
		if err != nil {
			return nil, err
		}
		ids := email.MessageIDs{Key: []byte(key), Domain: mc.Domain}
		if err := ids.Validate(); err != nil {
			return nil, fmt.Errorf("message_ids: %w", err)
		}
		aopts = append(aopts, agent.WithMessageIDs(ids))
	}
	if sc := cfg.SMTP; sc != nil {
		sender, err := newSMTP(sc, cfg.MessageIDs, o.getenv, s.log)
		if err != nil {
			return nil, err
		}
		from := channel.Address{Name: sc.FromName, Email: sc.From}
		aopts = append(aopts, agent.WithSender(sender, from))
		parser = email.NewParser(email.WithLogger(s.log), email.WithLoopMarker(sc.From))
	}
	if oc := cfg.Outbox; oc != nil {
		sender, err := newOutbox(oc.Dir, cfg.Name)
		if err != nil {
			return nil, err
		}
		from := channel.Address{Name: oc.FromName, Email: oc.From}
		aopts = append(aopts, agent.WithSender(sender, from))
		parser = email.NewParser(email.WithLogger(s.log), email.WithLoopMarker(oc.From))
	}
	if s.agent, err = agent.New(s.store, pred, tenant, aopts...); err != nil {
		return nil, err
	}

	mux, err := s.newMux(cfg, secret, parser)
	if err != nil {
		return nil, err
	}
	if err := s.addPollers(cfg, secret, parser); err != nil {
		return nil, err
	}

	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, err
	}
	return s, nil
}

// secrets reads the secret in the environment variable name, which the
// configuration setting what names; an empty one is an error.
type secrets func(name, what string) (string, error)

// newMux serves the health, metrics, chat and email webhook routes.
func (s *service) newMux(cfg *Config, secret secrets, parser *email.Parser) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	handle := func(route string, h http.Handler) { mux.Handle(route, s.tel.instrument(route, h)) }
	get := func(route string, h http.Handler) { mux.Handle("GET "+route, s.tel.instrument(route, h)) }
	get("/healthz", http.HandlerFunc(s.healthz))
	get("/readyz", http.HandlerFunc(s.readyz))
	get(cfg.Telemetry.MetricsPath, s.tel.metricsHandler())
	if cc := cfg.Chat; cc != nil {
		key, err := secret(cc.SecretEnv, "chat.secret_env")
		if err != nil {
			return nil, err
		}
		lopts := []livechat.Option{livechat.WithOwner(cfg.Name), livechat.WithLogger(s.log),
			livechat.WithCustomerMessages(cc.CustomerMessages)}
		if cc.ClaimTTL > 0 {
			lopts = append(lopts, livechat.WithClaimTTL(time.Duration(cc.ClaimTTL)))
		}
		recv, err := livechat.New(s.agent, lopts...)
		if err != nil {
			return nil, err
		}
		h, err := chat.NewHandler([]byte(key), recv, chat.WithLogger(s.log))
		if err != nil {
			return nil, fmt.Errorf("chat: %w", err)
		}
		handle(cc.Path, h)
	}
	for i, wc := range cfg.EmailWebhooks {
		what := fmt.Sprintf("email_webhooks[%d]", i)
		hopts := []email.HandlerOption{email.WithMailbox(wc.Mailbox), email.WithParser(parser), email.WithLogger(s.log)}
		if wc.KeyEnv != "" {
			key, err := secret(wc.KeyEnv, what+".key_env")
			if err != nil {
				return nil, err
			}
			hopts = append(hopts, email.WithSignature([]byte(key)))
		}
		if wc.SharedSecretEnv != "" {
			key, err := secret(wc.SharedSecretEnv, what+".shared_secret_env")
			if err != nil {
				return nil, err
			}
			hopts = append(hopts, email.WithSharedSecret(key))
		}
		h, err := email.NewHandler(s.agent, hopts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		handle(wc.Path, h)
	}
	return mux, nil
}

// addPollers sets up a poller per configured mailbox.
func (s *service) addPollers(cfg *Config, secret secrets, parser *email.Parser) error {
	for i, mc := range cfg.Mailboxes {
		what := fmt.Sprintf("mailboxes[%d]", i)
		password, err := secret(mc.PasswordEnv, what+".password_env")
		if err != nil {
			return err
		}
		tlsMode, _ := imapTLS(mc.TLS)
		mark, _ := imapMark(mc.Mark)
		p, err := imapsource.New(imapsource.Config{
			Addr: mc.Addr, Username: mc.Username, Password: password, TLS: tlsMode,
			Mailbox: mc.Folder, Name: mc.Name, Mark: mark, MoveTo: mc.MoveTo,
			Parser: parser, BatchSize: mc.BatchSize, MaxAttempts: mc.MaxAttempts,
			Interval:   time.Duration(mc.Interval),
			IsNotFound: func(err error) bool { return errors.Is(err, casemgmt.ErrNotFound) },
			Logger:     s.log.With("mailbox", mc.Name),
		}, s.store, s.agent)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		s.pollers = append(s.pollers, &mailboxPoller{cfg: mc, poller: p})
	}
	return nil
}

func newSMTP(sc *SMTPConfig, mc *MessageIDsConfig, getenv func(string) string, log *slog.Logger) (*email.SMTPSender, error) {
	tlsMode, _ := smtpTLS(sc.TLS)
	c := email.SMTPConfig{Addr: sc.Addr, Username: sc.Username, TLS: tlsMode,
		From: channel.Address{Name: sc.FromName, Email: sc.From}, Logger: log}
	if sc.PasswordEnv != "" {
		if c.Password = getenv(sc.PasswordEnv); c.Password == "" {
			return nil, fmt.Errorf("smtp.password_env: the environment variable %s is empty", sc.PasswordEnv)
		}
	}
	if mc != nil {
		c.IDs = email.MessageIDs{Key: []byte(getenv(mc.KeyEnv)), Domain: mc.Domain}
	}
	s, err := email.NewSMTPSender(c)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return s, nil
}

// Addr is the address the service listens on.
func (s *service) Addr() net.Addr { return s.ln.Addr() }

// run serves until ctx ends, then shuts down gracefully: it stops
// accepting connections, lets the requests being answered finish, lets
// each poller finish the message it is on and the scheduled work finish
// its pass, all within the shutdown timeout, after which whatever is left
// is cancelled (and, not being committed, is retried by its source). It
// closes the store and flushes telemetry before returning.
func (s *service) run(ctx context.Context) error {
	// hard is cancelled only when the shutdown timeout has passed: work
	// in flight gets it, so that stopping does not abort it.
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	s.srv.BaseContext = func(net.Listener) context.Context { return hard }
	stop := ctx.Done()

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.srv.Serve(s.ln) }()
	for _, p := range s.pollers {
		wg.Go(func() { s.poll(hard, stop, p) })
	}
	if iv := time.Duration(*s.cfg.RunDueInterval); iv > 0 {
		wg.Go(func() { s.runDue(hard, stop, iv) })
	}
	s.log.Info("serving", "addr", s.Addr().String(), "store_kind", kindOf(s.cfg.Store), "mailboxes", len(s.pollers))

	var err error
	select {
	case <-stop:
	case err = <-serveErr:
		err = fmt.Errorf("http server: %w", err)
	}
	s.draining.Store(true)
	if d := time.Duration(s.cfg.DrainDelay); d > 0 && err == nil {
		s.log.Info("draining: readiness fails while requests are still taken", "delay", d.String())
		time.Sleep(d)
	}
	s.log.Info("shutting down", "timeout", time.Duration(s.cfg.ShutdownTimeout).String())
	grace, cancelGrace := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(s.cfg.ShutdownTimeout))
	defer cancelGrace()
	if serr := s.srv.Shutdown(grace); serr != nil {
		s.log.Warn("requests still running at the shutdown timeout are cancelled", "err", serr)
		cancelHard()
		s.srv.Close()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-grace.Done():
		s.log.Warn("pollers or scheduled work still running at the shutdown timeout are cancelled")
		cancelHard()
		<-done
	}
	cancelHard()
	flush, cancelFlush := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelFlush()
	err = errors.Join(err, s.tel.shutdown(flush), s.store.Close())
	s.log.Info("stopped")
	return err
}

// close releases what newService opened, for a service that never ran.
func (s *service) close() error {
	return errors.Join(s.ln.Close(), s.store.Close(), s.tel.shutdown(context.Background()))
}

func kindOf(dsn string) string { k, _ := storeKind(dsn); return k }

// poll polls one mailbox until stop is closed, a poll at a time: a poll
// takes at most the mailbox's batch size (one message by default), so a
// shutdown waits for the message being handled and no more.
func (s *service) poll(hard context.Context, stop <-chan struct{}, p *mailboxPoller) {
	defer p.poller.Close()
	mailbox := attribute.String("mailbox", p.cfg.Name)
	failures := 0
	for {
		select {
		case <-stop:
			return
		default:
		}
		rep, err := p.poller.PollOnce(hard)
		if hard.Err() != nil {
			return
		}
		ctx := context.WithoutCancel(hard)
		result := "ok"
		if err != nil {
			result = "error"
		}
		s.tel.polls.Add(ctx, 1, metric.WithAttributes(mailbox, attribute.String("result", result)))
		for what, n := range map[string]int{"received": rep.Received, "skipped": len(rep.Skipped), "failed": len(rep.Failed)} {
			if n > 0 {
				s.tel.mailsSeen.Add(ctx, int64(n), metric.WithAttributes(mailbox, attribute.String("result", what)))
			}
		}
		wait := time.Duration(p.cfg.Interval)
		if err != nil {
			wait = backoff(failures)
			failures++
			s.log.Warn("imap poll failed", "mailbox", p.cfg.Name, "err", err, "attempt", failures, "retry_in", wait)
		} else {
			failures = 0
			if rep.More {
				continue
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff is the wait after n consecutive failed polls: from one second,
// doubling up to five minutes, each drawn between half and all of it.
func backoff(n int) time.Duration {
	return retry.Policy{Base: time.Second, Max: 5 * time.Minute, Jitter: 0.5}.Delay(n)
}

// runDue does the scheduled work now and then every interval until stop
// is closed; a pass that has begun runs to its end.
func (s *service) runDue(hard context.Context, stop <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		outs, err := s.agent.RunDue(hard, time.Now())
		ctx := context.WithoutCancel(hard)
		result := "ok"
		if err != nil {
			result = "error"
			s.log.Warn("scheduled work failed for some cases; they are retried on the next pass", "err", err)
		}
		s.tel.dueRuns.Add(ctx, 1, metric.WithAttributes(attribute.String("result", result)))
		for _, o := range outs {
			s.tel.dueCases.Add(ctx, 1, metric.WithAttributes(attribute.String("action", o.Action)))
		}
		select {
		case <-stop:
			return
		case <-hard.Done():
			return
		case <-t.C:
		}
	}
}

func (s *service) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readiness is the body of /readyz.
type readiness struct {
	Ready    bool              `json:"ready"`
	Draining bool              `json:"draining,omitempty"`
	Process  string            `json:"process"`
	Items    []agent.CheckItem `json:"items,omitempty"`
}

// readyz answers 200 when the agent's Check finds nothing failed, 503
// otherwise and while shutting down. The report is reused for ReadyCache.
func (s *service) readyz(w http.ResponseWriter, r *http.Request) {
	body := readiness{Process: s.cfg.Name}
	if s.draining.Load() {
		body.Draining = true
	} else {
		rep := s.check(r.Context())
		body.Ready, body.Items = rep.OK(), rep.Items
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !body.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (s *service) check(ctx context.Context) *agent.CheckReport {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.ready != nil && time.Since(s.readyAt) < time.Duration(s.cfg.ReadyCache) {
		return s.ready
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s.ready, s.readyAt = s.agent.Check(ctx), time.Now()
	return s.ready
}
