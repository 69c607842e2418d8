package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"go.yaml.in/yaml/v3"
)

// Config is the service's configuration file. Secrets are never in it:
// it names the environment variables that hold them.
type Config struct {
	// Name is this process's name: the agent's actor in audit entries and
	// the owner of its claims. Processes sharing a store need different
	// names. Default: the host name and process id.
	Name string `yaml:"name"`
	// Listen is the HTTP address; default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// Store is the database: a SQLite file path (optionally "sqlite:"
	// before it) or a PostgreSQL DSN (postgres://... or key=value pairs
	// with host=). Default caseagent.db. A password in a PostgreSQL DSN
	// can be left out and given in StorePasswordEnv instead.
	Store            string `yaml:"store"`
	StorePasswordEnv string `yaml:"store_password_env"`
	// Tenant is the path of the tenant configuration (agent.LoadConfig),
	// relative to the service file.
	Tenant string `yaml:"tenant"`
	// RunDueInterval is how often the follow-ups that are due are sent;
	// default 1m; "0s" turns the timer off.
	RunDueInterval *Duration `yaml:"run_due_interval"`
	// ShutdownTimeout bounds the graceful shutdown; default 30s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// DrainDelay is how long the service keeps accepting requests after a
	// stop signal while /readyz answers 503, so that a load balancer
	// takes it out of rotation first; default 0.
	DrainDelay Duration `yaml:"drain_delay"`
	// ReadyCache is how long a readiness answer is reused, so that
	// frequent probes do not call the predictor each time; default 10s,
	// 5m with a model.
	ReadyCache Duration `yaml:"ready_cache"`
	// ClaimTTL is how long an email or a follow-up being handled stays
	// claimed by its process: after a crash, another process takes it over
	// once it expires. Default: two minutes for emails, one for follow-ups.
	ClaimTTL Duration `yaml:"claim_ttl"`

	Chat          *ChatConfig          `yaml:"chat"`
	EmailWebhooks []EmailWebhookConfig `yaml:"email_webhooks"`
	Mailboxes     []MailboxConfig      `yaml:"mailboxes"`
	SMTP          *SMTPConfig          `yaml:"smtp"`
	// Outbox, instead of SMTP, writes each outgoing message as a JSON
	// file into this folder (relative to the service file): for trials
	// and tests without a mail server. Default: none.
	Outbox     *OutboxConfig     `yaml:"outbox"`
	MessageIDs *MessageIDsConfig `yaml:"message_ids"`
	Predictor  PredictorConfig   `yaml:"predictor"`
	Telemetry  TelemetryConfig   `yaml:"telemetry"`
}

// OutboxConfig writes outgoing mail into a folder instead of sending it.
type OutboxConfig struct {
	// Dir is the folder, created when missing.
	Dir string `yaml:"dir"`
	// From is the sender's address written into each message.
	From     string `yaml:"from"`
	FromName string `yaml:"from_name"`
}

// ChatConfig is the live-chat webhook.
type ChatConfig struct {
	// Path is where events are posted; default /webhooks/chat.
	Path string `yaml:"path"`
	// SecretEnv names the variable holding the HMAC secret (at least 16
	// bytes); default CASEAGENT_CHAT_SECRET.
	SecretEnv string `yaml:"secret_env"`
	// CustomerMessages also runs the agent on each customer message, not
	// only when a chat is accepted and ended.
	CustomerMessages bool `yaml:"customer_messages"`
	// ClaimTTL is how long a process holds a conversation while the agent
	// works on it (livechat.WithClaimTTL); it must exceed the slowest
	// agent call, model included. Default one minute.
	ClaimTTL Duration `yaml:"claim_ttl"`
}

// EmailWebhookConfig is an inbound-mail webhook for one mailbox.
type EmailWebhookConfig struct {
	// Path is where the provider posts raw MIME; default /webhooks/email.
	Path string `yaml:"path"`
	// Mailbox is the address the mail was sent to (for intake rules and
	// dedupe).
	Mailbox string `yaml:"mailbox"`
	// KeyEnv names the variable holding the HMAC signature key;
	// SharedSecretEnv the one holding a shared secret. One is required.
	KeyEnv          string `yaml:"key_env"`
	SharedSecretEnv string `yaml:"shared_secret_env"`
}

// MailboxConfig is an IMAP mailbox polled for inbound mail.
type MailboxConfig struct {
	// Name is the mailbox name given to the agent (its address);
	// default Username.
	Name        string   `yaml:"name"`
	Addr        string   `yaml:"addr"`
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"password_env"`
	TLS         string   `yaml:"tls"` // implicit (default), starttls, none (loopback only)
	Folder      string   `yaml:"folder"`
	Mark        string   `yaml:"mark"` // seen (default), flag, move
	MoveTo      string   `yaml:"move_to"`
	Interval    Duration `yaml:"interval"`
	// BatchSize is the most messages taken in one poll; default 1, so that
	// a shutdown waits for one message at most.
	BatchSize   int `yaml:"batch_size"`
	MaxAttempts int `yaml:"max_attempts"`
}

// SMTPConfig is the server the agent sends acknowledgements and
// follow-ups through.
type SMTPConfig struct {
	Addr        string `yaml:"addr"`
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`
	TLS         string `yaml:"tls"` // starttls (default), implicit, none (loopback only)
	From        string `yaml:"from"`
	FromName    string `yaml:"from_name"`
}

// MessageIDsConfig signs the case into outgoing Message-IDs so replies
// thread to their case.
type MessageIDsConfig struct {
	Domain string `yaml:"domain"`
	KeyEnv string `yaml:"key_env"`
}

// PredictorConfig chooses the predictor.
type PredictorConfig struct {
	// Kind is "offline" (the default, no network) or "llm".
	Kind string     `yaml:"kind"`
	LLM  *LLMConfig `yaml:"llm"`
}

// LLMConfig is a model behind an OpenAI-compatible server or Anthropic.
type LLMConfig struct {
	Provider  string `yaml:"provider"` // openai (default) or anthropic
	BaseURL   string `yaml:"base_url"`
	Model     string `yaml:"model"`
	APIKeyEnv string `yaml:"api_key_env"`
	Mode      string `yaml:"mode"` // tool (default), json, text
	// Alone uses the model alone; by default the offline predictor fills
	// what the model leaves open or when it fails.
	Alone bool `yaml:"alone"`
	// Budget, when set, limits the model's spending per period, counted
	// in the store and shared by every process using it.
	Budget *BudgetConfig `yaml:"budget"`
}

// BudgetConfig is a spending budget (package predict/budget).
type BudgetConfig struct {
	// Period is "day" or "month" (default), in TimeZone (an IANA name;
	// default UTC).
	Period   string `yaml:"period"`
	TimeZone string `yaml:"time_zone"`
	// Scope names the budget in the store's counters; default "default".
	Scope string `yaml:"scope"`
	// Soft warns; Hard stops calls: past it, OnHard "fallback" (default)
	// predicts offline, "stop" predicts nothing.
	Soft   budget.Limit `yaml:"soft"`
	Hard   budget.Limit `yaml:"hard"`
	OnHard string       `yaml:"on_hard"`
}

// TelemetryConfig configures the exporters.
type TelemetryConfig struct {
	// OTLPEndpoint, when set, also pushes metrics and traces over OTLP/HTTP
	// to this URL (such as http://localhost:4318).
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// MetricsPath is the Prometheus endpoint; default /metrics.
	MetricsPath string `yaml:"metrics_path"`
}

// Duration is a time.Duration written as "30s" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	if v < 0 {
		return fmt.Errorf("line %d: negative duration %s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// LoadConfig reads the service file at path; relative paths in it are
// resolved against its folder.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if cfg.Tenant != "" && !filepath.IsAbs(cfg.Tenant) {
		cfg.Tenant = filepath.Join(dir, cfg.Tenant)
	}
	if o := cfg.Outbox; o != nil && o.Dir != "" && !filepath.IsAbs(o.Dir) {
		o.Dir = filepath.Join(dir, o.Dir)
	}
	if kind, p := storeKind(cfg.Store); kind == "sqlite" && p != ":memory:" && !filepath.IsAbs(p) {
		cfg.Store = filepath.Join(dir, p)
	}
	return cfg, nil
}

// ParseConfig reads a service file, refusing unknown keys, and fills the
// defaults.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	cfg.defaults()
	return &cfg, cfg.validate()
}

func (c *Config) defaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.Store == "" {
		c.Store = "caseagent.db"
	}
	if c.RunDueInterval == nil {
		d := Duration(time.Minute)
		c.RunDueInterval = &d
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = Duration(30 * time.Second)
	}
	if c.ReadyCache == 0 {
		// Check asks the predictor a small question: with a model that is
		// a paid call, so probes reuse the answer longer.
		c.ReadyCache = Duration(10 * time.Second)
		if c.Predictor.Kind == "llm" {
			c.ReadyCache = Duration(5 * time.Minute)
		}
	}
	if c.Chat != nil {
		if c.Chat.Path == "" {
			c.Chat.Path = "/webhooks/chat"
		}
		if c.Chat.SecretEnv == "" {
			c.Chat.SecretEnv = "CASEAGENT_CHAT_SECRET"
		}
	}
	for i := range c.EmailWebhooks {
		if c.EmailWebhooks[i].Path == "" {
			c.EmailWebhooks[i].Path = "/webhooks/email"
		}
	}
	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		if m.Name == "" {
			m.Name = m.Username
		}
		if m.BatchSize == 0 {
			m.BatchSize = 1
		}
		if m.Interval == 0 {
			m.Interval = Duration(time.Minute)
		}
	}
	if c.Predictor.Kind == "" {
		c.Predictor.Kind = "offline"
	}
	if c.Telemetry.MetricsPath == "" {
		c.Telemetry.MetricsPath = "/metrics"
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Tenant == "" {
		errs = append(errs, errors.New("tenant: the path of the tenant configuration is required"))
	}
	paths := map[string]string{"/healthz": "health", "/readyz": "readiness", c.Telemetry.MetricsPath: "metrics"}
	route := func(p, what string) {
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, fmt.Errorf("%s: path %q must start with /", what, p))
			return
		}
		if other, ok := paths[p]; ok {
			errs = append(errs, fmt.Errorf("%s: path %s is already used by %s", what, p, other))
			return
		}
		paths[p] = what
	}
	if c.Chat != nil {
		route(c.Chat.Path, "chat")
	}
	for i, w := range c.EmailWebhooks {
		what := fmt.Sprintf("email_webhooks[%d]", i)
		route(w.Path, what)
		if w.KeyEnv == "" && w.SharedSecretEnv == "" {
			errs = append(errs, fmt.Errorf("%s: key_env or shared_secret_env is required", what))
		}
	}
	names := map[string]bool{}
	for i, m := range c.Mailboxes {
		what := fmt.Sprintf("mailboxes[%d]", i)
		if m.Addr == "" || m.Username == "" || m.PasswordEnv == "" {
			errs = append(errs, fmt.Errorf("%s: addr, username and password_env are required", what))
		}
		key := m.Username + "@" + m.Addr + "/" + m.Folder
		if names[key] {
			errs = append(errs, fmt.Errorf("%s: the mailbox %s is polled twice", what, key))
		}
		names[key] = true
		if _, err := imapTLS(m.TLS); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		if _, err := imapMark(m.Mark); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		if m.BatchSize < 0 {
			errs = append(errs, fmt.Errorf("%s: batch_size must be positive", what))
		}
	}
	if s := c.SMTP; s != nil {
		if s.Addr == "" || s.From == "" {
			errs = append(errs, errors.New("smtp: addr and from are required"))
		}
		if _, err := smtpTLS(s.TLS); err != nil {
			errs = append(errs, fmt.Errorf("smtp: %w", err))
		}
	}
	if o := c.Outbox; o != nil {
		if o.Dir == "" || o.From == "" {
			errs = append(errs, errors.New("outbox: dir and from are required"))
		}
		if c.SMTP != nil {
			errs = append(errs, errors.New("outbox: set either smtp or outbox, not both"))
		}
	}
	if m := c.MessageIDs; m != nil && (m.Domain == "" || m.KeyEnv == "") {
		errs = append(errs, errors.New("message_ids: domain and key_env are required"))
	}
	switch c.Predictor.Kind {
	case "offline":
	case "llm":
		if c.Predictor.LLM == nil || c.Predictor.LLM.Model == "" {
			errs = append(errs, errors.New("predictor.llm.model is required with kind llm"))
		} else if b := c.Predictor.LLM.Budget; b != nil {
			if _, err := b.limits(nil); err != nil {
				errs = append(errs, fmt.Errorf("predictor.llm.budget: %w", err))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("predictor.kind %q: want offline or llm", c.Predictor.Kind))
	}
	return errors.Join(errs...)
}

// storeKind tells a PostgreSQL DSN from a SQLite path.
func storeKind(dsn string) (kind, target string) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"),
		strings.Contains(dsn, "host=") || strings.Contains(dsn, "dbname="):
		return "postgres", dsn
	case strings.HasPrefix(dsn, "sqlite:"):
		return "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	}
	return "sqlite", dsn
}

// limits builds the budget's limits; fallback is the predictor used past
// the hard limit with on_hard "fallback".
func (b *BudgetConfig) limits(fallback predict.Predictor) (budget.Limits, error) {
	loc := time.UTC
	if b.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(b.TimeZone); err != nil {
			return budget.Limits{}, err
		}
	}
	l := budget.Limits{Soft: b.Soft, Hard: b.Hard}
	switch b.Period {
	case "", "month":
		l.Period = budget.Monthly(loc)
	case "day":
		l.Period = budget.Daily(loc)
	default:
		return budget.Limits{}, fmt.Errorf("period %q: want day or month", b.Period)
	}
	switch b.OnHard {
	case "", "fallback":
		l.OnHard = budget.Fallback(fallback)
	case "stop":
		l.OnHard = budget.Stop()
	default:
		return budget.Limits{}, fmt.Errorf("on_hard %q: want fallback or stop", b.OnHard)
	}
	if b.Hard.IsZero() {
		return budget.Limits{}, errors.New("hard: set calls, tokens or cost")
	}
	return l, nil
}
