package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. A *CompileError, a *RuntimeError and the errors of
// [Values.Set] wrap one of them, so callers test with errors.Is.
var (
	// ErrSyntax: the document is not valid JSON or YAML, a key holds the
	// wrong kind of value, or an expression does not parse.
	ErrSyntax = errors.New("rules: syntax error")
	// ErrUnknownKey: an object holds a key this package does not know.
	ErrUnknownKey = errors.New("rules: unknown key")
	// ErrInvalidRule: a rule has no name, a duplicate name or no condition.
	ErrInvalidRule = errors.New("rules: invalid rule")
	// ErrInvalidCondition: a condition is not exactly one of a comparison
	// (field and op), all, any or expr.
	ErrInvalidCondition = errors.New("rules: invalid condition")
	// ErrUnknownVariable: a condition names a variable that is not declared.
	ErrUnknownVariable = errors.New("rules: unknown variable")
	// ErrUnknownOperator: a structured condition names an operator this
	// package does not have.
	ErrUnknownOperator = errors.New("rules: unknown operator")
	// ErrTypeMismatch: an operator or a value does not fit the type of a
	// variable, or an expression does not type-check or is not boolean.
	ErrTypeMismatch = errors.New("rules: type mismatch")
	// ErrBadValue: a value has the right type but cannot be used: an empty
	// text, an empty list, a time that does not parse, a number that is
	// not finite, a value given to is_empty.
	ErrBadValue = errors.New("rules: bad value")
	// ErrBadRegexp: a regular expression does not compile.
	ErrBadRegexp = errors.New("rules: bad regular expression")
	// ErrTooLarge: a condition or expression exceeds a configured limit.
	ErrTooLarge = errors.New("rules: too large")
	// ErrInvalidVariable: a variable declaration has a bad name or type.
	ErrInvalidVariable = errors.New("rules: invalid variable declaration")
	// ErrRuntime: an expression failed while it was evaluated.
	ErrRuntime = errors.New("rules: evaluation failed")
)

// CompileError reports a rule that cannot be loaded or compiled. It names
// the rule (by its name and its index in the list) and the position of the
// problem inside the rule.
//
// Path is relative to the rule, in the form `when.all[1].op`. For a raw
// expression, Line and Column (1-based) locate the problem inside the
// expression text at Path; they are zero otherwise.
//
// Err is one of the package's sentinel errors, possibly wrapping the
// underlying cause; Unwrap returns it, so errors.Is(err, ErrUnknownVariable)
// works.
type CompileError struct {
	Rule   string // rule name, empty when not known yet
	Index  int    // position of the rule in its list; -1 when not known
	Path   string // position inside the rule, e.g. "when.all[1].value"
	Line   int    // line inside a raw expression, 1-based; 0 if none
	Column int    // column inside a raw expression, 1-based; 0 if none
	Err    error
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("rules: ")
	if e.Index >= 0 {
		b.WriteString("rule ")
		b.WriteString(strconv.Itoa(e.Index))
		if e.Rule != "" {
			b.WriteString(" ")
			b.WriteString(strconv.Quote(e.Rule))
		}
		b.WriteString(": ")
	} else if e.Rule != "" {
		b.WriteString("rule ")
		b.WriteString(strconv.Quote(e.Rule))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "rules: "))
	return b.String()
}

func (e *CompileError) Unwrap() error { return e.Err }

// RuntimeError reports a rule whose condition failed while it was
// evaluated. The rule counts as not matched; the other rules are evaluated
// as usual. Err wraps ErrRuntime and the cause.
type RuntimeError struct {
	Rule  string // rule name
	Index int    // position of the rule in its set
	Err   error
}

func (e *RuntimeError) Error() string {
	return fmt.Sprintf("rules: rule %d %q: %v", e.Index, e.Rule, strings.TrimPrefix(e.Err.Error(), "rules: "))
}

func (e *RuntimeError) Unwrap() error { return e.Err }

// wrapped joins a sentinel with a cause so that both are visible to
// errors.Is and the message reads "sentinel: cause".
type wrapped struct {
	sentinel error
	msg      string
	cause    error
}

func (w *wrapped) Error() string { return w.sentinel.Error() + ": " + w.msg }
func (w *wrapped) Unwrap() []error {
	if w.cause != nil {
		return []error{w.sentinel, w.cause}
	}
	return []error{w.sentinel}
}

func errorf(sentinel error, format string, args ...any) error {
	return &wrapped{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

func wrapCause(sentinel error, cause error) error {
	return &wrapped{sentinel: sentinel, msg: cause.Error(), cause: cause}
}
