package llm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// ResolverToolName is the name of the tool a Resolver asks the model to
// call with its decision.
const ResolverToolName = "record_resolution"

// DefaultResolverArticles is how many retrieved articles a Resolver shows
// the model at most.
const DefaultResolverArticles = 3

type resolverConfig struct {
	modelOpts []Option
	articles  int
	review    bool
	report    func(context.Context, *Resolution)
}

// ResolverOption configures a Resolver; options are applied once, by
// NewResolver.
type ResolverOption func(*resolverConfig) error

// WithModelOptions applies Predictor options to the Resolver's model
// calls: WithModelName, WithMode, WithPrices, WithRetry, WithClock,
// WithJitter, WithTokenBudget (of the conversation), WithTokenCounter,
// WithMaxTokens, WithMaxAnswerBytes, WithCallOptions and WithLogger mean
// the same as for a Predictor. WithCacheSize and WithDropReport have no
// effect: decisions are not cached, and what a Resolver drops is in its
// Resolution.
func WithModelOptions(opts ...Option) ResolverOption {
	return func(c *resolverConfig) error { c.modelOpts = append(c.modelOpts, opts...); return nil }
}

// WithResolverArticles sets how many of the retrieved articles the model
// is shown, best first (default DefaultResolverArticles).
func WithResolverArticles(n int) ResolverOption {
	return func(c *resolverConfig) error {
		if n < 1 {
			return fmt.Errorf("%w: resolver articles %d is less than 1", ErrBadOption, n)
		}
		c.articles = n
		return nil
	}
}

// WithResolverReview marks every decision with a message as needing a
// person's review, whatever the model says.
func WithResolverReview() ResolverOption {
	return func(c *resolverConfig) error { c.review = true; return nil }
}

// WithResolutionReport has f called with the Resolution of every Resolve
// call that returns a decision (its usage, the citations dropped, a
// refusal), so that a caller of the plain resolve.Resolver interface can
// record what the model cost. f must be safe for concurrent use.
func WithResolutionReport(f func(context.Context, *Resolution)) ResolverOption {
	return func(c *resolverConfig) error { c.report = f; return nil }
}

// Resolution is a Resolver's decision with what it took: the model calls'
// usage, the citations dropped, and why the model's answer was refused,
// if it was. It is plain data.
type Resolution struct {
	// Decision is the decision, already passed through resolve.Validate.
	Decision *resolve.Decision `json:"decision"`
	// Usage is what the model calls used (none when the decision needed
	// no call).
	Usage predict.Usage `json:"usage"`
	// Model names the model ("llm:" and its WithModelName).
	Model string `json:"model"`
	// Drops are the citations dropped because their article was not
	// shown to the model or their quote does not occur in it.
	Drops []knowledge.CitationDrop `json:"drops,omitempty"`
	// Refused says why the model's answer was refused and replaced by
	// UnableToResolve for review (it followed an instruction in the
	// customer's text, or it names a link or an address no article
	// gives); empty when it was not.
	Refused string `json:"refused,omitempty"`
	// Instructions is set when the customer's text holds instructions
	// addressed to the system (see package predict/instruct); the
	// decision then needs review.
	Instructions bool `json:"instructions,omitempty"`
}

// Resolver is a resolve.Resolver on any langchaingo model: one forced
// tool call per decision (two with a repair), whose answer is validated,
// guarded against instructions in the customer's text, and passed
// through resolve.Validate. It is safe for concurrent use.
type Resolver struct {
	p   *Predictor
	cfg resolverConfig
}

var _ resolve.Resolver = (*Resolver)(nil)

// NewResolver returns a Resolver on model. Build the OpenAI and Anthropic
// clients with HTTPClient, as for New.
func NewResolver(model llms.Model, opts ...ResolverOption) (*Resolver, error) {
	if model == nil {
		return nil, ErrNilModel
	}
	cfg := resolverConfig{articles: DefaultResolverArticles}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	p, err := New(resolverModel{model}, append(slices.Clone(cfg.modelOpts), WithCacheSize(0))...)
	if err != nil {
		return nil, err
	}
	return &Resolver{p: p, cfg: cfg}, nil
}

// resolverModel makes the calls of the Predictor's retry loop force the
// resolver's tool rather than the predictor's, where the transport adds
// tool_choice (Anthropic through HTTPClient).
type resolverModel struct{ llms.Model }

func (m resolverModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	if rec, ok := ctx.Value(recordKey{}).(*record); ok && rec.forceTool != "" {
		// rec is the record of this one attempt, made for it alone.
		rec.forceTool = ResolverToolName
	}
	return m.Model.GenerateContent(ctx, msgs, opts...)
}

// Resolve implements resolve.Resolver; see ResolveDetailed.
func (r *Resolver) Resolve(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
	res, err := r.ResolveDetailed(ctx, req)
	if err != nil {
		return nil, err
	}
	d := res.Decision
	if d != nil {
		u := res.Usage
		d.Usage, d.Model = &u, res.Model
	}
	return d, nil
}

// ResolveDetailed decides for req and says what it took:
//
//   - no intent: UnableToResolve ("intent not identified"), without a call;
//   - otherwise the model is asked once (twice when its answer breaks the
//     schema) for a decision among the kinds the request allows: Question
//     only for the intent's missing attributes, Resolved only when nothing
//     is missing and an article was retrieved, and UnableToResolve,
//     NoAction or ResolveCase;
//   - an answer that follows an instruction in the customer's text
//     (repeats its words, or resolves or drops the case the customer's
//     text ordered), or that gives a link or e-mail address found in no
//     article shown, is refused: UnableToResolve for review;
//   - citations of articles the model was not shown, and quotes that do
//     not occur in their article, are dropped (and a message that had
//     one needs review), and resolve.Validate has the last word: an answer
//     without a valid citation becomes UnableToResolve for review.
//
// Errors are those of the model call (*Error), an answer that cannot be
// read even after the repair round (wrapping ErrInvalidAnswer), a nil
// request (wrapping resolve.ErrInvalid) and the context's.
func (r *Resolver) ResolveDetailed(ctx context.Context, req *resolve.Request) (*Resolution, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", resolve.ErrInvalid)
	}
	res := &Resolution{Model: r.p.name()}
	switch {
	case req.Intent == nil:
		res.Decision = &resolve.Decision{Kind: resolve.UnableToResolve, Reason: "intent not identified"}
	case strings.TrimSpace(resolve.CustomerText(req.Messages)) == "":
		res.Decision = &resolve.Decision{Kind: resolve.UnableToResolve, Reason: "the customer wrote nothing to resolve"}
	default:
		if err := r.decide(ctx, req, res); err != nil {
			return nil, err
		}
	}
	if r.cfg.report != nil {
		r.cfg.report(ctx, res)
	}
	return res, nil
}

// decide asks the model and guards its answer.
func (r *Resolver) decide(ctx context.Context, req *resolve.Request, res *Resolution) error {
	f := newFrame(req, r.cfg.articles)
	pr := r.build(f)
	d, err := r.ask(ctx, pr, f, &res.Usage)
	if err != nil {
		return err
	}
	g := newResolveGuard(req, f)
	res.Instructions = g.found()
	if why := g.refuse(d); why != "" {
		r.p.cfg.logger.DebugContext(ctx, "llm: refused resolution", "kind", string(d.Kind), "reason", why)
		res.Refused = why
		d = &resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true, Reason: "the model's answer was refused: " + why}
	}
	if d.Message != "" && (r.cfg.review || res.Instructions) {
		d.NeedsReview = true
	}
	// Only what the model was shown may be cited.
	kept, drops := knowledge.ValidateCitations(d.Citations, f.articles())
	d.Citations = kept
	d.Links = f.links(kept)
	if len(drops) > 0 && d.Message != "" {
		// A model that invented a quote may have invented what it
		// supports: a person reads the message first.
		d.NeedsReview = true
	}
	checked, more := resolve.Validate(req, d)
	res.Drops = append(drops, more...)
	for _, dr := range res.Drops {
		r.p.cfg.logger.DebugContext(ctx, "llm: dropped citation", "article", dr.ArticleID, "reason", dr.Reason)
	}
	res.Decision = checked
	return nil
}

// ask makes the call, and the repair call when the answer breaks the
// schema, and returns the decision read from the answer.
func (r *Resolver) ask(ctx context.Context, pr *prompt, f *frame, usage *predict.Usage) (*resolve.Decision, error) {
	p := r.p
	opts, msgs := p.firstCall(pr, ResolverToolName, resolverToolDescription)
	resp, err := p.generate(ctx, msgs, opts)
	if err != nil {
		return nil, err
	}
	p.count(usage, pr, msgs, resp)
	raw, xerr := extractDecision(resp, p.cfg.maxAnswer)
	var d *resolve.Decision
	var probs []string
	if xerr != nil {
		probs = []string{xerr.Error()}
	} else {
		d, probs = f.validate(raw)
	}
	if len(probs) == 0 {
		return d, nil
	}
	p.cfg.logger.DebugContext(ctx, "llm: repairing resolution", "problems", strings.Join(probs, "; "))
	prev := clip(raw, 4000)
	if prev == "" {
		prev = "(no answer)"
	}
	repair := append(msgs,
		llms.TextParts(llms.ChatMessageTypeAI, prev),
		llms.TextParts(llms.ChatMessageTypeHuman, "Your answer does not fit the schema:\n"+clip(strings.Join(probs, "\n"), 2000)+
			"\nSend the whole corrected answer. Choose unable_to_resolve when the articles do not answer the customer."))
	resp2, err := p.generate(ctx, repair, opts)
	if err != nil {
		if ctx.Err() == nil && d != nil {
			return unfit(probs), nil
		}
		return nil, err
	}
	p.count(usage, pr, repair, resp2)
	raw2, xerr2 := extractDecision(resp2, p.cfg.maxAnswer)
	if xerr2 != nil {
		if d == nil {
			return nil, fmt.Errorf("%w (after repair: %v)", firstErr(xerr, probs), xerr2)
		}
		return unfit(probs), nil
	}
	d2, probs2 := f.validate(raw2)
	switch {
	case len(probs2) == 0:
		return d2, nil
	case d2 == nil && d == nil:
		return nil, fmt.Errorf("%w: %s", ErrInvalidAnswer, clip(strings.Join(probs2, "; "), 200))
	}
	return unfit(probs2), nil
}

func firstErr(xerr error, probs []string) error {
	if xerr != nil {
		return xerr
	}
	return fmt.Errorf("%w: %s", ErrInvalidAnswer, clip(strings.Join(probs, "; "), 200))
}

// unfit is the decision for an answer that still breaks the schema after
// the repair round: a person takes over.
func unfit(probs []string) *resolve.Decision {
	return &resolve.Decision{Kind: resolve.UnableToResolve, NeedsReview: true,
		Reason: "the model's answer does not fit the schema: " + clip(strings.Join(probs, "; "), 300)}
}

// extractDecision is extract for the resolver's tool: a call of
// ResolverToolName is preferred to any other.
func extractDecision(resp *llms.ContentResponse, maxBytes int) (string, error) {
	if resp != nil {
		for _, c := range resp.Choices {
			if c == nil {
				continue
			}
			for _, tc := range c.ToolCalls {
				if tc.FunctionCall != nil && tc.FunctionCall.Name == ResolverToolName && strings.TrimSpace(tc.FunctionCall.Arguments) != "" {
					if len(tc.FunctionCall.Arguments) > maxBytes {
						return "", fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(tc.FunctionCall.Arguments), maxBytes)
					}
					return tc.FunctionCall.Arguments, nil
				}
			}
		}
	}
	return extract(resp, maxBytes)
}

// EstimateUsage tells what one Resolve of req will use at most, short of
// a repair round: nothing when the model will not be asked (no intent,
// nothing the customer wrote); otherwise one call, the prompt as it will
// be sent, counted with the configured counter, and an answer at the
// token cap (WithMaxTokens), priced from the price table. A caller with
// a spending budget reserves it while the call runs.
func (r *Resolver) EstimateUsage(req *resolve.Request) predict.Usage {
	if req == nil || req.Intent == nil || strings.TrimSpace(resolve.CustomerText(req.Messages)) == "" {
		return predict.Usage{}
	}
	pr := r.build(newFrame(req, r.cfg.articles))
	cfg := &r.p.cfg
	u := predict.Usage{Calls: 1, CompletionTokens: cfg.maxTokens}
	u.PromptTokens = 2*tokensPerMessage + tokensPerReply + cfg.count(pr.system) + cfg.count(pr.user)
	if cfg.mode == ModeTool {
		u.PromptTokens += cfg.count(ResolverToolName) + cfg.count(resolverToolDescription) + cfg.count(string(pr.schema))
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if price, ok := cfg.prices[cfg.name]; ok {
		u.Cost = price.Cost(u)
	}
	return u
}
