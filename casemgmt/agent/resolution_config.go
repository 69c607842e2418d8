package agent

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict/resolve"
)

// Automation levels of a line of business.
const (
	// AutomationConfirm drafts every message for a person to approve,
	// edit or discard (see Agent.ApproveDraft).
	AutomationConfirm = "confirm"
	// AutomationOff leaves the line's cases to people.
	AutomationOff = "off"
)

// Unidentified values of Resolution: what the agent does when it cannot
// tell what the customer wants.
const (
	UnidentifiedHandOver = "hand_over"
	UnidentifiedAsk      = "ask"
)

// Resolution configures autonomous resolution: the intents the agent can
// resolve, the lines of business and how far it may act in each, and the
// messages it writes. A configuration without lines of business does not
// resolve.
type Resolution struct {
	// Intents are what customers want that the agent can resolve.
	Intents []IntentRule `json:"intents,omitempty"`
	// Lines are the lines of business, tried in order: the first whose
	// condition holds decides the automation of a case.
	Lines []LineOfBusiness `json:"lines_of_business,omitempty"`
	// IntentField is the schema field the identified intent is written
	// to; when the schema has no such field the intent is kept on the
	// case's metadata. Default "intent".
	IntentField string `json:"intent_field,omitempty"`
	// MinConfidence is the confidence the intent needs; 0 means the
	// agent's default.
	MinConfidence float64 `json:"min_confidence,omitempty" jsonschema:"minimum=0,maximum=1"`
	// MaxQuestions is how many times the agent asks the customer for
	// what is missing before it hands the case to a person (default 2).
	MaxQuestions int `json:"max_questions,omitempty" jsonschema:"minimum=0"`
	// Unidentified is UnidentifiedHandOver (the default) or
	// UnidentifiedAsk: ask the customer what they need (Messages.AskMore)
	// once, then hand over.
	Unidentified string `json:"unidentified,omitempty" jsonschema:"enum=hand_over,enum=ask"`
	// Messages are the templates of the messages resolution sends.
	Messages ResolutionMessages `json:"messages,omitempty"`
}

// IntentRule is an intent as the tenant configures it.
type IntentRule struct {
	Name string `json:"name"`
	// Description says when the intent applies ("Use when ... Not
	// for ..."), for the predictor.
	Description string `json:"description,omitempty"`
	// When is the condition of the lines of business the intent belongs
	// to, over the same variables as update rules; empty means every
	// case.
	When json.RawMessage `json:"when,omitempty"`
	// Attributes are what the intent needs before it can be resolved: a
	// case field (by name) or a free question.
	Attributes []resolve.Attribute `json:"attributes,omitempty"`
	// AttributeLabels name attributes to the customer in their language:
	// attribute name, then language tag, then label ({"order_number":
	// {"de": "Bestellnummer", "es": "número de pedido"}}). A label in the
	// customer's language is asked for in that language's words, in place
	// of the attribute's own Label and Question.
	AttributeLabels map[string]map[string]string `json:"attribute_labels,omitempty"`
	// AttributeQuestions are whole questions per attribute and language,
	// used before a label in the same language.
	AttributeQuestions map[string]map[string]string `json:"attribute_questions,omitempty"`
	// Articles are the ids of the knowledge articles that resolve it;
	// empty means any article retrieved.
	Articles []string `json:"articles,omitempty"`
	Disabled bool     `json:"disabled,omitempty"`
}

// LineOfBusiness is a part of the tenant's business with its own level of
// automation.
type LineOfBusiness struct {
	Name string `json:"name"`
	// When is the line's condition; empty means every case.
	When json.RawMessage `json:"when,omitempty"`
	// Automation is AutomationFull (the agent sends), AutomationConfirm
	// (the agent drafts; a person approves) or AutomationOff.
	Automation string `json:"automation" jsonschema:"required,enum=full,enum=confirm,enum=off"`
	// EmailWithoutCase answers a new email the knowledge base resolves
	// without creating a case; a case is created when it cannot be
	// resolved, or when the customer comes back.
	EmailWithoutCase bool `json:"email_without_case,omitempty"`
}

// ResolutionMessages are the templates of resolution's messages. Each has
// a plain default; placeholders are those of resolution messages (see
// Templates in the package documentation).
type ResolutionMessages struct {
	// AskMore asks a customer whose need is unclear what they need.
	AskMore *Template `json:"ask_more,omitempty"`
	// Question asks for what is missing; {{questions}} is the question.
	Question *Template `json:"question,omitempty"`
	// Answer proposes a resolution; {{answer}} is the answer and
	// {{citations}} the articles it relies on.
	Answer *Template `json:"answer,omitempty"`
}

func orDefault(t *Template, d Template) Template {
	if t == nil {
		return d
	}
	return *t
}

// intentField is the field the intent is written to.
func (r *Resolution) intentField() string {
	if r.IntentField == "" {
		return "intent"
	}
	return r.IntentField
}

// maxQuestions is how often the agent asks before it hands over.
func (r *Resolution) maxQuestions() int {
	if r.MaxQuestions <= 0 {
		return 2
	}
	return r.MaxQuestions
}

// validate adds the resolution section's problems to ps.
func (r *Resolution) validate(ps *problems, c *Config) {
	known := map[string]bool{}
	for _, f := range c.Fields {
		known[f.Name] = true
	}
	seen := map[string]int{}
	for i, in := range r.Intents {
		at := fmt.Sprintf("resolution.intents[%d]", i)
		switch {
		case strings.TrimSpace(in.Name) == "":
			ps.add(at+".name", "missing")
		case seen[in.Name] > 0:
			ps.add(at+".name", fmt.Sprintf("duplicate intent %q (also intents[%d])", truncate(in.Name, 80), seen[in.Name]-1))
		default:
			seen[in.Name] = i + 1
		}
		checkCondition(ps, at+".when", in.When)
		validateLabels(ps, at, in)
		attrs := map[string]bool{}
		for j, a := range in.Attributes {
			aat := fmt.Sprintf("%s.attributes[%d]", at, j)
			switch {
			case strings.TrimSpace(a.Name) == "":
				ps.add(aat+".name", "missing")
			case attrs[a.Name]:
				ps.add(aat+".name", fmt.Sprintf("attribute %q listed twice", a.Name))
			case !known[a.Name] && a.Question == "" && a.Label == "":
				ps.add(aat, fmt.Sprintf("%q is not a field of the schema: a free attribute needs a label or a question", truncate(a.Name, 80)))
			}
			attrs[a.Name] = true
		}
	}
	seen = map[string]int{}
	for i, l := range r.Lines {
		at := fmt.Sprintf("resolution.lines_of_business[%d]", i)
		switch {
		case strings.TrimSpace(l.Name) == "":
			ps.add(at+".name", "missing")
		case seen[l.Name] > 0:
			ps.add(at+".name", fmt.Sprintf("duplicate line of business %q", truncate(l.Name, 80)))
		default:
			seen[l.Name] = i + 1
		}
		checkCondition(ps, at+".when", l.When)
		switch l.Automation {
		case AutomationFull, AutomationConfirm, AutomationOff:
		default:
			ps.add(at+".automation", fmt.Sprintf("%q is not %q, %q or %q", truncate(l.Automation, 40), AutomationFull, AutomationConfirm, AutomationOff))
		}
	}
	if len(r.Lines) > 0 && len(r.Intents) == 0 {
		ps.add("resolution.intents", "lines of business need intents to resolve")
	}
	if mc := r.MinConfidence; math.IsNaN(mc) || mc < 0 || mc > 1 {
		ps.add("resolution.min_confidence", "must be between 0 and 1")
	}
	switch r.Unidentified {
	case "", UnidentifiedHandOver, UnidentifiedAsk:
	default:
		ps.add("resolution.unidentified", fmt.Sprintf("%q is neither %q nor %q", truncate(r.Unidentified, 40), UnidentifiedHandOver, UnidentifiedAsk))
	}
	if f, ok := fieldOf(c.Fields, r.intentField()); ok && f.Type != "choice" {
		ps.add("resolution.intent_field", fmt.Sprintf("field %q must be a choice field to hold the intent", f.Name))
	}
	for name, t := range map[string]*Template{"ask_more": r.Messages.AskMore, "question": r.Messages.Question, "answer": r.Messages.Answer} {
		if t == nil {
			continue
		}
		at := "resolution.messages." + name
		if strings.TrimSpace(t.Body) == "" {
			ps.add(at+".body", "missing")
		}
		checkTemplateAt(ps, at+".subject", t.Subject, useAnswer, c.Fields)
		checkTemplateAt(ps, at+".body", t.Body, useAnswer, c.Fields)
	}
}

func fieldOf(fields []casemgmt.Field, name string) (casemgmt.Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return casemgmt.Field{}, false
}
