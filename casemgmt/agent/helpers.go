package agent

import (
	"slices"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/internal/redact"
)

// problems collects what is wrong in a configuration.
type problems []casemgmt.Problem

func (ps *problems) add(path, msg string) {
	*ps = append(*ps, casemgmt.Problem{Path: path, Msg: msg})
}

func (ps *problems) addAll(more []casemgmt.Problem) { *ps = append(*ps, more...) }

func (ps problems) err(source string) error {
	if len(ps) == 0 {
		return nil
	}
	return &casemgmt.ConfigError{Source: source, Problems: slices.Clone(ps)}
}

// errText is an error's text without the package prefix of the domain's
// errors, for records that already say where they come from, with
// secrets (API keys, tokens, passwords in URLs) taken out: provider and
// server errors echo what they were sent, and records are kept.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return redact.String(strings.TrimPrefix(err.Error(), "casemgmt: "))
}

// storable reports whether v is a value a case field can hold.
func storable(v any) bool {
	switch v.(type) {
	case nil, string, bool, int64, float64:
		return true
	}
	return false
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
