package casemgmt

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by stores and by the domain. Match them with errors.Is.
var (
	// ErrNotFound: the case, contact, link or state key does not exist.
	ErrNotFound = errors.New("casemgmt: not found")
	// ErrConflict: an update carried a Version other than the stored one.
	// Read the case again and retry.
	ErrConflict = errors.New("casemgmt: version conflict")
	// ErrDuplicate: the id, external id, contact email, or conversation or
	// email link is already taken by another record.
	ErrDuplicate = errors.New("casemgmt: already exists")
	// ErrKeyUsed: the idempotency key of a write was used before; the
	// write changed nothing.
	ErrKeyUsed = errors.New("casemgmt: idempotency key already used")
	// ErrInvalid: the input is malformed (unknown status, value of a type
	// that cannot be stored, empty key, ...). Nothing was changed.
	ErrInvalid = errors.New("casemgmt: invalid input")

	// ErrUnknownField: a value names a field the schema does not have.
	ErrUnknownField = errors.New("casemgmt: unknown field")
	// ErrInvalidValue: a value does not fit its field: wrong type, not
	// one of the options, not matching the pattern, or a lookup id that
	// does not exist.
	ErrInvalidValue = errors.New("casemgmt: invalid value")
	// ErrInvalidConfig: a tenant configuration is malformed. The error is
	// a *ConfigError naming the path of every problem.
	ErrInvalidConfig = errors.New("casemgmt: invalid configuration")
)

// FieldError is a value refused for a field. It unwraps to
// ErrUnknownField or ErrInvalidValue (and, for a contact that does not
// exist, also to ErrNotFound).
type FieldError struct {
	Field string
	Value any
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("casemgmt: field %s: %v", e.Field, errText(e.Err))
}

func (e *FieldError) Unwrap() error { return e.Err }

// errText drops the package prefix of a wrapped sentinel so messages do
// not repeat it.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "casemgmt: ")
}

// Problem is one thing wrong in a configuration, at a path such as
// "fields[3].options" or "update_rules[0].when.all[1].value".
type Problem struct {
	Path string
	Msg  string
	// Err is the error behind the problem, when there is one (such as a
	// *rules.CompileError for a condition); ConfigError unwraps to it.
	Err error
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// ConfigError lists what is wrong in a tenant configuration: every
// problem, not the first. It unwraps to ErrInvalidConfig and to the error
// behind each problem, so that errors.As finds a *rules.CompileError.
type ConfigError struct {
	// Source names the file or input, when known.
	Source   string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("casemgmt: invalid configuration")
	if e.Source != "" {
		b.WriteString(" ")
		b.WriteString(e.Source)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalidConfig and the problems' errors.
func (e *ConfigError) Unwrap() []error {
	out := []error{ErrInvalidConfig}
	for _, p := range e.Problems {
		if p.Err != nil {
			out = append(out, p.Err)
		}
	}
	return out
}
