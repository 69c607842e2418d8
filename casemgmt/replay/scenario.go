package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Scenario is one customer story: the steps a host application would
// drive, and what must hold along the way. See the package documentation
// for the file format.
type Scenario struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	About   string `json:"about,omitempty"`
	// Customer is, for chat, who the visitor is.
	Customer Customer `json:"customer"`
	Steps    []Step   `json:"steps"`
	// Tenant names a configuration file, relative to the scenario's file,
	// to replay this scenario with instead of the runner's.
	Tenant string `json:"tenant,omitempty"`
	// Shadow replays the scenario with a shadow agent, which writes and
	// sends nothing.
	Shadow bool `json:"shadow,omitempty"`
	// Resolvers gives intents resolvers of their own (see ResolverSpec).
	Resolvers map[string]ResolverSpec `json:"resolvers,omitempty"`
	// File is where the scenario was read from, when it came from a file.
	File string `json:"-"`
}

// Customer describes the chat visitor. An empty Customer is anonymous.
type Customer struct {
	AuthenticatedContact string `json:"authenticated_contact,omitempty"`
}

// StepKind says what a step does.
type StepKind string

// The kinds of step.
const (
	StepEvent     StepKind = "event"
	StepCustomer  StepKind = "customer"
	StepRep       StepKind = "rep"
	StepEmail     StepKind = "email"
	StepHumanEdit StepKind = "human_edit"
	StepAdvance   StepKind = "advance"
	StepExpect    StepKind = "expect"
	StepDraft     StepKind = "draft"
)

// The events of an event step.
const (
	EventAccepted        = "accepted"
	EventEnded           = "ended"
	EventUpdateRequested = "update_requested"
	// EventResolveRequested: a representative invokes resolution.
	EventResolveRequested = "resolve_requested"
)

// Step is one step of a scenario. Exactly one of its kinds is set; Kind
// says which.
type Step struct {
	Kind StepKind `json:"-"`
	// Event is accepted, ended or update_requested; By is the
	// representative who asked for the update.
	Event string `json:"event,omitempty"`
	By    string `json:"by,omitempty"`
	// Automation is the level a resolve_requested event asks for ("" for
	// the line's own).
	Automation string `json:"automation,omitempty"`
	// Draft is what a draft step does: approve, edit or discard; Text is
	// an edit's text (also of customer and rep steps), Reason a discard's.
	Draft  string `json:"draft,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Text is the message of a customer or rep step.
	Text string `json:"-"`
	// Email is a raw RFC 5322 message.
	Email string `json:"email,omitempty"`
	// Edit holds the fields a representative sets.
	Edit map[string]any `json:"human_edit,omitempty"`
	// Advance is how far the clock moves on.
	Advance time.Duration `json:"-"`
	Expect  *Expect       `json:"expect,omitempty"`
}

// Expect is what must hold after the steps before it.
type Expect struct {
	// Case is "none", "created", "updated" or "unchanged" (since the
	// previous expect), or empty to leave it unchecked.
	Case   string                 `json:"case,omitempty"`
	Fields map[string]FieldExpect `json:"fields,omitempty"`
	Status string                 `json:"status,omitempty"`
	// Sent is the number of emails the agent has sent for the case so far.
	Sent *int `json:"sent,omitempty"`
	ResolutionExpect
}

// FieldExpect is what a field must hold: exactly Equals, a text that
// contains every one of Mentions, or no value at all.
type FieldExpect struct {
	Equals   any      `json:"equals,omitempty"`
	Mentions []string `json:"mentions,omitempty"`
	Empty    bool     `json:"empty,omitempty"`
}

// UnmarshalJSON reads a plain value, {"mentions": [...]} or
// {"empty": true}.
func (f *FieldExpect) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var raw struct {
			Mentions []string `json:"mentions"`
			Empty    *bool    `json:"empty"`
		}
		if err := strictUnmarshal(b, &raw); err != nil {
			return err
		}
		switch {
		case raw.Empty != nil && raw.Mentions != nil:
			return errors.New("a field expectation has either mentions or empty, not both")
		case raw.Empty != nil:
			if !*raw.Empty {
				return errors.New(`"empty" can only be true`)
			}
			*f = FieldExpect{Empty: true}
		case len(raw.Mentions) > 0:
			*f = FieldExpect{Mentions: raw.Mentions}
		default:
			return errors.New("a field expectation object needs mentions or empty")
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v == nil {
		return errors.New(`use {"empty": true} to expect no value`)
	}
	*f = FieldExpect{Equals: v}
	return nil
}

// UnmarshalJSON reads a step and checks that it has exactly one kind.
func (s *Step) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	allowed := map[StepKind][]string{
		StepEvent: {"event", "by", "automation"}, StepDraft: {"draft", "by", "text", "reason"}, StepCustomer: {"customer"}, StepRep: {"rep"},
		StepEmail: {"email"}, StepHumanEdit: {"human_edit"}, StepAdvance: {"advance"},
		StepExpect: {"expect"},
	}
	var kinds []string
	for k := range raw {
		if _, ok := allowed[StepKind(k)]; ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		sort.Strings(kinds)
		return fmt.Errorf("a step has exactly one of event, customer, rep, email, human_edit, advance, expect, draft; this one has %v", kinds)
	}
	kind := StepKind(kinds[0])
	for k := range raw {
		ok := false
		for _, a := range allowed[kind] {
			ok = ok || a == k
		}
		if !ok {
			return fmt.Errorf("%s: unknown key in a %s step", k, kind)
		}
	}
	*s = Step{Kind: kind}
	str := func(key string, dst *string) error {
		if err := json.Unmarshal(raw[key], dst); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	switch kind {
	case StepEvent:
		if err := str("event", &s.Event); err != nil {
			return err
		}
		if by, ok := raw["by"]; ok {
			if err := json.Unmarshal(by, &s.By); err != nil {
				return fmt.Errorf("by: %w", err)
			}
		}
		if a, ok := raw["automation"]; ok {
			if s.Event != EventResolveRequested {
				return errors.New("automation: only a resolve_requested event has one")
			}
			if err := json.Unmarshal(a, &s.Automation); err != nil {
				return fmt.Errorf("automation: %w", err)
			}
		}
		switch s.Event {
		case EventAccepted, EventEnded:
		case EventUpdateRequested, EventResolveRequested:
			if s.By == "" {
				return fmt.Errorf("a %s event needs by", s.Event)
			}
		default:
			return fmt.Errorf("event: %q is not accepted, ended, update_requested or resolve_requested", s.Event)
		}
	case StepDraft:
		if err := parseDraftStep(raw, s); err != nil {
			return err
		}
	case StepCustomer, StepRep:
		if err := str(string(kind), &s.Text); err != nil {
			return err
		}
		if strings.TrimSpace(s.Text) == "" {
			return fmt.Errorf("%s: empty message", kind)
		}
	case StepEmail:
		if err := str("email", &s.Email); err != nil {
			return err
		}
	case StepHumanEdit:
		if err := json.Unmarshal(raw["human_edit"], &s.Edit); err != nil {
			return fmt.Errorf("human_edit: %w", err)
		}
		if len(s.Edit) == 0 {
			return errors.New("human_edit: no fields")
		}
	case StepAdvance:
		var d string
		if err := str("advance", &d); err != nil {
			return err
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return fmt.Errorf("advance: %q is not a positive duration such as 48h", d)
		}
		s.Advance = dur
	case StepExpect:
		s.Expect = new(Expect)
		if err := strictUnmarshal(raw["expect"], s.Expect); err != nil {
			return fmt.Errorf("expect: %w", err)
		}
		switch s.Expect.Case {
		case "", "none", "created", "updated", "unchanged":
		default:
			return fmt.Errorf("expect.case: %q is not none, created, updated or unchanged", s.Expect.Case)
		}
		if err := s.Expect.ResolutionExpect.validate(); err != nil {
			return fmt.Errorf("expect.%w", err)
		}
	}
	return nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the value")
	}
	return nil
}

// Parse reads one scenario from JSON. Unknown keys, steps with no or two
// kinds, and malformed values are errors that say where.
func Parse(b []byte) (*Scenario, error) {
	var s Scenario
	if err := strictUnmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if s.ID == "" {
		return nil, errors.New("replay: scenario has no id")
	}
	switch s.Channel {
	case "chat", "email":
	default:
		return nil, fmt.Errorf("replay: scenario %s: channel %q is not chat or email", s.ID, s.Channel)
	}
	if len(s.Steps) == 0 {
		return nil, fmt.Errorf("replay: scenario %s has no steps", s.ID)
	}
	for intent, spec := range s.Resolvers {
		if err := spec.validate(); err != nil {
			return nil, fmt.Errorf("replay: scenario %s: resolvers.%s: %w", s.ID, intent, err)
		}
	}
	return &s, nil
}

// Load reads scenario files. A path that is a directory contributes every
// *.scenario.json file in it, in name order.
func Load(paths ...string) ([]*Scenario, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.scenario.json"))
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var out []*Scenario
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		s, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		s.File = f
		out = append(out, s)
	}
	return out, nil
}
