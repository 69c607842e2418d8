package agent

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/rules"
)

// Variables that conditions may use besides the schema's fields. Fields of
// the schema are variables of the same name.
const (
	VarChannel            = "channel"                 // "chat" or "email"
	VarConversationStatus = "conversation_status"     // requested, accepted, active, ended
	VarStatus             = casemgmt.AttrStatus       // the case's status
	VarStatusReason       = casemgmt.AttrStatusReason // the case's status reason
	VarFrom               = "from"                    // the sender's address
	VarTo                 = "to"                      // the recipients' addresses (To and Cc)
	VarSubject            = "subject"                 // the email's subject
	VarBody               = "body"                    // the new text of the latest customer message
)

// channelVars are the variables of channel facts, by type.
var channelVars = rules.Vars{
	VarChannel: rules.Text, VarConversationStatus: rules.Text,
	VarStatus: rules.Text, VarStatusReason: rules.Text,
	VarFrom: rules.Text, VarTo: rules.TextList, VarSubject: rules.Text, VarBody: rules.Text,
}

// RuleVars declares the variables a tenant's conditions may use: every
// schema field (text, email, choice and lookup fields as text, integer and
// currency fields as numbers, bool fields as bools) and the channel facts
// (channel, conversation_status, status, status_reason, from, to, subject,
// body). Choice fields declare their options, so a misspelt option in a
// condition is an error at load time.
func RuleVars(s *casemgmt.Schema) (rules.Vars, []rules.Option) {
	vars := rules.Vars{}
	for k, t := range channelVars {
		vars[k] = t
	}
	var opts []rules.Option
	for _, f := range s.Fields() {
		switch f.Type {
		case predict.TypeBool:
			vars[f.Name] = rules.Bool
		case predict.TypeInteger, predict.TypeCurrency:
			vars[f.Name] = rules.Number
		default:
			vars[f.Name] = rules.Text
		}
		if f.Type == predict.TypeChoice {
			vals := make([]string, len(f.Options))
			for i, o := range f.Options {
				vals[i] = o.Value
			}
			opts = append(opts, rules.WithChoices(f.Name, vals...))
		}
	}
	statuses := []string{string(casemgmt.StatusActive), string(casemgmt.StatusWaitingOnCustomer), string(casemgmt.StatusResolved), string(casemgmt.StatusClosed), string(casemgmt.StatusCancelled)}
	opts = append(opts, rules.WithChoices(VarStatus, statuses...))
	return vars, opts
}

// compiledRules are a configuration's conditions, compiled.
type compiledRules struct {
	vars   rules.Vars
	update *rules.Set[[]string]
	intake *rules.Set[int] // the action is the index in Config.IntakeRules
	// followUp holds the follow-up policies' conditions; the action is
	// the index in Config.FollowUp.
	followUp *rules.Set[int]
	// intents and lines are resolution's conditions; the action is the
	// index in Config.Resolution.Intents and .Lines.
	intents, lines *rules.Set[int]
}

// compileRules compiles the update and intake rules of cfg. Errors are
// *rules.CompileError naming the rule, wrapped with the section.
func compileRules(cfg *Config) (*compiledRules, error) {
	vars, opts := RuleVars(cfg.Schema())
	cr := &compiledRules{vars: vars}
	ups := make([]rules.Rule[[]string], len(cfg.UpdateRules))
	for i, r := range cfg.UpdateRules {
		cond, err := parseWhen(r.When)
		if err != nil {
			return nil, fmt.Errorf("casemgmt: update_rules[%d] (%s): %w", i, r.Name, err)
		}
		ups[i] = rules.Rule[[]string]{Name: r.Name, When: cond, Inactive: r.Disabled, Action: slices.Clone(r.Predict)}
	}
	var err error
	if cr.update, err = rules.Compile(vars, ups, opts...); err != nil {
		return nil, fmt.Errorf("casemgmt: update_rules: %w", err)
	}
	ins := make([]rules.Rule[int], len(cfg.IntakeRules))
	for i, r := range cfg.IntakeRules {
		cond, err := parseWhen(r.When)
		if err != nil {
			return nil, fmt.Errorf("casemgmt: intake_rules[%d] (%s): %w", i, r.Name, err)
		}
		ins[i] = rules.Rule[int]{Name: r.Name, When: cond, Inactive: r.Disabled, Action: i}
	}
	if cr.intake, err = rules.Compile(vars, ins, opts...); err != nil {
		return nil, fmt.Errorf("casemgmt: intake_rules: %w", err)
	}
	if cr.followUp, err = compileFollowUp(cfg, vars, opts); err != nil {
		return nil, err
	}
	intents := make([]rules.Rule[int], len(cfg.Resolution.Intents))
	for i, in := range cfg.Resolution.Intents {
		cond, err := parseWhen(in.When)
		if err != nil {
			return nil, fmt.Errorf("casemgmt: resolution.intents[%d] (%s): %w", i, in.Name, err)
		}
		intents[i] = rules.Rule[int]{Name: in.Name, When: cond, Inactive: in.Disabled, Action: i}
	}
	if cr.intents, err = rules.Compile(vars, intents, opts...); err != nil {
		return nil, fmt.Errorf("casemgmt: resolution.intents: %w", err)
	}
	lines := make([]rules.Rule[int], len(cfg.Resolution.Lines))
	for i, l := range cfg.Resolution.Lines {
		cond, err := parseWhen(l.When)
		if err != nil {
			return nil, fmt.Errorf("casemgmt: resolution.lines_of_business[%d] (%s): %w", i, l.Name, err)
		}
		lines[i] = rules.Rule[int]{Name: l.Name, When: cond, Action: i}
	}
	if cr.lines, err = rules.Compile(vars, lines, opts...); err != nil {
		return nil, fmt.Errorf("casemgmt: resolution.lines_of_business: %w", err)
	}
	return cr, nil
}

// parseWhen reads a condition as written in a configuration; no condition
// always holds.
func parseWhen(raw json.RawMessage) (rules.Condition, error) {
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" {
		return rules.Condition{Expr: "true"}, nil
	}
	var c rules.Condition
	if err := json.Unmarshal(raw, &c); err != nil {
		return rules.Condition{}, err
	}
	return c, nil
}
