package rules

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Default limits; see the Option functions.
const (
	DefaultMaxNodes      = 500
	DefaultMaxExprLen    = 4096
	DefaultMaxConditions = 256
	DefaultMaxDepth      = 16
	DefaultMaxListLen    = 1000
	DefaultMemoryBudget  = 100_000
)

// Option configures Compile.
type Option func(*config)

type config struct {
	maxNodes      uint
	maxExprLen    int
	maxConditions int
	maxDepth      int
	maxListLen    int
	memoryBudget  uint
	choices       map[string][]string
}

// WithMaxNodes limits the size of a raw expression in syntax-tree nodes
// (default DefaultMaxNodes).
func WithMaxNodes(n uint) Option { return func(c *config) { c.maxNodes = max(n, 1) } }

// WithMaxExprLen limits the length of a raw expression in bytes (default
// DefaultMaxExprLen).
func WithMaxExprLen(n int) Option { return func(c *config) { c.maxExprLen = max(n, 1) } }

// WithMaxConditions limits the number of conditions (comparisons, all,
// any and expr, counted together) in one rule (default
// DefaultMaxConditions).
func WithMaxConditions(n int) Option { return func(c *config) { c.maxConditions = max(n, 1) } }

// WithMaxDepth limits how deep all and any may nest (default
// DefaultMaxDepth).
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = max(n, 1) } }

// WithMaxListLen limits the number of values of in and not_in (default
// DefaultMaxListLen).
func WithMaxListLen(n int) Option { return func(c *config) { c.maxListLen = max(n, 1) } }

// WithMemoryBudget sets expr's memory budget for one evaluation of one
// rule: roughly the number of elements of the lists, maps and ranges an
// expression may build (default DefaultMemoryBudget). A rule that
// exceeds it fails at run time.
func WithMemoryBudget(n uint) Option { return func(c *config) { c.memoryBudget = max(n, 1) } }

// WithChoices declares the values a Text or TextList variable can take,
// such as the options of a choice field. Compile then refuses, as a
// *CompileError wrapping ErrBadValue, a structured equals, not_equals, in
// or not_in value that is not one of them (ignoring case, as the
// comparison does), and a raw expression that compares the variable by
// ==, != or in with a text literal that is not exactly one of them (raw
// comparisons are case-sensitive). A typo in an option is then an error
// at load time instead of a rule that never holds. Calling it again for
// the same variable replaces the list.
func WithChoices(variable string, values ...string) Option {
	values = slices.Clone(values)
	return func(c *config) {
		if c.choices == nil {
			c.choices = map[string][]string{}
		}
		c.choices[variable] = values
	}
}

// allowedBuiltins are the expr builtins raw expressions may call: pure
// functions of their arguments whose results are no larger than their
// inputs or are counted by expr's memory budget (concat, flatten, sort,
// reverse). Excluded are now, date and timezone (clock and time-zone
// files), and the functions that can make large values from small ones
// outside the budget or decode text (repeat, split, splitAfter, replace,
// join, string, toJSON, fromJSON, toBase64, fromBase64).
var allowedBuiltins = []string{
	"all", "none", "any", "one", "filter", "map", "find", "findIndex",
	"findLast", "findLastIndex", "count", "sum", "len", "type", "abs",
	"ceil", "floor", "round", "int", "float", "trim",
	"trimPrefix", "trimSuffix", "upper", "lower", "indexOf",
	"lastIndexOf", "hasPrefix", "hasSuffix", "max", "min", "mean",
	"median", "duration", "first", "last", "get", "take", "keys",
	"values", "reverse", "uniq", "concat", "flatten", "sort",
}

var timeType = reflect.TypeOf(time.Time{})

// compiler compiles the conditions of one rule set.
type ruleCompiler struct {
	vars   Vars
	env    map[string]any // declaration for expr's checker
	cfg    config
	exact  map[string]map[string]bool // WithChoices values, per variable
	folded map[string]map[string]bool // the same, lower-cased
}

func newCompiler(vars Vars, opts []Option) *ruleCompiler {
	cfg := config{
		maxNodes:      DefaultMaxNodes,
		maxExprLen:    DefaultMaxExprLen,
		maxConditions: DefaultMaxConditions,
		maxDepth:      DefaultMaxDepth,
		maxListLen:    DefaultMaxListLen,
		memoryBudget:  DefaultMemoryBudget,
	}
	for _, o := range opts {
		o(&cfg)
	}
	env := make(map[string]any, len(vars))
	for n, t := range vars {
		env[n] = t.sample()
	}
	rc := &ruleCompiler{vars: vars, env: env, cfg: cfg}
	if len(cfg.choices) > 0 {
		rc.exact = map[string]map[string]bool{}
		rc.folded = map[string]map[string]bool{}
		for name, values := range cfg.choices {
			rc.exact[name] = map[string]bool{}
			rc.folded[name] = map[string]bool{}
			for _, v := range values {
				rc.exact[name][v] = true
				rc.folded[name][strings.ToLower(v)] = true
			}
		}
	}
	return rc
}

// checkChoices reports a WithChoices declaration for a variable that is
// not declared as Text or TextList.
func (c *ruleCompiler) checkChoices() error {
	names := make([]string, 0, len(c.cfg.choices))
	for n := range c.cfg.choices {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if t := c.vars[n]; t != Text && t != TextList {
			return errorf(ErrInvalidVariable, "choices for %q, which is not a declared text variable", n)
		}
	}
	return nil
}

// checkChoice reports a lower-cased structured value that is not a choice
// of the variable.
func (c *ruleCompiler) checkChoice(variable, lowered, original, path string) error {
	folded, ok := c.folded[variable]
	if !ok || folded[lowered] {
		return nil
	}
	return pathError(path, errorf(ErrBadValue, "%q is not a choice of %s", original, variable))
}

// exprConfig builds expr's configuration the same way expr.Compile does.
func (c *ruleCompiler) exprConfig(visitors ...ast.Visitor) *conf.Config {
	cfg := conf.CreateNew()
	opts := []expr.Option{expr.Env(c.env), expr.AsBool(), expr.MaxNodes(c.cfg.maxNodes), expr.DisableAllBuiltins()}
	for _, b := range allowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	for _, v := range visitors {
		opts = append(opts, expr.Patch(v))
	}
	for _, o := range opts {
		o(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	cfg.Check()
	return cfg
}

// compileCondition compiles a rule's condition into one program. Errors
// are *CompileError with Path set. A panic inside expr's parser, checker
// or compiler (none is known; the fuzz tests look for them) becomes an
// error, so no configuration can take the caller down.
func (c *ruleCompiler) compileCondition(cond *Condition) (prog *vm.Program, reads []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, reads, err = nil, nil, pathError("when", errorf(ErrSyntax, "internal compiler error: %v", r))
		}
	}()
	g := &generator{c: c}
	node, err := g.condition(cond, "when", 0)
	if err != nil {
		return nil, nil, err
	}
	tree := &parser.Tree{Node: node, Source: file.NewSource("")}
	cfg := c.exprConfig()
	if _, err := new(checker.Checker).PatchAndCheck(tree, cfg); err != nil {
		return nil, nil, pathError("when", classify(err))
	}
	idents := &identCollector{vars: c.vars}
	ast.Walk(&tree.Node, idents)
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, nil, pathError("when", classify(err))
	}
	prog, err = compiler.Compile(tree, cfg)
	if err != nil {
		return nil, nil, pathError("when", classify(err))
	}
	return prog, idents.names, nil
}

// identCollector collects the declared variables a condition reads, in
// the order they first appear.
type identCollector struct {
	vars  Vars
	names []string
}

func (v *identCollector) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok {
		return
	}
	if _, declared := v.vars[id.Value]; declared && !slices.Contains(v.names, id.Value) {
		v.names = append(v.names, id.Value)
	}
}

// classify maps an expr error to the package's sentinels.
func classify(err error) error {
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = fe.Message
	}
	var sentinel error
	switch {
	case strings.HasPrefix(msg, "unknown name"):
		sentinel = ErrUnknownVariable
	case strings.Contains(msg, "error parsing regexp"):
		sentinel = ErrBadRegexp
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		sentinel = ErrTooLarge
	case strings.Contains(msg, "mismatched types"),
		strings.HasPrefix(msg, "expected bool"),
		strings.HasPrefix(msg, "invalid operation"),
		strings.HasPrefix(msg, "cannot use"),
		strings.Contains(msg, "not enough arguments"),
		strings.Contains(msg, "too many arguments"):
		sentinel = ErrTypeMismatch
	default:
		sentinel = ErrSyntax
	}
	return &wrapped{sentinel: sentinel, msg: msg, cause: err}
}

// generator turns a Condition into an expr syntax tree.
type generator struct {
	c     *ruleCompiler
	count int
}

func identifier(name string) ast.Node { return &ast.IdentifierNode{Value: name} }

// call calls a helper function held as a constant.
func call(fn any, args ...ast.Node) ast.Node {
	return &ast.CallNode{Callee: &ast.ConstantNode{Value: fn}, Arguments: args}
}

func not(n ast.Node) ast.Node { return &ast.UnaryNode{Operator: "!", Node: n} }

func constant(v any) ast.Node { return &ast.ConstantNode{Value: v} }

func (g *generator) condition(c *Condition, path string, depth int) (ast.Node, error) {
	g.count++
	if g.count > g.c.cfg.maxConditions {
		return nil, pathError(path, errorf(ErrTooLarge, "more than %d conditions", g.c.cfg.maxConditions))
	}
	if depth > g.c.cfg.maxDepth {
		return nil, pathError(path, errorf(ErrTooLarge, "nested deeper than %d", g.c.cfg.maxDepth))
	}
	shapes := 0
	if c.Field != "" || c.Op != "" || c.Value != nil {
		shapes++
	}
	if c.All != nil {
		shapes++
	}
	if c.Any != nil {
		shapes++
	}
	if c.Expr != "" {
		shapes++
	}
	switch {
	case shapes == 0:
		return nil, pathError(path, errorf(ErrInvalidCondition, "empty condition: want field and op, all, any or expr"))
	case shapes > 1:
		return nil, pathError(path, errorf(ErrInvalidCondition, "more than one of field/op, all, any and expr"))
	case c.All != nil:
		return g.list(c.All, join(path, "all"), "&&", depth)
	case c.Any != nil:
		return g.list(c.Any, join(path, "any"), "||", depth)
	case c.Expr != "":
		return g.c.raw(c.Expr, join(path, "expr"))
	}
	return g.comparison(c, path)
}

func (g *generator) list(subs []Condition, path, op string, depth int) (ast.Node, error) {
	if len(subs) == 0 {
		return nil, pathError(path, errorf(ErrInvalidCondition, "empty list of conditions"))
	}
	var node ast.Node
	for i := range subs {
		n, err := g.condition(&subs[i], index(path, i), depth+1)
		if err != nil {
			return nil, err
		}
		if node == nil {
			node = n
		} else {
			node = &ast.BinaryNode{Operator: op, Left: node, Right: n}
		}
	}
	return node, nil
}

// applies lists the operators that apply to each type.
var applies = map[Op][]Type{
	Equals:      {Text, TextList, Number, Bool, Time},
	NotEquals:   {Text, TextList, Number, Bool, Time},
	Contains:    {Text, TextList},
	NotContains: {Text, TextList},
	StartsWith:  {Text, TextList},
	Matches:     {Text, TextList},
	In:          {Text, TextList, Number},
	NotIn:       {Text, TextList, Number},
	GreaterThan: {Number, Time},
	LessThan:    {Number, Time},
	IsEmpty:     {Text, TextList, Number, Bool, Time},
	IsNotEmpty:  {Text, TextList, Number, Bool, Time},
}

func (g *generator) comparison(c *Condition, path string) (ast.Node, error) {
	fieldPath, opPath, valuePath := join(path, "field"), join(path, "op"), join(path, "value")
	if c.Field == "" {
		return nil, pathError(fieldPath, errorf(ErrInvalidCondition, "missing field"))
	}
	t, ok := g.c.vars[c.Field]
	if !ok {
		return nil, pathError(fieldPath, errorf(ErrUnknownVariable, "%q is not declared%s", c.Field, suggest(c.Field, g.c.vars)))
	}
	if c.Op == "" {
		return nil, pathError(opPath, errorf(ErrInvalidCondition, "missing op"))
	}
	types, ok := applies[c.Op]
	if !ok {
		return nil, pathError(opPath, errorf(ErrUnknownOperator, "%q", string(c.Op)))
	}
	if !slices.Contains(types, t) {
		return nil, pathError(opPath, errorf(ErrTypeMismatch, "%s does not apply to %s (a %v)", c.Op, c.Field, t))
	}
	field := identifier(c.Field)
	if c.Op == IsEmpty || c.Op == IsNotEmpty {
		if c.Value != nil {
			return nil, pathError(valuePath, errorf(ErrBadValue, "%s takes no value", c.Op))
		}
		n := call(isEmpty, field)
		if c.Op == IsNotEmpty {
			n = not(n)
		}
		return n, nil
	}
	if c.Value == nil {
		return nil, pathError(valuePath, errorf(ErrBadValue, "missing value"))
	}
	scalar := t
	if t == TextList {
		scalar = Text
	}
	var n ast.Node
	switch c.Op {
	case Equals, NotEquals:
		v, err := g.scalar(scalar, c.Value, valuePath)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			if err := g.c.checkChoice(c.Field, s, c.Value.(string), valuePath); err != nil {
				return nil, err
			}
		}
		n = call(equalFold, field, constant(v))
		if c.Op == NotEquals {
			n = not(n)
		}
	case Contains, NotContains, StartsWith:
		v, err := g.scalar(Text, c.Value, valuePath)
		if err != nil {
			return nil, err
		}
		var fn func(a, b any) bool = containsFold
		if c.Op == StartsWith {
			fn = hasPrefixFold
		}
		n = call(fn, field, constant(v))
		if c.Op == NotContains {
			n = not(n)
		}
	case Matches:
		s, ok := c.Value.(string)
		if !ok {
			return nil, pathError(valuePath, errorf(ErrTypeMismatch, "want a regular expression as text, got %s", goKind(c.Value)))
		}
		re, err := regexp.Compile("(?i)" + s)
		if err != nil {
			return nil, pathError(valuePath, wrapCause(ErrBadRegexp, err))
		}
		n = call(matchRegexp, field, constant(re))
	case In, NotIn:
		set, err := g.set(c.Field, scalar, c.Value, valuePath)
		if err != nil {
			return nil, err
		}
		n = call(inSet, field, constant(set))
		if c.Op == NotIn {
			n = not(n)
		}
	case GreaterThan, LessThan:
		v, err := g.scalar(scalar, c.Value, valuePath)
		if err != nil {
			return nil, err
		}
		var fn func(a, b any) bool = greater
		if c.Op == LessThan {
			fn = less
		}
		n = call(fn, field, constant(v))
	}
	return n, nil
}

// scalar checks and normalises one condition value for a variable of
// type t: text is lower-cased, numbers become float64, times are parsed.
func (g *generator) scalar(t Type, v any, path string) (any, error) {
	mismatch := func() error {
		return pathError(path, errorf(ErrTypeMismatch, "want %v, got %s", t, goKind(v)))
	}
	switch t {
	case Text:
		s, ok := v.(string)
		if !ok {
			return nil, mismatch()
		}
		if strings.TrimSpace(s) == "" {
			return nil, pathError(path, errorf(ErrBadValue, "empty text; use is_empty or is_not_empty"))
		}
		return strings.ToLower(s), nil
	case Number:
		if _, isText := v.(string); isText {
			return nil, mismatch()
		}
		f, ok := toFloat(v)
		if !ok {
			if _, isNum := v.(interface{ Float64() (float64, error) }); isNum {
				return nil, pathError(path, errorf(ErrBadValue, "%v is out of range", v))
			}
			return nil, mismatch()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, pathError(path, errorf(ErrBadValue, "%v is not a finite number", f))
		}
		return f, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, mismatch()
		}
		return b, nil
	case Time:
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			tm, err := time.Parse(time.RFC3339, x)
			if err != nil {
				return nil, pathError(path, errorf(ErrBadValue, "%q is not an RFC 3339 time", x))
			}
			return tm, nil
		}
		return nil, mismatch()
	}
	return nil, mismatch()
}

// set builds the constant of in and not_in.
func (g *generator) set(variable string, t Type, v any, path string) (any, error) {
	list, ok := v.([]any)
	if !ok {
		if ss, isStrings := v.([]string); isStrings {
			list = make([]any, len(ss))
			for i, s := range ss {
				list[i] = s
			}
		} else if fs, isFloats := v.([]float64); isFloats {
			list = make([]any, len(fs))
			for i, f := range fs {
				list[i] = f
			}
		} else {
			return nil, pathError(path, errorf(ErrTypeMismatch, "want a list of %v, got %s", t, goKind(v)))
		}
	}
	if len(list) == 0 {
		return nil, pathError(path, errorf(ErrBadValue, "empty list"))
	}
	if len(list) > g.c.cfg.maxListLen {
		return nil, pathError(path, errorf(ErrTooLarge, "more than %d values", g.c.cfg.maxListLen))
	}
	switch t {
	case Text:
		set := make(foldSet, len(list))
		for i, e := range list {
			s, err := g.scalar(Text, e, index(path, i))
			if err != nil {
				return nil, err
			}
			if err := g.c.checkChoice(variable, s.(string), e.(string), index(path, i)); err != nil {
				return nil, err
			}
			set[s.(string)] = struct{}{}
		}
		return set, nil
	case Number:
		set := make(numberSet, len(list))
		for i, e := range list {
			f, err := g.scalar(Number, e, index(path, i))
			if err != nil {
				return nil, err
			}
			set[f.(float64)] = struct{}{}
		}
		return set, nil
	}
	return nil, pathError(path, errorf(ErrTypeMismatch, "in does not apply to %v", t))
}

func goKind(v any) string {
	switch v.(type) {
	case []string, []float64:
		return "list"
	case time.Time:
		return "time"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return "number"
	}
	return kindName(v)
}

// suggest returns ` (did you mean "x"?)` when a declared name is one or
// two edits away from name.
func suggest(name string, vars Vars) string {
	best, bestDist := "", 3
	for v := range vars {
		d := editDistance(strings.ToLower(name), strings.ToLower(v), bestDist)
		if d < bestDist || (d == bestDist && best != "" && v < best) {
			best, bestDist = v, d
		}
	}
	if best == "" || bestDist > 2 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance, giving up above limit.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit + 1
	}
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
