package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm/runtime"
)

// The helpers are the functions compiled programs call. A program holds
// them as constants (the callee of a call node), so they are not visible
// to raw expressions and cost no lookup. Their signatures are
// func(any, any) bool and func(any) bool, which expr's VM calls directly,
// without allocating.
//
// Text constants given to the structured helpers are lower-cased at
// compile time; the helpers compare with simple Unicode case folding.

// foldSet is the constant of a text `in`: the lower-cased values.
type foldSet map[string]struct{}

// numberSet is the constant of a number `in`.
type numberSet map[float64]struct{}

// equalFold is `equals`: text case-insensitively, a list when any element
// is equal, numbers, bools and times by value. Unset is never equal.
func equalFold(a, b any) bool {
	switch x := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && strings.EqualFold(x, s)
	case []string:
		s, ok := b.(string)
		if !ok {
			return false
		}
		for _, e := range x {
			if strings.EqualFold(e, s) {
				return true
			}
		}
	case float64:
		f, ok := b.(float64)
		return ok && x == f
	case bool:
		v, ok := b.(bool)
		return ok && x == v
	case time.Time:
		t, ok := b.(time.Time)
		return ok && x.Equal(t)
	}
	return false
}

// inSet is `in`: the value (any element of a list) is one of the set.
func inSet(a, set any) bool {
	switch s := set.(type) {
	case foldSet:
		switch x := a.(type) {
		case string:
			return s.has(x)
		case []string:
			for _, e := range x {
				if s.has(e) {
					return true
				}
			}
		}
	case numberSet:
		if f, ok := a.(float64); ok {
			_, ok := s[f]
			return ok
		}
	}
	return false
}

// has looks s up case-insensitively. Short ASCII texts are lower-cased in
// a stack buffer, so the lookup does not allocate.
func (fs foldSet) has(s string) bool {
	var buf [64]byte
	if len(s) <= len(buf) {
		ascii := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			_, ok := fs[string(buf[:len(s)])]
			return ok
		}
	}
	_, ok := fs[strings.ToLower(s)]
	return ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsText reports whether s contains the lower-cased sub, ignoring
// case. ASCII texts are searched in place; others are lower-cased first.
func containsText(s, sub string) bool {
	if !isASCII(s) || !isASCII(sub) {
		return strings.Contains(strings.ToLower(s), sub)
	}
	if len(sub) == 0 {
		return true
	}
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < len(sub) && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func prefixText(s, prefix string) bool {
	if isASCII(prefix) && isASCII(s) {
		return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
	}
	return strings.HasPrefix(strings.ToLower(s), prefix)
}

// containsFold is `contains`: case-insensitive substring; for a list, any
// element contains it.
func containsFold(a, b any) bool {
	sub, ok := b.(string)
	if !ok {
		return false
	}
	switch x := a.(type) {
	case string:
		return containsText(x, sub)
	case []string:
		for _, e := range x {
			if containsText(e, sub) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold is `starts_with`.
func hasPrefixFold(a, b any) bool {
	p, ok := b.(string)
	if !ok {
		return false
	}
	switch x := a.(type) {
	case string:
		return prefixText(x, p)
	case []string:
		for _, e := range x {
			if prefixText(e, p) {
				return true
			}
		}
	}
	return false
}

// matchRegexp is `matches`; the regexp was compiled case-insensitive.
func matchRegexp(a, b any) bool {
	re, ok := b.(*regexp.Regexp)
	if !ok {
		return false
	}
	switch x := a.(type) {
	case string:
		return x != "" && re.MatchString(x)
	case []string:
		for _, e := range x {
			if e != "" && re.MatchString(e) {
				return true
			}
		}
	}
	return false
}

// isEmpty is `is_empty`: unset, a text of only white space, a list whose
// elements are all such texts, or the zero time.
func isEmpty(a any) bool {
	switch x := a.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []string:
		for _, e := range x {
			if strings.TrimSpace(e) != "" {
				return false
			}
		}
		return true
	case time.Time:
		return x.IsZero()
	}
	return false
}

// greater is `greater_than` on numbers and times; unset is false.
func greater(a, b any) bool {
	switch x := a.(type) {
	case float64:
		f, ok := b.(float64)
		return ok && x > f
	case time.Time:
		t, ok := b.(time.Time)
		return ok && x.After(t)
	}
	return false
}

// less is `less_than` on numbers and times; unset is false.
func less(a, b any) bool {
	switch x := a.(type) {
	case float64:
		f, ok := b.(float64)
		return ok && x < f
	case time.Time:
		t, ok := b.(time.Time)
		return ok && x.Before(t)
	}
	return false
}

// The raw helpers keep expr's meaning of an operator, except that an
// unset (nil) operand makes the result false instead of an error. Any
// other failure panics, which the VM turns into a run-time error.

func rawEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return runtime.Equal(a, b)
}

func rawMore(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	return runtime.More(a, b)
}

func rawLess(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	return runtime.Less(a, b)
}

func rawMoreEq(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	return runtime.MoreOrEqual(a, b)
}

func rawLessEq(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	return runtime.LessOrEqual(a, b)
}

func twoTexts(op string, a, b any) (string, string, bool) {
	if a == nil || b == nil {
		return "", "", false
	}
	s, ok1 := a.(string)
	t, ok2 := b.(string)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("invalid operation: %T %s %T", a, op, b))
	}
	return s, t, true
}

func rawContains(a, b any) bool {
	s, t, ok := twoTexts("contains", a, b)
	return ok && strings.Contains(s, t)
}

func rawStartsWith(a, b any) bool {
	s, t, ok := twoTexts("startsWith", a, b)
	return ok && strings.HasPrefix(s, t)
}

func rawEndsWith(a, b any) bool {
	s, t, ok := twoTexts("endsWith", a, b)
	return ok && strings.HasSuffix(s, t)
}

func rawMatches(a, b any) bool {
	if a == nil {
		return false
	}
	re, ok := b.(*regexp.Regexp)
	s, ok2 := a.(string)
	if !ok || !ok2 {
		panic(fmt.Sprintf("invalid operation: %T matches %T", a, b))
	}
	return re.MatchString(s)
}

// maxTextLen bounds the texts a raw expression may build by
// concatenation, so that `let a = body + body; let b = a + a; ...`
// cannot exhaust memory.
const maxTextLen = 1 << 20

func concatText(a, b any) string {
	s, ok1 := a.(string)
	t, ok2 := b.(string)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("invalid operation: %T + %T", a, b))
	}
	if len(s)+len(t) > maxTextLen {
		panic(fmt.Sprintf("text longer than %d bytes", maxTextLen))
	}
	return s + t
}
