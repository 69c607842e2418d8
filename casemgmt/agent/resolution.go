package agent

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// TriggerResolution names resolution runs in interaction records.
const TriggerResolution = "resolution"

// Meta keys resolution keeps on a case.
const (
	// MetaIntent is the identified intent, when the schema has no intent
	// field.
	MetaIntent = "resolution.intent"
	// MetaResolution is where resolution stands: "asked" (waiting for
	// what is missing), "proposed" (waiting for the customer's verdict on
	// an answer), "handed_over" or "resolved".
	MetaResolution = "resolution.state"
	// MetaQuestions counts the questions asked.
	MetaQuestions = "resolution.questions"
	// MetaAsked is what the last question asked and after which message,
	// so that the agent never asks again without new information.
	MetaAsked = "resolution.asked"
	// MetaSummary is what resolution tried, for the person it hands over
	// to.
	MetaSummary = "resolution.summary"
	// metaAttr prefixes the answers to free questions.
	metaAttr = "resolution.attr."
)

// States of MetaResolution.
const (
	ResolutionAsked      = "asked"
	ResolutionProposed   = "proposed"
	ResolutionHandedOver = "handed_over"
	ResolutionResolved   = "resolved"
)

// WithResolver sets the resolver of every intent that has none of its
// own (default: resolve.NewDefault(), the offline resolver).
func WithResolver(r resolve.Resolver) Option { return func(a *Agent) { a.resolver = r } }

// WithIntentResolver sets the resolver of one intent: a host's own code,
// answering Question, Resolved, UnableToResolve, NoAction or ResolveCase.
// The agent acts on its decisions as on any other, with the same checks.
func WithIntentResolver(intent string, r resolve.Resolver) Option {
	return func(a *Agent) {
		if a.intentResolvers == nil {
			a.intentResolvers = map[string]resolve.Resolver{}
		}
		a.intentResolvers[intent] = r
	}
}

// WithKnowledge sets where answers come from. The default is the store's
// articles when the store keeps them (knowledge.Store), else none: the
// agent then only asks and hands over.
func WithKnowledge(r knowledge.Retriever) Option { return func(a *Agent) { a.retriever = r } }

// ResolutionOutcome is what resolution did in a run. It is plain data.
type ResolutionOutcome struct {
	// Line is the line of business of the case, and Automation the level
	// the run used.
	Line       string `json:"line"`
	Automation string `json:"automation"`
	// Intent is the identified intent, "" when none was.
	Intent           string  `json:"intent,omitempty"`
	IntentConfidence float64 `json:"intent_confidence,omitempty"`
	// Decision is the resolver's decision after resolve.Validate; Dropped
	// are the citations Check refused.
	Decision *resolve.Decision        `json:"decision,omitempty"`
	Dropped  []knowledge.CitationDrop `json:"dropped,omitempty"`
	// Message is the message of the decision: sent (Sent), drafted for a
	// person (Draft), or, in a live chat, for the host to post.
	Message *channel.Outgoing `json:"message,omitempty"`
	Sent    bool              `json:"sent,omitempty"`
	Draft   *Draft            `json:"draft,omitempty"`
	// HandedOver says that the case went to a person; Summary says what
	// was tried.
	HandedOver bool   `json:"handed_over,omitempty"`
	Summary    string `json:"summary,omitempty"`
	// Reason says why nothing was done, when nothing was.
	Reason string `json:"reason,omitempty"`
}

// resolutionWork is what one resolution pass decided, before it is
// written.
type resolutionWork struct {
	out    *ResolutionOutcome
	c      *casemgmt.Case
	audit  []casemgmt.AuditEntry
	in     *casemgmt.Interaction
	msg    *channel.Outgoing // to deliver after the write
	draft  bool
	events []casemgmt.Event // for the change feed, with the write
}

// resolveCase runs resolution on case c after the run's prediction, with
// the run's conversation: it identifies the intent, asks for what is
// missing, proposes an answer from the knowledge base or hands the case
// to a person, as the case's line of business allows. automation, when
// not empty, overrides the line's level. It returns nil when resolution
// does not apply.
func (r *run) resolveCase(ctx context.Context, caseID string, automation string) (*ResolutionOutcome, *casemgmt.Case, error) {
	a := r.a
	if len(a.cfg.Resolution.Lines) == 0 {
		return nil, nil, nil
	}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, nil, err
		}
		w, err := r.decideResolution(ctx, c, automation)
		if err != nil || w == nil {
			return nil, c, err
		}
		if w.in.Outcome == "" {
			w.in.Outcome = casemgmt.OutcomeUpdated
		}
		if a.shadowIn(ctx) {
			w.out.Message = w.msg
			w.in.Outcome, w.in.Reason = casemgmt.OutcomeShadow, "would have: "+w.in.Reason
			return w.out, w.c, a.record(ctx, w.in)
		}
		if len(w.audit) == 0 {
			return w.out, w.c, a.record(ctx, w.in)
		}
		err = a.store.UpdateCase(ctx, w.c, casemgmt.Write{Time: a.now(), Audit: w.audit, Interaction: w.in, Events: w.events})
		if again, err := a.retryable(ctx, attempt, err); again {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		if w.msg != nil && !w.draft {
			if err := r.deliver(ctx, w); err != nil {
				return w.out, w.c, err
			}
		}
		return w.out, w.c, nil
	}
}

// decideResolution works out what resolution does for c, on a copy of c
// it changes; nil when resolution does not apply.
func (r *run) decideResolution(ctx context.Context, c *casemgmt.Case, automation string) (*resolutionWork, error) {
	a := r.a
	if !c.Status.Open() {
		return nil, nil
	}
	switch c.Meta[MetaResolution] {
	case ResolutionHandedOver, ResolutionResolved, ResolutionProposed:
		// A person has it, it is done, or the customer's verdict on the
		// answer is awaited (see customerReplied).
		return nil, nil
	}
	lob := r.lineOf(ctx, c)
	if lob == nil {
		return nil, nil
	}
	if automation == "" {
		automation = lob.Automation
	}
	if automation == AutomationOff {
		return nil, nil
	}
	// Resolution messages greet the case's contact by name.
	if to, err := a.contactAddress(ctx, c); err == nil {
		r.contact = to.Name
	}
	w := &resolutionWork{c: c, out: &ResolutionOutcome{Line: lob.Name, Automation: automation},
		in: &casemgmt.Interaction{CaseID: c.ID, ConversationID: r.in.ConversationID, MessageIDs: r.in.MessageIDs,
			Trigger: TriggerResolution, Actor: a.actor(), Time: a.now()}}
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	intent, conf, err := r.identify(ctx, c, w)
	if err != nil {
		return nil, err
	}
	now := a.now()
	if intent == nil {
		return w, r.unidentified(c, w, now)
	}
	w.out.Intent, w.out.IntentConfidence = intent.Name, conf
	req, err := r.resolveRequest(ctx, c, intent, conf)
	if err != nil {
		return nil, err
	}
	resolver := a.resolver
	if ir, ok := a.intentResolvers[intent.Name]; ok {
		resolver = ir
	}
	d, err := resolver.Resolve(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("resolver of intent %s: %w", intent.Name, err)
	}
	if d != nil && d.Usage != nil {
		w.in.Usage.Add(*d.Usage)
		if d.Model != "" {
			w.in.Predictor = d.Model
		}
	}
	d, w.out.Dropped = resolve.Validate(req, d)
	w.out.Decision = d
	w.draft = automation == AutomationConfirm || d.NeedsReview
	return w, r.act(c, req, d, w, now)
}

// lineOf returns the line of business of c: the first whose condition
// holds, or nil.
func (r *run) lineOf(ctx context.Context, c *casemgmt.Case) *LineOfBusiness {
	a := r.a
	rv := a.ruleValues(c, c.Fields, r.conv)
	defer a.putRuleValues(rv)
	line, errs := a.rules.lines.First(rv)
	for _, e := range errs {
		a.log.WarnContext(ctx, "line of business condition failed", "rule", e.Rule, "err", e.Err)
	}
	if line == nil {
		return nil
	}
	return &a.cfg.Resolution.Lines[line.Action]
}

// identify returns the case's intent: the one identified before, or the
// predicted one when it is sure enough. It asks the predictor in the same
// call for the intent's attributes that are still unknown, and applies
// what it learns of them to w.c.
func (r *run) identify(ctx context.Context, c *casemgmt.Case, w *resolutionWork) (*resolve.Intent, float64, error) {
	a, cfg := r.a, &r.a.cfg.Resolution
	field := cfg.intentField()
	candidates := a.intentCandidates(ctx, c)
	if len(candidates) == 0 {
		return nil, 0, nil
	}
	known := c.Meta[MetaIntent]
	if v, ok := c.Fields[field].(string); ok && v != "" {
		known = v
	}
	var fields []predict.Field
	if known == "" {
		f := predict.Field{Name: field, Type: predict.TypeChoice,
			Description: "What the customer wants the organisation to do for them."}
		for _, in := range candidates {
			f.Options = append(f.Options, predict.Option{Value: in.Name, Description: in.Description})
		}
		fields = append(fields, f)
	}
	for _, in := range candidates {
		if known != "" && in.Name != known {
			continue
		}
		for _, at := range in.Attributes {
			if _, ok := c.Value(at.Name); ok || c.Meta[metaAttr+at.Name] != "" || hasField(fields, at.Name) {
				continue
			}
			if sf, ok := a.schema.Field(at.Name); ok {
				fields = append(fields, sf.PredictField())
			} else {
				desc := at.Question
				if desc == "" {
					desc = at.Label
				}
				fields = append(fields, predict.Field{Name: at.Name, Type: predict.TypeText, Description: desc})
			}
		}
	}
	var preds map[string]predict.Prediction
	// Without a conversation (resolution invoked on a stored case), the
	// case's description stands for the customer's words.
	msgs := r.resolutionMessages(c)
	if len(fields) > 0 && len(msgs) > 0 && strings.TrimSpace(msgs[len(msgs)-1].Text) != "" {
		req := &predict.Request{Fields: fields, Messages: msgs, Known: map[string]any(cloneValues(c.Fields)), Directory: a.dir}
		if r.conv != nil {
			req.Customer = r.conv.Customer
		}
		res, err := a.pred.Predict(ctx, req)
		if err != nil {
			return nil, 0, fmt.Errorf("identify the intent: %w", err)
		}
		if res != nil {
			w.in.Predictor = res.Predictor
			w.in.Usage.Add(res.Usage)
			preds, _ = predict.Validate(req, res)
		}
	}
	conf := 1.0
	if known == "" {
		p, ok := preds[field]
		min := cfg.MinConfidence
		if min == 0 {
			min = a.threshold(field)
		}
		if !ok || p.Confidence < min {
			if ok {
				w.in.Fields = append(w.in.Fields, casemgmt.FieldOutcome{Field: field, Value: p.Value, Confidence: p.Confidence, Evidence: p.Evidence,
					Reason: fmt.Sprintf("uncertain: confidence %.2f is below %.2f", p.Confidence, min)})
			}
			return nil, 0, nil
		}
		known, conf = p.Value.(string), p.Confidence
		w.in.Fields = append(w.in.Fields, casemgmt.FieldOutcome{Field: field, Value: known, Confidence: conf, Evidence: p.Evidence, Applied: true})
		if err := r.setIntent(ctx, c, field, p, w); err != nil {
			return nil, 0, err
		}
	}
	var intent *resolve.Intent
	for _, in := range candidates {
		if in.Name == known {
			intent = in
		}
	}
	if intent == nil {
		return nil, 0, nil
	}
	for _, at := range intent.Attributes {
		p, ok := preds[at.Name]
		if !ok || p.Confidence < a.threshold(at.Name) {
			continue
		}
		if a.schema.Has(at.Name) {
			res, err := a.schema.Apply(ctx, c, []casemgmt.Change{{Field: at.Name, Value: p.Value, Reason: "resolution of " + intent.Name,
				Provenance: casemgmt.Provenance{Actor: a.actor(), Confidence: p.Confidence, Evidence: p.Evidence, Rule: "resolution: " + intent.Name,
					MessageIDs: sourceIDs(msgs, p.Evidence)}}}, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: a.now()})
			if err != nil {
				continue
			}
			w.audit = append(w.audit, res.Audit...)
		} else if s, ok := p.Value.(string); ok {
			c.Meta[metaAttr+at.Name] = s
		}
		w.in.Fields = append(w.in.Fields, casemgmt.FieldOutcome{Field: at.Name, Value: p.Value, Confidence: p.Confidence, Evidence: p.Evidence, Applied: true})
	}
	return intent, conf, nil
}

func hasField(fs []predict.Field, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// setIntent writes the identified intent to the intent field or the
// case's metadata.
func (r *run) setIntent(ctx context.Context, c *casemgmt.Case, field string, p predict.Prediction, w *resolutionWork) error {
	a := r.a
	name := p.Value.(string)
	if !a.schema.Has(field) {
		c.Meta[MetaIntent] = name
		w.audit = append(w.audit, casemgmt.AuditEntry{CaseID: c.ID, Field: MetaIntent, New: name, Actor: a.actor(),
			Reason: "intent identified", Confidence: p.Confidence, Evidence: p.Evidence, Time: a.now()})
		return nil
	}
	res, err := a.schema.Apply(ctx, c, []casemgmt.Change{{Field: field, Value: name, Reason: "intent identified",
		Provenance: casemgmt.Provenance{Actor: a.actor(), Confidence: p.Confidence, Evidence: p.Evidence, Rule: "resolution"}}},
		casemgmt.ApplyOptions{Policy: a.cfg.Policy, Now: a.now()})
	if err != nil {
		return err
	}
	w.audit = append(w.audit, res.Audit...)
	return nil
}

// intentCandidates are the enabled intents whose condition holds for c.
func (a *Agent) intentCandidates(ctx context.Context, c *casemgmt.Case) []*resolve.Intent {
	rv := a.ruleValues(c, c.Fields, nil)
	defer a.putRuleValues(rv)
	matched, errs := a.rules.intents.All(rv)
	for _, e := range errs {
		a.log.WarnContext(ctx, "intent condition failed", "rule", e.Rule, "err", e.Err)
	}
	out := make([]*resolve.Intent, 0, len(matched))
	for _, m := range matched {
		ir := &a.cfg.Resolution.Intents[m.Action]
		out = append(out, &resolve.Intent{Name: ir.Name, Description: ir.Description, Attributes: ir.Attributes, Articles: ir.Articles})
	}
	return out
}

// resolveRequest gathers what the resolver decides from: the known values,
// the customer's messages, their language and the articles retrieved.
func (r *run) resolveRequest(ctx context.Context, c *casemgmt.Case, intent *resolve.Intent, conf float64) (*resolve.Request, error) {
	a := r.a
	known := map[string]any{}
	for k, v := range c.Fields {
		known[k] = v
	}
	for _, at := range intent.Attributes {
		if v := c.Meta[metaAttr+at.Name]; v != "" {
			known[at.Name] = v
		}
	}
	msgs := r.resolutionMessages(c)
	lang := r.language(c)
	intent = a.localIntent(intent, lang)
	req := &resolve.Request{Intent: intent, Confidence: conf, Known: known, Messages: msgs, Language: lang}
	if a.retriever != nil && len(req.Missing()) == 0 {
		q := resolve.Query(intent, msgs, lang)
		q.At = a.now()
		hits, err := a.retriever.Retrieve(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("retrieve articles: %w", err)
		}
		req.Hits = hits
	}
	return req, nil
}

// resolutionMessages are the messages resolution reads: the run's
// conversation, or, when the run has none (resolution invoked on a
// stored case), the case's description as the customer's words.
func (r *run) resolutionMessages(c *casemgmt.Case) []channel.Message {
	if r.conv != nil && len(r.conv.Messages) > 0 {
		return r.conv.Messages
	}
	text, _ := c.Fields["issue_description"].(string)
	if text == "" {
		text = c.Title
	}
	return []channel.Message{{ID: "case:" + c.ID, Role: channel.RoleCustomer, Text: text, Time: c.CreatedAt}}
}

// unidentified decides what to do when the intent is not known: ask the
// customer once, or hand over.
func (r *run) unidentified(c *casemgmt.Case, w *resolutionWork, now time.Time) error {
	cfg := &r.a.cfg.Resolution
	if cfg.Unidentified == UnidentifiedAsk && c.Meta[MetaQuestions] == "" {
		w.out.Decision = &resolve.Decision{Kind: resolve.Question, Reason: "the intent is not identified"}
		w.draft = w.out.Automation == AutomationConfirm
		return r.ask(c, cfg.Messages.askMoreIn(r.language(c)), "", w, now)
	}
	return r.handOver(c, "the agent could not tell what the customer needs", w, now)
}

// act turns the resolver's decision into changes of c and a message.
func (r *run) act(c *casemgmt.Case, req *resolve.Request, d *resolve.Decision, w *resolutionWork, now time.Time) error {
	a, cfg := r.a, &r.a.cfg.Resolution
	switch d.Kind {
	case resolve.Question:
		n, _ := strconv.Atoi(c.Meta[MetaQuestions])
		if n >= cfg.maxQuestions() {
			return r.handOver(c, fmt.Sprintf("still missing %s after %d questions", strings.Join(d.Ask, ", "), n), w, now)
		}
		return r.ask(c, cfg.Messages.questionIn(req.Language), d.Message, w, now)
	case resolve.Resolved:
		vars := r.messageVars(c, map[string]string{"answer": d.Message, "citations": citationText(d, req.Language)})
		w.msg = r.outgoing(c, cfg.Messages.answerIn(req.Language), vars)
		w.audit = append(w.audit, a.setState(c, ResolutionProposed, "answer proposed from "+citedArticles(d), now)...)
		r.markChatProposal(c)
		st, err := casemgmt.SetStatus(c, casemgmt.StatusWaitingOnCustomer, "Proposed resolution", a.stamp("resolution proposed for intent "+req.Intent.Name, now))
		if err != nil {
			return err
		}
		w.audit = append(w.audit, st...)
		w.audit = append(w.audit, a.schedule(c, a.actor(), now)...)
		w.in.Reason = "proposed a resolution citing " + citedArticles(d)
	case resolve.UnableToResolve:
		if d.Message != "" {
			w.msg = r.outgoing(c, Template{Subject: "Re: {{subject}} [{{case_number}}]", Body: "{{answer}}"},
				r.messageVars(c, map[string]string{"answer": d.Message}))
		}
		why := d.Reason
		if why == "" {
			why = "the resolver could not resolve it"
		}
		return r.handOver(c, why, w, now)
	case resolve.ResolveCase:
		if d.Message != "" {
			w.msg = r.outgoing(c, Template{Subject: "Re: {{subject}} [{{case_number}}]", Body: "{{answer}}"},
				r.messageVars(c, map[string]string{"answer": d.Message}))
		}
		if f, ok := a.schema.Field("resolution"); ok && f.Type == predict.TypeText && d.Message != "" {
			if _, has := c.Value("resolution"); !has {
				res, err := a.schema.Apply(context.Background(), c, []casemgmt.Change{{Field: "resolution", Value: d.Message, Reason: "resolved by the agent",
					Provenance: casemgmt.Provenance{Actor: a.actor(), Rule: "resolution: " + req.Intent.Name}}}, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Now: now})
				if err == nil {
					w.audit = append(w.audit, res.Audit...)
				}
			}
		}
		w.audit = append(w.audit, a.setState(c, ResolutionResolved, "resolved by the resolver", now)...)
		st, err := casemgmt.SetStatus(c, casemgmt.StatusResolved, "Resolved by the agent", a.stamp("resolution of intent "+req.Intent.Name, now))
		if err != nil {
			return err
		}
		w.audit = append(w.audit, st...)
		w.in.Reason = "resolved the case"
	default: // NoAction
		w.in.Outcome, w.in.Reason = casemgmt.OutcomeUnchanged, "no action: "+d.Reason
		w.out.Reason = w.in.Reason
	}
	if w.msg != nil && w.draft {
		return r.draft(c, d, w, now)
	}
	return nil
}

// ask sends (or drafts) a question, unless the same was asked already
// with nothing new from the customer since.
func (r *run) ask(c *casemgmt.Case, tpl Template, questions string, w *resolutionWork, now time.Time) error {
	a := r.a
	asked := strings.Join(w.out.Decision.Ask, ",") + "|" + lastCustomerID(r.resolutionMessages(c))
	if c.Meta[MetaAsked] == asked {
		w.in.Outcome, w.in.Reason = casemgmt.OutcomeUnchanged, "already asked; waiting for the customer's answer"
		w.out.Reason = w.in.Reason
		return nil
	}
	n, _ := strconv.Atoi(c.Meta[MetaQuestions])
	c.Meta[MetaQuestions] = strconv.Itoa(n + 1)
	c.Meta[MetaAsked] = asked
	w.msg = r.outgoing(c, tpl, r.messageVars(c, map[string]string{"questions": questions}))
	w.audit = append(w.audit, a.setState(c, ResolutionAsked, fmt.Sprintf("question %d: %s", n+1, strings.Join(w.out.Decision.Ask, ", ")), now)...)
	st, err := casemgmt.SetStatus(c, casemgmt.StatusWaitingOnCustomer, "Waiting for details", a.stamp("asked the customer for what is missing", now))
	if err != nil {
		return err
	}
	w.audit = append(w.audit, st...)
	w.in.Reason = "asked for " + strings.Join(w.out.Decision.Ask, ", ")
	if len(w.out.Decision.Ask) == 0 {
		w.in.Reason = "asked what the customer needs"
	}
	if w.draft {
		return r.draft(c, w.out.Decision, w, now)
	}
	return nil
}

// handOver gives the case to a person with a summary of what was tried.
func (r *run) handOver(c *casemgmt.Case, why string, w *resolutionWork, now time.Time) error {
	a := r.a
	summary := resolutionSummary(c, w.out, why)
	c.Meta[MetaSummary] = summary
	w.out.HandedOver, w.out.Summary = true, summary
	w.audit = append(w.audit, a.setState(c, ResolutionHandedOver, summary, now)...)
	st, err := casemgmt.SetStatus(c, casemgmt.StatusActive, "Handed over by the agent", a.stamp(summary, now))
	if err != nil {
		return err
	}
	w.audit = append(w.audit, st...)
	w.audit = append(w.audit, a.schedule(c, a.actor(), now)...)
	w.in.Reason = "handed over: " + why
	if w.msg != nil && w.draft {
		return r.draft(c, w.out.Decision, w, now)
	}
	return nil
}

// setState records where resolution stands.
func (a *Agent) setState(c *casemgmt.Case, state, why string, now time.Time) []casemgmt.AuditEntry {
	old := c.Meta[MetaResolution]
	if old == state {
		return nil
	}
	c.Meta[MetaResolution] = state
	e := casemgmt.AuditEntry{CaseID: c.ID, Field: MetaResolution, New: state, Actor: a.actor(), Reason: why, Time: now}
	if old != "" {
		e.Old = old
	}
	return []casemgmt.AuditEntry{e}
}

// resolutionSummary says what resolution tried, for a person.
func resolutionSummary(c *casemgmt.Case, out *ResolutionOutcome, why string) string {
	var b strings.Builder
	b.WriteString("Handed over: " + why + ".")
	if out != nil && out.Intent != "" {
		fmt.Fprintf(&b, " Intent: %s (%.2f).", out.Intent, out.IntentConfidence)
	}
	if n := c.Meta[MetaQuestions]; n != "" && n != "0" {
		fmt.Fprintf(&b, " Questions asked: %s.", n)
	}
	if c.Meta[MetaResolution] == ResolutionProposed {
		b.WriteString(" An answer was proposed.")
	}
	return b.String()
}

// messageVars are the placeholders of a resolution message.
func (r *run) messageVars(c *casemgmt.Case, extra map[string]string) map[string]string {
	subject := c.Title
	if r.conv != nil {
		for i := len(r.conv.Messages) - 1; i >= 0; i-- {
			if s := r.conv.Messages[i].Subject; s != "" {
				subject = s
				break
			}
		}
	}
	vars := addCaseVars(map[string]string{"subject": subject}, c, r.contact)
	for k, v := range extra {
		vars[k] = v
	}
	return vars
}

// outgoing builds a message to the case's customer; the recipient and
// threading are filled in when it is delivered.
func (r *run) outgoing(c *casemgmt.Case, tpl Template, vars map[string]string) *channel.Outgoing {
	subject := renderTemplate(tpl.Subject, vars)
	if subject == "" {
		subject = "Re: " + c.Title
	}
	return &channel.Outgoing{From: r.a.mail.from, Subject: subject, Text: renderTemplate(tpl.Body, vars), Automated: true, CaseID: c.ID}
}

// citationText lists a decision's articles, as the answer's citations.
func citationText(d *resolve.Decision, lang string) string {
	var lines []string
	for _, l := range d.Links {
		line := "- " + l.Title
		if l.URL != "" {
			line += ": " + l.URL
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		for _, c := range d.Citations {
			lines = append(lines, "- "+c.ArticleID)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return textsIn(lang).Sources + "\n" + strings.Join(lines, "\n")
}

// citedArticles names the articles a decision cites.
func citedArticles(d *resolve.Decision) string {
	var ids []string
	for _, c := range d.Citations {
		if !containsString(ids, c.ArticleID) {
			ids = append(ids, c.ArticleID)
		}
	}
	return strings.Join(ids, ", ")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lastCustomerID is the id of the latest customer message.
func lastCustomerID(msgs []channel.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == channel.RoleCustomer {
			return msgs[i].ID
		}
	}
	return ""
}

// deliver sends the decision's message to the customer by email, once,
// after the case was written: in a live chat it is returned for the host
// to post instead.
func (r *run) deliver(ctx context.Context, w *resolutionWork) error {
	a, c, m := r.a, w.c, w.msg
	w.out.Message = m
	if r.conv != nil && r.conv.Kind == channel.KindChat && r.conv.Status != channel.StatusEnded {
		w.out.Reason = "the message is for the host to post in the chat"
		return nil
	}
	to, err := a.contactAddress(ctx, c)
	if err != nil {
		return err
	}
	why := ""
	switch {
	case a.mail.sender == nil:
		why = "no sender is configured"
	case to.Email == "":
		why = "the case's contact has no email address"
	case noReply(to.Email) || a.ownAddress(r.mailbox, to.Email):
		why = to.Email + " must not get automatic mail"
	}
	if why != "" {
		w.out.Reason = "message not sent: " + why
		return a.record(ctx, &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerResolution, Actor: a.actor(),
			Outcome: casemgmt.OutcomeSkipped, Reason: w.out.Reason})
	}
	if why := a.allowMail(ctx, "answer", channel.NormalizeEmail(to.Email)); why != "" {
		w.out.Reason = "message not sent: " + why
		return a.record(ctx, &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerResolution, Actor: a.actor(),
			Outcome: casemgmt.OutcomeSkipped, Reason: w.out.Reason})
	}
	m.To = []channel.Address{to}
	refs := c.LinkIDs(casemgmt.LinkEmail)
	m.References = refs
	if len(refs) > 0 {
		m.InReplyTo = refs[len(refs)-1]
	}
	n, _ := strconv.Atoi(c.Meta[MetaSent])
	first, err := a.store.UseKey(ctx, fmt.Sprintf("resolution:%s:%d", c.ID, n+1))
	if err != nil || !first {
		w.out.Reason = "message already sent"
		return err
	}
	id, err := a.mail.sender.Send(withMailKind(ctx, MailAnswer), m)
	if err != nil {
		_ = a.record(ctx, &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerResolution, Actor: a.actor(),
			Outcome: casemgmt.OutcomeFailed, Reason: "resolution message not sent: " + errText(err)})
		return err
	}
	w.out.Sent = true
	return a.recordSent(ctx, c.ID, id, "resolution message sent", m)
}

// afterRun runs resolution after a run that created or updated res.Case,
// and adds what it did to res. A failure of resolution does not undo the
// run: it is logged and said in res.Resolution.
func (r *run) afterRun(ctx context.Context) func(*Result, error) (*Result, error) {
	return func(res *Result, err error) (*Result, error) { return r.resolveAfter(ctx, res, err) }
}

func (r *run) resolveAfter(ctx context.Context, res *Result, err error) (*Result, error) {
	if err != nil || res == nil || res.Case == nil || res.Case.ID == "" || len(r.a.cfg.Resolution.Lines) == 0 {
		return res, err
	}
	if res.Outcome == casemgmt.OutcomeShadow && res.Reason == "would create a case" {
		return res, nil // the case exists only in the shadow run's result
	}
	if c, err := r.chatVerdict(ctx, res.Case); err != nil {
		r.a.log.WarnContext(ctx, "judging the customer's chat reply failed", "case", res.Case.ID, "err", err)
	} else if c != nil {
		if !r.a.shadow {
			res.Case = c
		}
		return res, nil
	}
	out, c, rerr := r.resolveCase(ctx, res.Case.ID, "")
	if rerr != nil {
		r.a.log.WarnContext(ctx, "resolution failed", "case", res.Case.ID, "err", rerr)
		if out == nil {
			out = &ResolutionOutcome{}
		}
		out.Reason = "resolution failed: " + errText(rerr)
	}
	res.Resolution = out
	if c != nil && !r.a.shadow {
		res.Case = c
	}
	return res, nil
}

// Resolve runs resolution on a stored case, as a representative or a
// host's workflow asks: automation is AutomationFull, AutomationConfirm,
// or "" for the level of the case's line of business. It reads the
// customer's words from the case's description. The Result's Resolution
// says what was done; nil when resolution does not apply to the case.
func (a *Agent) Resolve(ctx context.Context, caseID, rep, automation string) (*Result, error) {
	switch automation {
	case "", AutomationFull, AutomationConfirm:
	default:
		return nil, fmt.Errorf("%w: automation %q is neither %q nor %q", casemgmt.ErrInvalid, automation, AutomationFull, AutomationConfirm)
	}
	if rep != "" && !a.prof.Allows(rep, FeatureResolve) {
		return nil, fmt.Errorf("%w: %s may not invoke resolution", ErrNotPermitted, rep)
	}
	r := &run{a: a, trigger: TriggerResolution, start: a.now(), rep: rep}
	r.in = &casemgmt.Interaction{CaseID: caseID, Trigger: TriggerResolution, Actor: a.actor(), Time: r.start}
	out, c, err := r.resolveCase(ctx, caseID, automation)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return &Result{Outcome: casemgmt.OutcomeUnchanged, Reason: "resolution does not apply to the case", Case: c}, nil
	}
	outcome := casemgmt.OutcomeUpdated
	if a.shadow {
		outcome = casemgmt.OutcomeShadow
	}
	return &Result{Outcome: outcome, Case: c, Resolution: out}, nil
}
