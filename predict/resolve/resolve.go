package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// Kind is what a Decision does.
type Kind string

// The kinds of Decision.
const (
	// Question asks the customer for the attributes the intent needs and
	// the conversation does not give (Decision.Ask), in one message.
	Question Kind = "question"
	// Resolved answers the customer from knowledge articles, with at
	// least one valid citation.
	Resolved Kind = "resolved"
	// UnableToResolve says the resolver cannot answer: a person takes
	// over (Decision.Reason says why). Its Message, if any, is what the
	// customer may be told meanwhile.
	UnableToResolve Kind = "unable_to_resolve"
	// NoAction says nothing is to be done or sent now (the customer only
	// said thanks, say).
	NoAction Kind = "no_action"
	// ResolveCase says the customer's problem is solved (they confirmed
	// it, say): the case may be resolved, with Message as its resolution.
	ResolveCase Kind = "resolve_case"
)

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool {
	switch k {
	case Question, Resolved, UnableToResolve, NoAction, ResolveCase:
		return true
	}
	return false
}

// Attribute is something an intent needs to be resolved: a case field,
// or a free question.
type Attribute struct {
	// Name is the key of the attribute in Request.Known: a case field's
	// name, or the name of a free question.
	Name string `json:"name"`
	// Label names the attribute to the customer ("order number").
	Label string `json:"label,omitempty"`
	// Question is how to ask for it ("What is the number of your
	// order?"); the default resolver builds one from Label otherwise.
	Question string `json:"question,omitempty"`
}

// Intent is what the customer wants, as the tenant configured it.
type Intent struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Attributes are what the intent needs before it can be resolved.
	Attributes []Attribute `json:"attributes,omitempty"`
	// Articles are the ids of the articles that resolve the intent; empty
	// means any article retrieved.
	Articles []string `json:"articles,omitempty"`
}

// Request is what a resolver decides from. Resolvers must not modify it.
type Request struct {
	// Intent is the customer's intent, nil when it was not identified.
	Intent *Intent `json:"intent,omitempty"`
	// Confidence is how sure the intent is, in [0,1].
	Confidence float64 `json:"confidence,omitempty"`
	// Known holds the values known so far of the intent's attributes and
	// other case fields, by name. A nil or empty string value is unknown.
	Known map[string]any `json:"known,omitempty"`
	// Messages are the conversation, oldest first.
	Messages []channel.Message `json:"messages,omitempty"`
	// Hits are the articles retrieved for the conversation, best first;
	// citations may name only these.
	Hits []knowledge.Hit `json:"hits,omitempty"`
	// Language is the BCP 47 tag of the customer's language, for the
	// messages a resolver writes ("" is English).
	Language string `json:"language,omitempty"`
}

// Missing returns the names of the intent's attributes that Known does not
// give, in the intent's order; none without an intent.
func (r *Request) Missing() []string {
	if r.Intent == nil {
		return nil
	}
	var out []string
	for _, a := range r.Intent.Attributes {
		if !r.known(a.Name) {
			out = append(out, a.Name)
		}
	}
	return out
}

func (r *Request) known(name string) bool {
	v, ok := r.Known[name]
	if !ok || v == nil {
		return false
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return false
	}
	return true
}

// attribute returns the intent's attribute of name.
func (r *Request) attribute(name string) (Attribute, bool) {
	if r.Intent == nil {
		return Attribute{}, false
	}
	for _, a := range r.Intent.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// Link is an article an answer points the customer to.
type Link struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Decision is a resolver's answer.
type Decision struct {
	Kind Kind `json:"kind"`
	// Message is the text for the customer: the question (Question), the
	// answer (Resolved), what to tell them (UnableToResolve, optional), or
	// the resolution of the case (ResolveCase).
	Message string `json:"message,omitempty"`
	// NeedsReview asks a person to approve Message before it is sent,
	// whatever the level of automation.
	NeedsReview bool `json:"needs_review,omitempty"`
	// Ask names the attributes a Question asks for.
	Ask []string `json:"ask,omitempty"`
	// Citations support a Resolved answer (at least one valid is
	// required) or a ResolveCase.
	Citations []knowledge.Citation `json:"citations,omitempty"`
	// Links are the articles the message points to.
	Links []Link `json:"links,omitempty"`
	// Reason says why, for the record: why the resolver is unable, why
	// nothing is to be done, or what the answer relies on.
	Reason string `json:"reason,omitempty"`
	// Usage is what deciding cost (model calls, tokens, cost), for a
	// resolver that calls a model; the agent records it with the run.
	Usage *predict.Usage `json:"usage,omitempty"`
	// Model names the model that decided, when one did.
	Model string `json:"model,omitempty"`
}

// Resolver decides what to do for a customer's intent: ask for what is
// missing, answer from the knowledge articles, hand over, do nothing, or
// resolve the case. The caller checks every decision (Check) before acting
// on it, whatever the resolver. Implementations must be safe for
// concurrent use; resolvetest.Run is the conformance suite.
type Resolver interface {
	Resolve(ctx context.Context, req *Request) (*Decision, error)
}

// Func adapts a function to Resolver.
type Func func(ctx context.Context, req *Request) (*Decision, error)

// Resolve calls f.
func (f Func) Resolve(ctx context.Context, req *Request) (*Decision, error) { return f(ctx, req) }

// ErrInvalid reports a request a resolver refuses.
var ErrInvalid = errors.New("resolve: invalid request")

// Validate returns the decision the caller may act on, and the citations it
// dropped:
//
//   - a nil decision or an unknown kind becomes UnableToResolve, for review;
//   - citations are kept only when knowledge.ValidateCitations keeps them
//     against the articles of req.Hits;
//   - a Resolved decision without a message or without a valid citation
//     becomes UnableToResolve for review, its message dropped: no answer
//     goes out without evidence;
//   - links are kept only to articles of req.Hits, with the title and URL
//     of the article (a resolver cannot invent a link);
//   - a Question without a message becomes UnableToResolve; its Ask keeps
//     only names that are not known yet, and a question whose every name is
//     known already becomes UnableToResolve (asking again what the customer
//     said is not allowed).
//
// Validate never modifies d.
func Validate(req *Request, d *Decision) (*Decision, []knowledge.CitationDrop) {
	if d == nil {
		return &Decision{Kind: UnableToResolve, NeedsReview: true, Reason: "the resolver returned no decision"}, nil
	}
	out := *d
	out.Ask = slices.Clone(d.Ask)
	if !out.Kind.Valid() {
		return &Decision{Kind: UnableToResolve, NeedsReview: true, Reason: fmt.Sprintf("the resolver returned the unknown kind %q", d.Kind)}, nil
	}
	arts := knowledge.HitArticles(req.Hits)
	kept, drops := knowledge.ValidateCitations(d.Citations, arts)
	out.Citations = kept
	out.Links = checkLinks(d.Links, arts)
	switch out.Kind {
	case Resolved:
		switch {
		case strings.TrimSpace(out.Message) == "":
			return unable(d, "the answer has no message"), drops
		case len(out.Citations) == 0:
			return unable(d, "the answer has no valid citation"), drops
		}
	case Question:
		if strings.TrimSpace(out.Message) == "" {
			return unable(d, "the question has no message"), drops
		}
		if len(d.Ask) > 0 {
			out.Ask = out.Ask[:0]
			for _, name := range d.Ask {
				if !req.known(name) && !slices.Contains(out.Ask, name) {
					out.Ask = append(out.Ask, name)
				}
			}
			if len(out.Ask) == 0 {
				return unable(d, "the question asks only for what is known already"), drops
			}
		}
	}
	return &out, drops
}

// unable turns d into UnableToResolve for review, keeping why.
func unable(d *Decision, why string) *Decision {
	reason := why
	if d.Reason != "" {
		reason += " (" + d.Reason + ")"
	}
	return &Decision{Kind: UnableToResolve, NeedsReview: true, Reason: reason}
}

func checkLinks(links []Link, arts []knowledge.Article) []Link {
	var out []Link
	for _, l := range links {
		for i := range arts {
			if arts[i].ID == l.ArticleID {
				if !slices.ContainsFunc(out, func(o Link) bool { return o.ArticleID == l.ArticleID }) {
					out = append(out, Link{ArticleID: arts[i].ID, Title: arts[i].Title, URL: arts[i].URL})
				}
				break
			}
		}
	}
	return out
}
