package casemgmt

import (
	"slices"
	"strings"
)

// problems collects what is wrong in a configuration.
type problems []Problem

func (ps *problems) add(path, msg string) { *ps = append(*ps, Problem{Path: path, Msg: msg}) }

func (ps problems) err(source string) error {
	if len(ps) == 0 {
		return nil
	}
	return &ConfigError{Source: source, Problems: slices.Clone(ps)}
}

// foldKey is how option values are compared: without regard to case.
func foldKey(s string) string { return strings.ToLower(s) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
