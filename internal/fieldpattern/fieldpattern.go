// Package fieldpattern compiles the patterns of text fields (a serial number's
// shape, say) so that they match whole values only, and keeps them: a
// tenant has a handful, and values are checked far more often than
// patterns change.
package fieldpattern

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// Compile compiles a field pattern anchored at both ends, so that it
// matches whole values only. Compiled patterns are kept (a tenant has a
// handful), since predict.Field.Normalize runs on every predicted and
// every stored value and compiling costs far more than matching. It is
// safe for concurrent use.
func Compile(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	if patternCount.Add(1) <= maxPatterns {
		patterns.Store(p, re)
	}
	return re, nil
}

// patterns caches compiled field patterns, up to maxPatterns of them, for
// the process: the one cache of the module, bounded and invisible to
// callers (a *regexp.Regexp is safe for concurrent use).
var (
	patterns     sync.Map // pattern -> *regexp.Regexp
	patternCount atomic.Int64
)

const maxPatterns = 4096
