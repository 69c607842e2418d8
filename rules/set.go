package rules

import (
	"slices"
	"sync"

	"github.com/expr-lang/expr/vm"
)

// Set is an ordered list of compiled rules.
//
// A Set is immutable and safe for concurrent use by any number of
// goroutines: each evaluation takes its own expr VM from a pool. Match it
// against Values made from the same Vars it was compiled with.
type Set[A any] struct {
	rules    []Rule[A]
	programs []*vm.Program
	reads    [][]string // per rule, the variables its condition reads
	vars     Vars
	budget   uint
	empty    map[string]any // env for a nil *Values
	pool     sync.Pool      // of *vm.VM
}

// Compile checks every rule and compiles its condition against the
// declared variables. It reports the first problem as a *CompileError
// naming the rule and the position inside it; a bad declaration in vars
// is an error wrapping ErrInvalidVariable. Rule names must be unique and
// not empty; every rule, active or not, must have a valid condition.
//
// The returned Set keeps the rules' order. It refers to rs's conditions
// and actions; do not modify them afterwards.
func Compile[A any](vars Vars, rs []Rule[A], opts ...Option) (*Set[A], error) {
	if err := vars.Validate(); err != nil {
		return nil, err
	}
	c := newCompiler(vars, opts)
	if err := c.checkChoices(); err != nil {
		return nil, err
	}
	s := &Set[A]{
		rules:    slices.Clone(rs),
		programs: make([]*vm.Program, len(rs)),
		reads:    make([][]string, len(rs)),
		vars:     vars,
		budget:   c.cfg.memoryBudget,
		empty:    vars.NewValues().env,
	}
	seen := make(map[string]int, len(rs))
	for i := range s.rules {
		r := &s.rules[i]
		fail := func(err error) error {
			ce, ok := err.(*CompileError)
			if !ok {
				ce = &CompileError{Err: err}
			}
			ce.Rule, ce.Index = r.Name, i
			return ce
		}
		if r.Name == "" {
			return nil, fail(pathError("name", errorf(ErrInvalidRule, "missing name")))
		}
		if j, dup := seen[r.Name]; dup {
			return nil, fail(pathError("name", errorf(ErrInvalidRule, "same name as rule %d", j)))
		}
		seen[r.Name] = i
		prog, reads, err := c.compileCondition(&r.When)
		if err != nil {
			return nil, fail(err)
		}
		s.programs[i], s.reads[i] = prog, reads
	}
	s.pool.New = func() any { return new(vm.VM) }
	return s, nil
}

// Reads returns the declared variables rule i's condition reads, in the
// order they first appear: what the rule depends on. The slice must not
// be modified.
func (s *Set[A]) Reads(i int) []string { return s.reads[i] }

// Len returns the number of rules, active or not.
func (s *Set[A]) Len() int { return len(s.rules) }

// Rule returns the i-th rule, in the order given to Compile; i must be in
// [0, Len()). The rule is shared: do not modify it.
func (s *Set[A]) Rule(i int) *Rule[A] { return &s.rules[i] }

// Vars returns the declarations the set was compiled against.
func (s *Set[A]) Vars() Vars { return s.vars }

// NewValues is s.Vars().NewValues().
func (s *Set[A]) NewValues() *Values { return s.vars.NewValues() }

// All returns every active rule whose condition holds, in order. A rule
// whose evaluation fails counts as not matched and is reported in errs;
// the others are evaluated as usual. A nil *Values means every variable
// is unset. The returned rules are shared: do not modify them.
func (s *Set[A]) All(values *Values) (matched []*Rule[A], errs []*RuntimeError) {
	return s.AppendAll(nil, values)
}

// AppendAll is All appending the matched rules to dst, so that a caller
// that reuses dst does not allocate.
func (s *Set[A]) AppendAll(dst []*Rule[A], values *Values) (matched []*Rule[A], errs []*RuntimeError) {
	m := s.vm()
	defer s.pool.Put(m)
	env := s.env(values)
	for i := range s.rules {
		ok, err := s.eval(m, i, env)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			dst = append(dst, &s.rules[i])
		}
	}
	return dst, errs
}

// First returns the first active rule whose condition holds, or nil. The
// failures of the rules evaluated before it are reported in errs.
func (s *Set[A]) First(values *Values) (rule *Rule[A], errs []*RuntimeError) {
	m := s.vm()
	defer s.pool.Put(m)
	env := s.env(values)
	for i := range s.rules {
		ok, err := s.eval(m, i, env)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			return &s.rules[i], errs
		}
	}
	return nil, errs
}

// Holds evaluates the i-th rule alone, whether it is active or not; i
// must be in [0, Len()). A failure is a *RuntimeError.
func (s *Set[A]) Holds(i int, values *Values) (bool, error) {
	m := s.vm()
	defer s.pool.Put(m)
	r := &s.rules[i]
	ok, err := s.run(m, i, s.env(values))
	if err != nil {
		return false, &RuntimeError{Rule: r.Name, Index: i, Err: err}
	}
	return ok, nil
}

func (s *Set[A]) vm() *vm.VM {
	m := s.pool.Get().(*vm.VM)
	m.MemoryBudget = s.budget
	return m
}

func (s *Set[A]) env(values *Values) map[string]any {
	if values == nil {
		return s.empty
	}
	return values.env
}

func (s *Set[A]) eval(m *vm.VM, i int, env map[string]any) (bool, *RuntimeError) {
	if s.rules[i].Inactive {
		return false, nil
	}
	ok, err := s.run(m, i, env)
	if err != nil {
		return false, &RuntimeError{Rule: s.rules[i].Name, Index: i, Err: err}
	}
	return ok, nil
}

func (s *Set[A]) run(m *vm.VM, i int, env map[string]any) (bool, error) {
	out, err := m.Run(s.programs[i], env)
	if err != nil {
		return false, wrapCause(ErrRuntime, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, errorf(ErrRuntime, "result is %T, not bool", out)
	}
	return b, nil
}
