package textclass

import (
	"context"
	"fmt"
	"strings"

	"github.com/caseagent/caseagent/predict"
)

// TrainFewShot trains a classifier for a choice field from a handful of
// example phrases per option, for a tenant that has no history yet, the
// way intent tools ask for training phrases. Each option's own Examples
// (predict.Option.Examples, given in the tenant's configuration) are
// phrases for it; phrases maps an option's value to more phrases, in any
// language, which are added after them (nil adds none). Every option of the field also counts its own name (its
// label, or its value with underscores and hyphens read as spaces) as a
// phrase, so an option without phrases can still be chosen when a
// customer names it. Options are taken in the field's order, which with
// the options makes training deterministic.
//
// A key of phrases that is not one of the field's options is an error
// wrapping ErrBadExample; a field with fewer than two options is an error
// wrapping ErrOneLabel.
func TrainFewShot(ctx context.Context, field predict.Field, phrases map[string][]string, opts ...Option) (*Model, error) {
	known := map[string]bool{}
	for _, o := range field.Options {
		known[o.Value] = true
	}
	for v := range phrases {
		if !known[v] {
			return nil, fmt.Errorf("%w: phrases for %q, which is not an option of %s", ErrBadExample, v, field.Name)
		}
	}
	if len(known) < 2 {
		return nil, fmt.Errorf("%w: field %s has %d options", ErrOneLabel, field.Name, len(known))
	}
	var ex []Example
	for _, o := range field.Options {
		name := o.Label
		if name == "" {
			name = strings.Join(strings.FieldsFunc(o.Value, func(r rune) bool { return r == '_' || r == '-' }), " ")
		}
		if strings.TrimSpace(name) != "" {
			ex = append(ex, Example{Text: name, Label: o.Value})
		}
		for _, list := range [][]string{o.Examples, phrases[o.Value]} {
			for _, p := range list {
				if strings.TrimSpace(p) != "" {
					ex = append(ex, Example{Text: p, Label: o.Value})
				}
			}
		}
	}
	return Train(ctx, ex, opts...)
}
