package rules

import (
	"errors"
	"reflect"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/file"
)

// raw parses and checks a raw expression on its own, so that its errors
// carry positions inside its own text, and returns its checked tree for
// the rule's program.
func (c *ruleCompiler) raw(src, path string) (ast.Node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, pathError(path, errorf(ErrInvalidCondition, "empty expression"))
	}
	if len(src) > c.cfg.maxExprLen {
		return nil, pathError(path, errorf(ErrTooLarge, "expression longer than %d bytes", c.cfg.maxExprLen))
	}
	reserved := &reservedNames{}
	choices := &choiceCheck{exact: c.exact}
	cfg := c.exprConfig(reserved, choices, nilSafe{})
	tree, err := checker.ParseCheck(src, cfg)
	if reserved.found {
		line, col := position(src, reserved.loc.From)
		return nil, &CompileError{Index: -1, Path: path, Line: line, Column: col,
			Err: errorf(ErrUnknownVariable, "unknown name %s", reserved.name)}
	}
	if err == nil && choices.found {
		line, col := position(src, choices.loc.From)
		return nil, &CompileError{Index: -1, Path: path, Line: line, Column: col,
			Err: errorf(ErrBadValue, "%q is not a choice of %s", choices.value, choices.variable)}
	}
	if err != nil {
		ce := &CompileError{Index: -1, Path: path, Err: classify(err)}
		var fe *file.Error
		if errors.As(err, &fe) {
			ce.Line, ce.Column = position(src, fe.From)
		}
		return nil, ce
	}
	return tree.Node, nil
}

// position converts a rune offset into a 1-based line and column.
func position(src string, offset int) (line, col int) {
	line, col = 1, 1
	n := 0
	for _, r := range src {
		if n == offset {
			break
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		n++
	}
	return line, col
}

// reservedNames refuses identifiers that start with '$', such as $env:
// raw expressions see the declared variables only, by name.
type reservedNames struct {
	found bool
	name  string
	loc   file.Location
}

func (r *reservedNames) Visit(node *ast.Node) {
	var name string
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		name = n.Value
	case *ast.VariableDeclaratorNode:
		name = n.Name
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			name = id.Value
		}
	}
	if strings.HasPrefix(name, "$") && !r.found {
		r.found, r.name, r.loc = true, name, (*node).Location()
	}
}

// choiceCheck finds a variable declared WithChoices compared by ==, != or
// in with a text literal that is not one of its choices.
type choiceCheck struct {
	exact    map[string]map[string]bool
	found    bool
	variable string
	value    string
	loc      file.Location
}

func (c *choiceCheck) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok || c.found || len(c.exact) == 0 {
		return
	}
	check := func(id, lit ast.Node) {
		v, ok1 := id.(*ast.IdentifierNode)
		s, ok2 := lit.(*ast.StringNode)
		if !ok1 || !ok2 || c.found {
			return
		}
		if choices, ok := c.exact[v.Value]; ok && !choices[s.Value] {
			c.found, c.variable, c.value, c.loc = true, v.Value, s.Value, s.Location()
		}
	}
	switch b.Operator {
	case "==", "!=":
		check(b.Left, b.Right)
		check(b.Right, b.Left)
	case "in", "not in":
		if arr, ok := b.Right.(*ast.ArrayNode); ok {
			for _, e := range arr.Nodes {
				check(b.Left, e)
			}
		}
	}
}

// nilSafe rewrites the operators of a raw expression that fail on nil
// (== and != between texts, >, <, >=, <=, contains, startsWith, endsWith, matches with a constant
// pattern) into helper calls that are false when an operand is unset. It
// only rewrites operators whose operand types are known to be valid, so
// type errors are still reported by expr's checker. It also rewrites the
// concatenation of texts into a call that refuses results longer than
// maxTextLen, which expr's memory budget does not bound.
type nilSafe struct{}

func (nilSafe) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	lt, rt := b.Left.Type(), b.Right.Type()
	if lt == nil || rt == nil {
		return
	}
	var fn func(a, b any) bool
	right := b.Right
	switch b.Operator {
	case "==", "!=":
		// two texts compile to a comparison that fails on nil
		if lt.Kind() != reflect.String || rt.Kind() != reflect.String {
			return
		}
		n := call(rawEqual, b.Left, b.Right)
		if b.Operator == "!=" {
			n = not(n)
		}
		ast.Patch(node, n)
		return
	case ">", "<", ">=", "<=":
		if !(isNumeric(lt) && isNumeric(rt)) && !(lt == rt && (lt.Kind() == reflect.String || lt == timeType)) {
			return
		}
		fn = map[string]func(a, b any) bool{">": rawMore, "<": rawLess, ">=": rawMoreEq, "<=": rawLessEq}[b.Operator]
	case "+":
		// text concatenation is not covered by expr's memory budget
		if lt.Kind() != reflect.String || rt.Kind() != reflect.String {
			return
		}
		ast.Patch(node, &ast.CallNode{Callee: &ast.ConstantNode{Value: concatText}, Arguments: []ast.Node{b.Left, b.Right}})
		return
	case "contains", "startsWith", "endsWith":
		if lt.Kind() != reflect.String || rt.Kind() != reflect.String {
			return
		}
		fn = map[string]func(a, b any) bool{"contains": rawContains, "startsWith": rawStartsWith, "endsWith": rawEndsWith}[b.Operator]
	case "matches":
		s, isConst := b.Right.(*ast.StringNode)
		if !isConst || lt.Kind() != reflect.String {
			return
		}
		re, err := regexp.Compile(s.Value)
		if err != nil {
			return // expr reports it, with its position
		}
		fn, right = rawMatches, &ast.ConstantNode{Value: re}
	default:
		return
	}
	ast.Patch(node, call(fn, b.Left, right))
}

func isNumeric(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
