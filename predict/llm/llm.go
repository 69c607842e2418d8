package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/caseagent/caseagent/predict"
	"github.com/tmc/langchaingo/llms"
)

// Mode is how the answer's schema is put to the model. It is a value,
// safe for concurrent use.
type Mode int

const (
	// ModeTool sends the schema as a tool the model is forced to call,
	// where the provider supports forcing: OpenAI and compatible servers
	// (Ollama ignores it), and Anthropic when the client was built with
	// HTTPClient, which adds the tool_choice the langchaingo client does
	// not send. Elsewhere the prompt asks for the call. The default.
	ModeTool Mode = iota
	// ModeJSON asks for a JSON object (the provider's JSON mode) and
	// states the schema in the prompt.
	ModeJSON
	// ModeText states the schema in the prompt and asks for JSON, for
	// models with neither tools nor a JSON mode.
	ModeText
)

// String names the mode.
func (m Mode) String() string {
	switch m {
	case ModeTool:
		return "tool"
	case ModeJSON:
		return "json"
	case ModeText:
		return "text"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// RetryPolicy says how failed calls are retried: rate limits (honouring
// Retry-After), server errors, timeouts and network failures, with
// exponential backoff and jitter, within a number of attempts and a total
// time. Errors that retrying cannot fix are returned at once. It is plain
// data, safe to copy and share.
type RetryPolicy struct {
	// MaxAttempts caps the calls per model request, first one included.
	MaxAttempts int
	// MaxElapsed caps the time spent on one model request, waits
	// included; a wait that would pass it is not started.
	MaxElapsed time.Duration
	// BaseDelay is the first backoff; each retry doubles it.
	BaseDelay time.Duration
	// MaxDelay caps one backoff (not a Retry-After the provider asked
	// for, which is honoured as long as MaxElapsed allows).
	MaxDelay time.Duration
	// AttemptTimeout, when set, bounds each call; a call that runs out
	// of it is retried like a server error.
	AttemptTimeout time.Duration
}

// DefaultRetryPolicy is the policy of a Predictor built without
// WithRetry.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, MaxElapsed: 90 * time.Second, BaseDelay: 500 * time.Millisecond, MaxDelay: 20 * time.Second}
}

// Clock tells time and waits; tests pass a fake one so that nothing
// sleeps for real. Implementations must be safe for concurrent use.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Defaults of a Predictor.
const (
	// DefaultTokenBudget is the conversation's share of the prompt, in
	// tokens, before it is cut.
	DefaultTokenBudget = 6000
	// DefaultMaxTokens caps the tokens of an answer.
	DefaultMaxTokens = 1024
)

type config struct {
	name       string
	mode       Mode
	prices     map[string]Price
	retry      RetryPolicy
	clock      Clock
	jitter     func(time.Duration) time.Duration
	budget     int
	count      func(string) int
	cacheSize  int
	maxTokens  int
	maxAnswer  int
	callOpts   []llms.CallOption
	logger     *slog.Logger
	dropReport func(predict.Drop)
}

// Option configures a Predictor; options are applied once, by New.
type Option func(*config) error

// WithModelName names the model: the name is what Result.Predictor says
// and what the price table is looked up by.
func WithModelName(name string) Option {
	return func(c *config) error { c.name = name; return nil }
}

// WithMode chooses how the schema is put to the model (default ModeTool).
func WithMode(m Mode) Option {
	return func(c *config) error {
		if m < ModeTool || m > ModeText {
			return fmt.Errorf("%w: unknown mode %d", ErrBadOption, int(m))
		}
		c.mode = m
		return nil
	}
}

// WithPrices sets the price table, by model name (see WithModelName).
// Usage of a model not in the table costs zero.
func WithPrices(prices map[string]Price) Option {
	return func(c *config) error {
		c.prices = make(map[string]Price, len(prices))
		for k, p := range prices {
			if p.PromptPer1K < 0 || p.CompletionPer1K < 0 {
				return fmt.Errorf("%w: negative price for %s", ErrBadOption, k)
			}
			c.prices[k] = p
		}
		return nil
	}
}

// WithRetry sets the retry policy. Zero fields take the defaults' values;
// MaxAttempts 1 turns retries off.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxAttempts < 0 || p.MaxElapsed < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.AttemptTimeout < 0 {
			return fmt.Errorf("%w: negative retry setting", ErrBadOption)
		}
		d := DefaultRetryPolicy()
		if p.MaxAttempts == 0 {
			p.MaxAttempts = d.MaxAttempts
		}
		if p.MaxElapsed == 0 {
			p.MaxElapsed = d.MaxElapsed
		}
		if p.BaseDelay == 0 {
			p.BaseDelay = d.BaseDelay
		}
		if p.MaxDelay == 0 {
			p.MaxDelay = d.MaxDelay
		}
		c.retry = p
		return nil
	}
}

// WithClock sets the clock that backoff waits on (default: real time).
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return fmt.Errorf("%w: nil clock", ErrBadOption)
		}
		c.clock = clk
		return nil
	}
}

// WithJitter sets the source of backoff jitter: given n > 0 it returns a
// duration in [0, n). The default is uniformly random.
func WithJitter(f func(n time.Duration) time.Duration) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("%w: nil jitter", ErrBadOption)
		}
		c.jitter = f
		return nil
	}
}

// WithTokenBudget sets how many tokens of conversation a prompt may carry
// (default DefaultTokenBudget). Longer conversations keep the first
// customer message and the newest messages; one overlong message is cut
// in the middle. Zero or less means no limit.
func WithTokenBudget(n int) Option {
	return func(c *config) error { c.budget = n; return nil }
}

// WithTokenCounter replaces EstimateTokens, for example with the model's
// own tokenizer. It must be safe for concurrent use.
func WithTokenCounter(f func(string) int) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("%w: nil token counter", ErrBadOption)
		}
		c.count = f
		return nil
	}
}

// WithCacheSize sets how many answers are remembered so that an
// identical request is answered without a model call (default
// DefaultCacheSize; zero turns the cache off).
func WithCacheSize(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("%w: negative cache size", ErrBadOption)
		}
		c.cacheSize = n
		return nil
	}
}

// WithMaxTokens caps the tokens of an answer (default DefaultMaxTokens).
func WithMaxTokens(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: max tokens must be positive", ErrBadOption)
		}
		c.maxTokens = n
		return nil
	}
}

// WithMaxAnswerBytes caps the size of an answer read from the model
// (default DefaultMaxAnswerBytes); a larger one is treated as broken.
func WithMaxAnswerBytes(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: max answer bytes must be positive", ErrBadOption)
		}
		c.maxAnswer = n
		return nil
	}
}

// WithCallOptions adds langchaingo call options to every call (a model
// name, a seed, ...). The predictor's own (tools, JSON mode, temperature
// 0, max tokens) come after them and win.
func WithCallOptions(opts ...llms.CallOption) Option {
	return func(c *config) error { c.callOpts = append(c.callOpts, opts...); return nil }
}

// WithLogger sets the logger (default: discard). Dropped values are
// logged at debug level with the reason, never with message text.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrBadOption)
		}
		c.logger = l
		return nil
	}
}

// WithDropReport has f called for every value the guards dropped, with
// the reason, for audit and evaluation. f must be safe for concurrent
// use.
func WithDropReport(f func(predict.Drop)) Option {
	return func(c *config) error { c.dropReport = f; return nil }
}

// Predictor predicts case fields with one structured call of a
// langchaingo model per request. It is safe for concurrent use.
type Predictor struct {
	model  llms.Model
	cfg    config
	cache  *cache
	flight flight
}

var _ predict.Predictor = (*Predictor)(nil)

// New returns a Predictor on model. For the OpenAI and Anthropic clients,
// build the model with HTTPClient (openai.WithHTTPClient(llm.HTTPClient(nil, 0)))
// so that errors carry HTTP status and Retry-After and answers are
// size-limited.
func New(model llms.Model, opts ...Option) (*Predictor, error) {
	if model == nil {
		return nil, ErrNilModel
	}
	cfg := config{
		mode:      ModeTool,
		retry:     DefaultRetryPolicy(),
		clock:     realClock{},
		jitter:    func(n time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(n))) },
		budget:    DefaultTokenBudget,
		count:     EstimateTokens,
		cacheSize: DefaultCacheSize,
		maxTokens: DefaultMaxTokens,
		maxAnswer: DefaultMaxAnswerBytes,
		logger:    slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Predictor{model: model, cfg: cfg, cache: newCache(cfg.cacheSize)}, nil
}

// name is what Result.Predictor says.
func (p *Predictor) name() string {
	if p.cfg.name == "" {
		return "llm"
	}
	return "llm:" + p.cfg.name
}

// Predict implements predict.Predictor. It asks the model once for all
// requested fields it can ask about (a second time only to repair an
// answer that breaks the schema, and not at all when an identical
// request was answered before), then keeps only what passes the guards.
// Contact lookups are answered by the channel when it authenticated the
// customer, and left alone without a directory.
func (p *Predictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrBadRequest)
	}
	specs, err := specsOf(req.Fields)
	if err != nil {
		return nil, err
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: p.name()}
	ask := specs[:0:0]
	for _, s := range specs {
		switch {
		case s.contacts && req.Customer.Authenticated():
			res.Predictions[s.Name] = predict.Prediction{Value: req.Customer.ContactID, Confidence: 1}
		case s.contacts && req.Directory == nil:
		default:
			ask = append(ask, s)
		}
	}
	if len(ask) == 0 || len(req.Messages) == 0 {
		return res, nil
	}
	pr := p.build(req, ask)
	key := cacheKey(pr)
	a, hit := p.cache.get(key)
	if !hit {
		a, _, err = p.flight.do(ctx, key, func() (*answer, error) {
			a, u, err := p.ask(ctx, pr, ask)
			res.Usage = u
			if err == nil {
				p.cache.put(key, a)
			}
			return a, err
		})
		if err != nil {
			return nil, err
		}
	}
	kept, drops, err := guard(ctx, req, ask, a)
	if err != nil {
		return nil, err
	}
	for _, d := range drops {
		p.cfg.logger.DebugContext(ctx, "llm: dropped value", "field", d.Field, "reason", d.Reason)
		if p.cfg.dropReport != nil {
			p.cfg.dropReport(d)
		}
	}
	for k, v := range kept {
		res.Predictions[k] = v
	}
	return res, nil
}

// build renders the prompt of a request.
func (p *Predictor) build(req *predict.Request, specs []spec) *prompt {
	schema := buildSchema(specs)
	// The fence's name hashes everything the data section shows.
	var seed []string
	for i := range req.Messages {
		m := &req.Messages[i]
		seed = append(seed, string(m.Role), m.From.String(), m.Subject, m.Text, m.Signature)
	}
	seed = append(seed, knownText(req, specs))
	n := nonce(seed...)
	user, omitted := buildUser(req, specs, n, p.cfg.budget, p.cfg.count)
	return &prompt{system: systemText(specs, n, p.cfg.mode, schema), schema: schema, user: user, omitted: omitted}
}

// PromptOverhead is the size in tokens (by the configured counter) of
// everything a request for fields sends besides the conversation and the
// known values: instructions, field descriptions and options, the schema
// (as tool definition or in the text), and the data fence. Contact
// lookups are counted as asked for.
func (p *Predictor) PromptOverhead(fields []predict.Field) (int, error) {
	specs, err := specsOf(fields)
	if err != nil {
		return 0, err
	}
	pr := p.build(&predict.Request{Fields: fields}, specs)
	n := p.cfg.count(pr.system) + p.cfg.count(pr.user)
	if p.cfg.mode == ModeTool {
		n += p.cfg.count(ToolName) + p.cfg.count(toolDescription) + p.cfg.count(string(pr.schema))
	}
	return n, nil
}

func (p *Predictor) callOptions() []llms.CallOption {
	opts := append([]llms.CallOption(nil), p.cfg.callOpts...)
	opts = append(opts, llms.WithTemperature(0), llms.WithMaxTokens(p.cfg.maxTokens))
	return opts
}

// firstCall returns the call options and messages of a prompt's first
// call: the tool forced (or JSON mode) as the predictor's mode says, the
// system text, then the user's.
func (p *Predictor) firstCall(pr *prompt, tool, description string) ([]llms.CallOption, []llms.MessageContent) {
	opts := p.callOptions()
	switch p.cfg.mode {
	case ModeTool:
		opts = append(opts,
			llms.WithTools([]llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{Name: tool, Description: description, Parameters: pr.schema}}}),
			llms.WithToolChoice(llms.ToolChoice{Type: "function", Function: &llms.FunctionReference{Name: tool}}))
	case ModeJSON:
		opts = append(opts, llms.WithJSONMode())
	}
	return opts, []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, pr.system),
		llms.TextParts(llms.ChatMessageTypeHuman, pr.user),
	}
}

// ask makes the call (and the repair call when needed) and returns the
// validated answer.
func (p *Predictor) ask(ctx context.Context, pr *prompt, specs []spec) (*answer, predict.Usage, error) {
	var usage predict.Usage
	opts, msgs := p.firstCall(pr, ToolName, toolDescription)
	resp, err := p.generate(ctx, msgs, opts)
	if err != nil {
		return nil, usage, err
	}
	p.count(&usage, pr, msgs, resp)
	raw, xerr := extract(resp, p.cfg.maxAnswer)
	var a *answer
	var probs *problems
	if xerr != nil {
		probs = &problems{fatal: xerr.Error()}
	} else {
		a, probs = validate(raw, specs)
	}
	if !probs.needRepair() {
		return a, usage, nil
	}
	p.cfg.logger.DebugContext(ctx, "llm: repairing answer", "problems", probs.String())
	prev := clip(raw, 4000)
	if prev == "" {
		prev = "(no answer)"
	}
	repair := append(msgs,
		llms.TextParts(llms.ChatMessageTypeAI, prev),
		llms.TextParts(llms.ChatMessageTypeHuman, "Your answer does not fit the schema:\n"+clip(probs.String(), 2000)+
			"\nSend the whole corrected answer. Use null for any field you cannot support with a quote."))
	resp2, err := p.generate(ctx, repair, opts)
	if err != nil {
		if a != nil && ctx.Err() == nil {
			// The repair failed; what was valid the first time stands.
			return a, usage, nil
		}
		return nil, usage, err
	}
	p.count(&usage, pr, repair, resp2)
	raw2, xerr2 := extract(resp2, p.cfg.maxAnswer)
	if xerr2 != nil {
		if a == nil {
			return nil, usage, fmt.Errorf("%w (after repair: %v)", xerr, xerr2)
		}
		return a, usage, nil
	}
	a2, probs2 := validate(raw2, specs)
	if a2 == nil {
		if a == nil {
			return nil, usage, fmt.Errorf("%w: %s", ErrInvalidAnswer, clip(probs2.fatal, 200))
		}
		return a, usage, nil
	}
	return merge(a2, a), usage, nil
}

// merge keeps what the repaired answer says and falls back to the first
// answer's valid values for fields the repair left out or broke.
func merge(repaired, first *answer) *answer {
	if first == nil {
		return repaired
	}
	for k, v := range first.Values {
		if _, ok := repaired.Values[k]; ok || repaired.Abstained[k] {
			continue
		}
		repaired.Values[k] = v
		repaired.Confidence[k] = first.Confidence[k]
		repaired.Evidence[k] = first.Evidence[k]
	}
	return repaired
}

// count adds a call's usage to u: as the provider reported it, or
// measured with the token counter when it reported none.
func (p *Predictor) count(u *predict.Usage, pr *prompt, msgs []llms.MessageContent, resp *llms.ContentResponse) {
	cu := p.measured(usageOf(resp), pr, msgs, resp)
	cu.Calls = 1
	if pr, ok := p.cfg.prices[p.cfg.name]; ok {
		cu.Cost = pr.Cost(cu)
	}
	u.Add(cu)
}

// generate calls the model, retrying what the policy allows.
func (p *Predictor) generate(ctx context.Context, msgs []llms.MessageContent, opts []llms.CallOption) (*llms.ContentResponse, error) {
	pol := p.cfg.retry
	forceTool := ""
	if p.cfg.mode == ModeTool {
		forceTool = ToolName
	}
	start := p.cfg.clock.Now()
	for attempt := 1; ; attempt++ {
		rec := &record{forceTool: forceTool}
		actx := withRecord(ctx, rec)
		cancel := func() {}
		if pol.AttemptTimeout > 0 {
			actx, cancel = context.WithTimeout(actx, pol.AttemptTimeout)
		}
		resp, err := p.model.GenerateContent(actx, msgs, opts...)
		attemptTimedOut := actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil && (resp == nil || len(resp.Choices) == 0) {
			err = ErrEmptyAnswer
		}
		if err == nil {
			return resp, nil
		}
		e := classify(ctx, err, rec, p.cfg.clock.Now())
		if attemptTimedOut {
			e.Retryable = true
			e.Err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		e.Attempts = attempt
		if !e.Retryable || attempt >= pol.MaxAttempts || ctx.Err() != nil {
			return nil, e
		}
		d := p.backoff(attempt, e.RetryAfter)
		now := p.cfg.clock.Now()
		if now.Add(d).Sub(start) > pol.MaxElapsed {
			return nil, e
		}
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			return nil, e
		}
		p.cfg.logger.DebugContext(ctx, "llm: retrying", "attempt", attempt, "status", e.StatusCode, "wait", d)
		if err := p.cfg.clock.Sleep(ctx, d); err != nil {
			e.Err = errors.Join(err, e.Err)
			e.Retryable = errors.Is(err, context.DeadlineExceeded)
			return nil, e
		}
	}
}

// backoff is the wait before retry number attempt: exponential from
// BaseDelay, capped at MaxDelay, half of it jittered; never less than
// what the provider asked for in Retry-After.
func (p *Predictor) backoff(attempt int, retryAfter time.Duration) time.Duration {
	pol := p.cfg.retry
	d := pol.BaseDelay
	for i := 1; i < attempt && d < pol.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, pol.MaxDelay)
	if half := d / 2; half > 0 {
		d = half + p.cfg.jitter(half)
	}
	if retryAfter > 0 {
		j := time.Duration(0)
		if tenth := retryAfter / 10; tenth > 0 {
			j = p.cfg.jitter(tenth)
		}
		d = max(d, retryAfter+j)
	}
	return d
}
