package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/rules"
)

// Config is a tenant's configuration: the case schema, the contact
// directory, when to create cases, which fields to keep current and the
// rules and policies that drive the agent. It is plain data; after
// Validate (which ParseConfig and LoadConfig call) it must not be
// modified, and is then safe for concurrent reads.
//
// Conditions (the when of rules and policies) are kept as they were
// written, as JSON: the structured form ({"field", "op", "value"}, "all",
// "any") or an expression string; the rules package compiles them.
type Config struct {
	// About describes the tenant, for people.
	About  string           `json:"about,omitempty"`
	Fields []casemgmt.Field `json:"fields" jsonschema:"required,minItems=1"`
	// Contacts seed the directory; see ImportContacts.
	Contacts []casemgmt.Contact   `json:"contacts,omitempty"`
	Create   CreateRule           `json:"create"`
	Policy   casemgmt.WritePolicy `json:"write_policy"`
	// DefaultUpdateFields are predicted on every update; update rules add
	// to them.
	DefaultUpdateFields []string         `json:"default_update_fields,omitempty"`
	UpdateRules         []UpdateRule     `json:"update_rules,omitempty"`
	IntakeRules         []IntakeRule     `json:"intake_rules,omitempty"`
	FollowUp            []FollowUpPolicy `json:"follow_up,omitempty"`
	// Resolution configures autonomous resolution; none without lines of
	// business.
	Resolution Resolution `json:"resolution,omitzero"`
	// StrangerReplies says what becomes of an email that threads to a case
	// (by In-Reply-To, References or the agent's signed Message-ID) from a
	// sender who is not a participant of the case (its contact or a
	// contact linked to it): StrangerRepliesHold (the default) keeps it on
	// the case for a person and changes no field; StrangerRepliesNewCase
	// runs it through the intake rules as a new email.
	StrangerReplies string `json:"stranger_replies,omitempty" jsonschema:"enum=hold,enum=new_case"`

	schema *casemgmt.Schema
}

// StrangerReplies values of Config.
const (
	StrangerRepliesHold    = "hold"
	StrangerRepliesNewCase = "new_case"
)

// Require values of CreateRule.
const (
	RequireAll = "all"
	RequireAny = "any"
)

// CreateRule says when a conversation becomes a case.
type CreateRule struct {
	// Fields are predicted to decide; Require says how many must be.
	Fields []string `json:"fields"`
	// Require is RequireAll (the default) or RequireAny.
	Require string `json:"require,omitempty" jsonschema:"enum=all,enum=any"`
	// MinConfidence is the confidence a prediction needs to count, here
	// and for every value the agent applies; 0 means the agent's default
	// (0.5, or what WithMinConfidence sets).
	MinConfidence float64 `json:"min_confidence,omitempty" jsonschema:"minimum=0,maximum=1"`
}

// Holds reports whether predictions satisfy the rule, given the
// confidence of each predicted field by name (a field that was not
// predicted is absent): every create field (RequireAll) or at least one
// (RequireAny) predicted with at least MinConfidence. It also returns, in
// the rule's order, the create fields that fell short. A rule without
// fields always holds.
func (r *CreateRule) Holds(confidence map[string]float64) (bool, []string) {
	var missing []string
	for _, f := range r.Fields {
		c, ok := confidence[f]
		if !ok || c < r.MinConfidence {
			missing = append(missing, f)
		}
	}
	if len(r.Fields) == 0 {
		return true, nil
	}
	if r.Require == RequireAny {
		return len(missing) < len(r.Fields), missing
	}
	return len(missing) == 0, missing
}

// UpdateRule adds fields to predict while its condition holds.
type UpdateRule struct {
	Name string `json:"name"`
	// When is the condition, as written; empty means always.
	When json.RawMessage `json:"when,omitempty"`
	// Predict names the fields to predict.
	Predict []string `json:"predict"`
	// Disabled rules are kept but not applied.
	Disabled bool `json:"disabled,omitempty"`
}

// UnknownSenders values of IntakeRule.
const (
	UnknownSendersCreateContact = "create_contact"
	UnknownSendersSkip          = "skip"
)

// IntakeRule turns an inbound email into a case. Rules are tried in order
// and the first whose condition holds applies.
type IntakeRule struct {
	Name string          `json:"name"`
	When json.RawMessage `json:"when,omitempty"`
	// Set gives initial values by field name (or "title", "origin",
	// "status", "status_reason"); text values are templates such as
	// "{{subject}}".
	Set map[string]any `json:"set,omitempty"`
	// UnknownSenders is UnknownSendersCreateContact or
	// UnknownSendersSkip (the default).
	UnknownSenders string `json:"unknown_senders,omitempty" jsonschema:"enum=create_contact,enum=skip"`
	// RequireNoOpenCase skips the email when the sender has an open case.
	RequireNoOpenCase bool `json:"require_no_open_case,omitempty"`
	// WaitAfterResolved skips the email when a case of the sender was
	// resolved less than this long ago.
	WaitAfterResolved Duration `json:"wait_after_resolved,omitempty"`
	// Acknowledge, when set, is sent to the sender once the case exists
	// (never to list or bulk mail).
	Acknowledge *Template `json:"acknowledge,omitempty"`
	// AcceptBulk lets the rule make cases of list, bulk and junk mail
	// (channel.Message.Bulk), which is skipped by default.
	AcceptBulk bool `json:"accept_bulk,omitempty"`
	Disabled   bool `json:"disabled,omitempty"`
}

// Template is an email to send; Subject and Body are templates.
type Template struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body" jsonschema:"required"`
}

// Automation values of FollowUpPolicy.
const (
	AutomationFull  = "full"
	AutomationDraft = "draft"
)

// FollowUpPolicy follows up with customers who stop answering.
type FollowUpPolicy struct {
	Name string          `json:"name"`
	When json.RawMessage `json:"when,omitempty"`
	// Automation is AutomationFull (send) or AutomationDraft (prepare for
	// a person to confirm); full when empty.
	Automation string `json:"automation,omitempty" jsonschema:"enum=full,enum=draft"`
	// Trigger is the status reason that starts the sequence; empty means
	// the condition alone decides.
	Trigger string `json:"trigger,omitempty"`
	// Waits are the waits before each follow-up, in order.
	Waits []Duration `json:"waits" jsonschema:"required,minItems=1"`
	// Messages are the follow-up emails, one per wait (the last one is
	// reused when there are fewer).
	Messages []Template `json:"messages,omitempty"`
	// CloseAfterLast closes the case when the last follow-up stays
	// unanswered for its wait.
	CloseAfterLast bool `json:"close_after_last,omitempty"`
	Disabled       bool `json:"disabled,omitempty"`
	// Calendar, when set, makes the waits count business time only.
	Calendar *Calendar `json:"calendar,omitempty"`
}

// Duration is a time.Duration written as text: Go's form ("48h",
// "90m", "1h30m") or whole days ("2d").
type Duration time.Duration

// ParseDuration parses a Duration's text form.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && !strings.ContainsAny(n, "hmsuµn") {
		var days int64
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || fmt.Sprint(days) != strings.TrimPrefix(n, "+") || days < 0 || days > 36500 {
			return 0, fmt.Errorf("bad duration %q", truncate(s, 40))
		}
		return Duration(time.Duration(days) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (write 48h, 90m or 2d)", truncate(s, 40))
	}
	return Duration(d), nil
}

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads d from text.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be text such as \"48h\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Schema returns the validated schema, or nil before Validate succeeded.
func (c *Config) Schema() *casemgmt.Schema { return c.schema }

// MaxConfigSize is the largest configuration ParseConfig and LoadConfig
// accept.
const MaxConfigSize = 16 << 20

// LoadConfig reads a configuration file, JSON or YAML, and validates it.
// Errors name the file and, for problems in it, their path.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("casemgmt: load configuration: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("casemgmt: load configuration: %w", err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		var ce *casemgmt.ConfigError
		if errors.As(err, &ce) {
			ce.Source = path
		}
		return nil, err
	}
	return cfg, nil
}

// ParseConfig reads a configuration in JSON or YAML (a document starting
// with "{" is JSON) and validates it. Unknown keys, values of the wrong
// kind and every problem Validate finds are reported together in one
// *ConfigError (which unwraps to ErrInvalidConfig), each with its path,
// such as "fields[3].optons: unknown key".
func ParseConfig(data []byte) (*Config, error) { return parseConfig(data) }

func parseConfig(data []byte) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, &casemgmt.ConfigError{Problems: []casemgmt.Problem{{Msg: fmt.Sprintf("larger than %d bytes", MaxConfigSize)}}}
	}
	tree, err := decodeTree(data)
	if err != nil {
		return nil, &casemgmt.ConfigError{Problems: []casemgmt.Problem{{Msg: err.Error()}}}
	}
	var ps problems
	checkShape(&ps, tree, configType, "")
	if err := ps.err(""); err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, &casemgmt.ConfigError{Problems: []casemgmt.Problem{{Msg: err.Error()}}}
	}
	cfg := new(Config)
	if err := json.Unmarshal(raw.Bytes(), cfg); err != nil {
		return nil, &casemgmt.ConfigError{Problems: []casemgmt.Problem{{Msg: err.Error()}}}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Validate checks the configuration and prepares its Schema. Every
// problem is reported in one *ConfigError with its path: no fields, the
// schema's problems (see NewSchema), contacts without an id or with a
// duplicate id or email or a phone that is not one, create, update and
// default fields that the schema does not have, rules without a unique name, conditions that are
// neither an object nor an expression, intake values that do not fit their
// field, unknown policies, and waits that are not positive.
func (c *Config) Validate() error {
	v := &configCheck{c: c, known: map[string]bool{}}
	if len(c.Fields) == 0 {
		v.ps.add("fields", "a configuration needs at least one field")
	}
	v.ps.addAll(casemgmt.ValidateFields("fields", c.Fields))
	for _, f := range c.Fields {
		v.known[f.Name] = true
	}
	v.contacts()
	v.createAndDefaults()
	v.updateRules()
	var schema *casemgmt.Schema
	if len(v.ps) == 0 {
		schema, _ = casemgmt.NewSchema(c.Fields)
	}
	v.intakeRules(knownFields{names: v.known, schema: schema})
	v.followUps()
	c.Resolution.validate(&v.ps, c)
	if schema != nil {
		checkConditions(&v.ps, c, schema)
	}
	if err := v.ps.err(""); err != nil {
		return err
	}
	c.schema = schema
	return nil
}

// configCheck is one validation of a configuration: the problems found
// so far and the names of its fields.
type configCheck struct {
	c     *Config
	ps    problems
	known map[string]bool
}

// knownList checks a list of field names: known, each once.
func (v *configCheck) knownList(path string, names []string) {
	seen := map[string]bool{}
	for i, n := range names {
		at := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !v.known[n]:
			v.ps.add(at, fmt.Sprintf("unknown field %q", truncate(n, 80)))
		case seen[n]:
			v.ps.add(at, fmt.Sprintf("field %q listed twice", n))
		}
		seen[n] = true
	}
}

// name checks the name of item i of a list: given, and unique in seen.
func (v *configCheck) name(path, name string, seen map[string]int, i int) {
	at := fmt.Sprintf("%s[%d].name", path, i)
	if strings.TrimSpace(name) == "" {
		v.ps.add(at, "missing")
	} else if j, dup := seen[name]; dup {
		v.ps.add(at, fmt.Sprintf("duplicate name %q (also %s[%d])", truncate(name, 80), path, j))
	} else {
		seen[name] = i
	}
}

// oneOf checks that value is empty or one of allowed.
func (v *configCheck) oneOf(path, value string, allowed ...string) {
	if value == "" || slices.Contains(allowed, value) {
		return
	}
	if len(allowed) == 2 {
		v.ps.add(path, fmt.Sprintf("%q is neither %q nor %q", truncate(value, 40), allowed[0], allowed[1]))
		return
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	v.ps.add(path, fmt.Sprintf("%q is not one of %s", truncate(value, 40), strings.Join(quoted, ", ")))
}

func (v *configCheck) contacts() {
	ids, emails := map[string]int{}, map[string]int{}
	for i, ct := range v.c.Contacts {
		at := fmt.Sprintf("contacts[%d]", i)
		if ct.ID == "" {
			v.ps.add(at+".id", "missing")
		} else if j, dup := ids[ct.ID]; dup {
			v.ps.add(at+".id", fmt.Sprintf("duplicate contact id %q (also contacts[%d])", truncate(ct.ID, 80), j))
		} else {
			ids[ct.ID] = i
		}
		if ct.Name == "" && ct.Email == "" && ct.Phone == "" {
			v.ps.add(at, "a contact needs a name, an email or a phone")
		}
		if ct.Email != "" {
			e := channel.NormalizeEmail(ct.Email)
			if !strings.Contains(e, "@") || strings.ContainsAny(e, " <>") {
				v.ps.add(at+".email", fmt.Sprintf("%q is not an email address", truncate(ct.Email, 80)))
			} else if j, dup := emails[e]; dup {
				v.ps.add(at+".email", fmt.Sprintf("duplicate email %q (also contacts[%d])", truncate(e, 80), j))
			} else {
				emails[e] = i
			}
		}
		if ct.Phone != "" && casemgmt.NormalizePhone(ct.Phone) == "" {
			v.ps.add(at+".phone", fmt.Sprintf("%q is not a phone number", truncate(ct.Phone, 80)))
		}
	}
}

func (v *configCheck) createAndDefaults() {
	c := v.c
	v.oneOf("stranger_replies", c.StrangerReplies, StrangerRepliesHold, StrangerRepliesNewCase)
	v.knownList("create.fields", c.Create.Fields)
	v.oneOf("create.require", c.Create.Require, RequireAll, RequireAny)
	if mc := c.Create.MinConfidence; math.IsNaN(mc) || mc < 0 || mc > 1 {
		v.ps.add("create.min_confidence", "must be between 0 and 1")
	}
	v.knownList("default_update_fields", c.DefaultUpdateFields)
}

func (v *configCheck) updateRules() {
	seen := map[string]int{}
	for i, r := range v.c.UpdateRules {
		at := fmt.Sprintf("update_rules[%d]", i)
		v.name("update_rules", r.Name, seen, i)
		checkCondition(&v.ps, at+".when", r.When)
		if len(r.Predict) == 0 {
			v.ps.add(at+".predict", "an update rule needs fields to predict")
		}
		v.knownList(at+".predict", r.Predict)
	}
}

func (v *configCheck) intakeRules(fields knownFields) {
	c := v.c
	seen := map[string]int{}
	for i, r := range c.IntakeRules {
		at := fmt.Sprintf("intake_rules[%d]", i)
		v.name("intake_rules", r.Name, seen, i)
		checkCondition(&v.ps, at+".when", r.When)
		for _, k := range sortedKeys(r.Set) {
			fields.checkIntakeValue(&v.ps, at+".set."+k, k, r.Set[k])
			if s, ok := r.Set[k].(string); ok {
				checkTemplateAt(&v.ps, at+".set."+k, s, useIntakeValue, c.Fields)
			}
		}
		v.oneOf(at+".unknown_senders", r.UnknownSenders, UnknownSendersCreateContact, UnknownSendersSkip)
		if r.WaitAfterResolved < 0 {
			v.ps.add(at+".wait_after_resolved", "must not be negative")
		}
		if r.Acknowledge != nil {
			if strings.TrimSpace(r.Acknowledge.Body) == "" {
				v.ps.add(at+".acknowledge.body", "missing")
			}
			checkTemplateAt(&v.ps, at+".acknowledge.subject", r.Acknowledge.Subject, useAcknowledgement, c.Fields)
			checkTemplateAt(&v.ps, at+".acknowledge.body", r.Acknowledge.Body, useAcknowledgement, c.Fields)
		}
	}
}

func (v *configCheck) followUps() {
	c := v.c
	seen := map[string]int{}
	for i, p := range c.FollowUp {
		at := fmt.Sprintf("follow_up[%d]", i)
		v.name("follow_up", p.Name, seen, i)
		checkCondition(&v.ps, at+".when", p.When)
		v.oneOf(at+".automation", p.Automation, AutomationFull, AutomationDraft)
		checkCalendar(&v.ps, at+".calendar", p.Calendar)
		if len(p.Waits) == 0 {
			v.ps.add(at+".waits", "a follow-up policy needs at least one wait")
		}
		for j, w := range p.Waits {
			if w <= 0 {
				v.ps.add(fmt.Sprintf("%s.waits[%d]", at, j), "must be positive")
			}
		}
		for j, m := range p.Messages {
			if strings.TrimSpace(m.Body) == "" {
				v.ps.add(fmt.Sprintf("%s.messages[%d].body", at, j), "missing")
			}
			checkTemplateAt(&v.ps, fmt.Sprintf("%s.messages[%d].subject", at, j), m.Subject, useFollowUp, c.Fields)
			checkTemplateAt(&v.ps, fmt.Sprintf("%s.messages[%d].body", at, j), m.Body, useFollowUp, c.Fields)
		}
	}
}

// checkTemplateAt records what is wrong in template s at path.
func checkTemplateAt(ps *problems, path, s string, u use, fields []casemgmt.Field) {
	if err := checkTemplate(s, u, fields); err != nil {
		ps.add(path, err.Error())
	}
}

// checkConditions compiles every rule's and policy's condition on its own
// against the schema, so that every condition that does not compile is
// reported, each at its path and wrapping its *rules.CompileError.
func checkConditions(ps *problems, c *Config, schema *casemgmt.Schema) {
	vars, opts := RuleVars(schema)
	check := func(section string, i int, name string, raw json.RawMessage) {
		at := fmt.Sprintf("%s[%d]", section, i)
		cond, err := parseWhen(raw)
		if err != nil {
			ps.add(at+".when", err.Error())
			return
		}
		_, err = rules.Compile(vars, []rules.Rule[int]{{Name: name, When: cond}}, opts...)
		var ce *rules.CompileError
		switch {
		case err == nil:
		case errors.As(err, &ce):
			path := at + ".when"
			if ce.Path != "" {
				path = at + "." + ce.Path
			}
			if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '"' {
				// An expression written as a string is the when itself.
				path = strings.Replace(path, ".when.expr", ".when", 1)
			}
			msg := strings.TrimPrefix(ce.Err.Error(), "rules: ")
			if ce.Line > 0 {
				msg = fmt.Sprintf("line %d, column %d: %s", ce.Line, ce.Column, msg)
			}
			*ps = append(*ps, casemgmt.Problem{Path: path, Msg: msg, Err: ce})
		default:
			*ps = append(*ps, casemgmt.Problem{Path: at + ".when", Msg: err.Error(), Err: err})
		}
	}
	for i, r := range c.UpdateRules {
		check("update_rules", i, r.Name, r.When)
	}
	for i, r := range c.IntakeRules {
		check("intake_rules", i, r.Name, r.When)
	}
	for i, p := range c.FollowUp {
		check("follow_up", i, p.Name, p.When)
	}
	for i, in := range c.Resolution.Intents {
		check("resolution.intents", i, in.Name, in.When)
	}
	for i, l := range c.Resolution.Lines {
		check("resolution.lines_of_business", i, l.Name, l.When)
	}
}

// checkCondition accepts an absent condition, an object or an expression
// string; the rules package checks the rest.
func checkCondition(ps *problems, path string, raw json.RawMessage) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	switch raw[0] {
	case '{':
		if string(bytes.Join(bytes.Fields(raw), nil)) == "{}" {
			ps.add(path, "empty condition")
		}
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
			ps.add(path, "empty expression")
		}
	default:
		ps.add(path, "a condition is an object ({\"field\", \"op\", \"value\"}, \"all\", \"any\") or an expression string")
	}
}

// intakeAttrs are case attributes an intake rule may set besides fields.
var intakeAttrs = map[string]bool{casemgmt.FieldTitle: true, casemgmt.FieldOrigin: true, casemgmt.AttrStatus: true, casemgmt.AttrStatusReason: true}

// knownFields are the fields a configuration declares: the schema when
// it is valid, and the names of the fields either way.
type knownFields struct {
	names  map[string]bool
	schema *casemgmt.Schema // nil when the fields have problems
}

// checkIntakeValue checks a value an intake rule sets for name.
func (f knownFields) checkIntakeValue(ps *problems, path, name string, v any) {
	known, schema := f.names, f.schema
	if !known[name] && !intakeAttrs[name] {
		ps.add(path, "unknown field")
		return
	}
	if s, ok := v.(string); ok && strings.Contains(s, "{{") {
		return // a template: checked when it is filled in
	}
	if name == casemgmt.AttrStatus {
		if s, _ := v.(string); !casemgmt.Status(s).Valid() {
			ps.add(path, fmt.Sprintf("unknown status %v", v))
		}
		return
	}
	if schema == nil || !known[name] {
		if _, ok := v.(string); !ok {
			ps.add(path, "must be text")
		}
		return
	}
	if _, err := schema.Validate(context.Background(), name, v, nil); err != nil {
		var fe *casemgmt.FieldError
		if errors.As(err, &fe) {
			ps.add(path, errText(fe.Err))
		} else {
			ps.add(path, err.Error())
		}
	}
}

// ImportContacts creates the configuration's contacts in s, skipping
// those whose id s already has, and returns how many it created.
func (c *Config) ImportContacts(ctx context.Context, s casemgmt.ContactStore) (int, error) {
	n := 0
	for i := range c.Contacts {
		ct := c.Contacts[i]
		if _, err := s.GetContact(ctx, ct.ID); err == nil {
			continue
		} else if !errors.Is(err, casemgmt.ErrNotFound) {
			return n, err
		}
		if err := s.CreateContact(ctx, &ct); err != nil {
			return n, fmt.Errorf("casemgmt: import contact %s: %w", ct.ID, err)
		}
		n++
	}
	return n, nil
}

// PredictFields returns the fields a predictor is asked for, by name; see
// Schema.PredictFields.
func (c *Config) PredictFields(names ...string) ([]predict.Field, error) {
	if c.schema == nil {
		return nil, fmt.Errorf("%w: not validated", casemgmt.ErrInvalidConfig)
	}
	return c.schema.PredictFields(names...)
}
