// Package rules evaluates administrator-defined conditions over declared,
// typed variables. Conditions are compiled once, when a configuration is
// loaded, and matched many times, once per case or email.
//
// The package knows nothing of cases, emails or fields: a caller declares
// the variables its conditions may use ([Vars]), hands in rules whose
// actions it defines itself ([Rule] is generic in its action), and gets
// back the rules that hold for a set of [Values].
//
// # Variables
//
// A [Vars] maps each variable name to a [Type]: [Text], [Number], [Bool],
// [TextList] or [Time]. A case schema maps naturally: text, email, choice
// and lookup fields are Text (a choice holds its option value), integer
// and currency fields are Number, bool fields are Bool. Channel facts such
// as channel, conversation_status, from, subject and body are Text; the
// recipients `to` are a TextList (a single address set as text becomes a
// list of one). [WithChoices] declares the values a choice variable can
// take, so that a misspelt option in a condition is an error at load time
// rather than a rule that never holds.
//
// [Values] holds the values of one evaluation. [Values.Set] checks each
// value against its declaration and normalises it (every Go number becomes
// a float64, a []any of strings a []string), so a match never meets a
// value of the wrong type: a wrong value is an error when it is set, not
// a silent false later. A variable that was never set, or was set to nil,
// is unset.
//
// # Conditions
//
// A [Condition] has two forms that compile to the same kind of program,
// an expr-lang bytecode program (github.com/expr-lang/expr):
//
// The structured form is what an administration screen produces:
//
//	{"field": "category", "op": "equals", "value": "Product defect"}
//	{"all": [{"field": "channel", "op": "equals", "value": "email"},
//	         {"field": "to", "op": "contains", "value": "support@"}]}
//	{"any": [...]}
//
// The raw form is an expr-lang expression for developers:
//
//	{"expr": "category == \"Product defect\" && amount > 100"}
//
// (a bare string in place of a condition object is a raw expression too).
// The forms mix: a raw expression may appear anywhere inside all and any.
// The structured form is translated into an expr syntax tree that calls a
// small set of helper functions (held in the program as constants, so
// they cost no name lookup), with its constants prepared at compile time (texts lower-cased, `in` lists turned into hash sets, times parsed,
// regular expressions compiled); raw expressions are parsed and type
// checked by expr against the same declarations; the result is compiled
// by expr into one program per rule.
//
// # Structured operators
//
// The operators, the types they apply to, and the value they take:
//
//	equals, not_equals        text, list, number, bool, time   one value
//	contains, not_contains    text, list                       a text
//	starts_with               text, list                       a text
//	matches                   text, list                       a regular expression (RE2)
//	in, not_in                text, list, number               a list of values
//	greater_than, less_than   number, time                     one value
//	is_empty, is_not_empty    every type                       no value
//
// Text comparisons ignore case (simple Unicode case folding): "Product
// Defect" equals "product defect", "Support@ACME.example" contains
// "support@", matches compiles its pattern case-insensitive. Number values
// are JSON numbers, bool values true or false, time values RFC 3339 texts
// such as "2026-01-31T09:00:00Z".
//
// On a list of text (such as `to`) an operator holds when it holds for any
// element: `to contains "support@"` holds when any recipient contains
// "support@"; `to in [...]` holds when any recipient is in the list. The
// negations hold when no element matches.
//
// Empty texts are refused as values (use is_empty), as are empty lists,
// values of the wrong type for the variable (`priority greater_than 3` on
// a text variable is a type mismatch) and values given to is_empty.
//
// # Unset values
//
// An unset variable has one meaning everywhere:
//
//	equals        false        not_equals      true
//	contains      false        not_contains    true
//	starts_with   false        matches         false
//	in            false        not_in          true
//	greater_than  false        less_than       false
//	is_empty      true         is_not_empty    false
//
// For the structured operators an empty text "" and an empty list behave
// exactly as unset. is_empty also holds for a text of only white space, a
// list of only such texts, and the zero time. A number 0 and the bool
// false are values, not empty.
//
// Raw expressions see an unset variable as nil and follow the same table:
// `==` is false and `!=` true, `in` is false and `not in` true; `>`, `<`,
// `>=`, `<=`, contains, startsWith, endsWith and matches (with a constant
// pattern) are false, so `not (x contains "a")` is true. In raw
// expressions "" is a text like any other (`subject == ""` holds for an
// empty subject, not for an unset one) and comparisons are case-sensitive,
// as in expr. Anything else that cannot take nil (arithmetic, len, a
// predicate over an unset list) fails at run time; write `x != nil && ...`
// to guard it.
//
// # Rules and rule sets
//
// A [Rule] is a name, a condition, an active flag and an action of the
// caller's type A. In JSON and YAML the action's keys sit beside name,
// when and active:
//
//	{"name": "defect details",
//	 "when": {"field": "category", "op": "equals", "value": "Product defect"},
//	 "predict": ["product", "priority", "serial_number"]}
//
// [ParseJSON] and [ParseYAML] read a list of rules; [Rule] and [Condition]
// also implement json.Unmarshaler and yaml.Unmarshaler, for rules
// embedded in a larger document. Unknown keys are errors with their path
// (`when.all[1].opp: unknown key`).
//
// [Compile] checks and compiles a list of rules into a [Set], which keeps
// their order. [Set.All] returns every active rule that holds, in order
// (for update rules, whose fields the caller unions); [Set.First] returns
// the first (for intake rules). Inactive rules are skipped. A rule that
// fails at run time counts as not matched and is reported as a
// [*RuntimeError] with its name; it never stops the others.
//
// # Errors
//
// Every problem found while loading or compiling is a [*CompileError]
// naming the rule (name and index) and the position: a path inside the
// rule such as `when.all[1].value`, plus line and column inside a raw
// expression. Its Err wraps one of the sentinel errors, so callers test
// with errors.Is: [ErrUnknownKey], [ErrSyntax], [ErrInvalidRule],
// [ErrInvalidCondition], [ErrUnknownVariable] (a misspelt name, with a
// suggestion), [ErrUnknownOperator], [ErrTypeMismatch], [ErrBadValue],
// [ErrBadRegexp] and [ErrTooLarge]. Compile reports the first problem; it
// compiles every rule, active or not, so a rule cannot be switched on
// later with a broken condition.
//
// # Limits
//
// Conditions come from configuration that may be careless or hostile, so
// compilation and evaluation are bounded: a raw expression is limited in
// length ([WithMaxExprLen]) and syntax-tree nodes ([WithMaxNodes]); a
// structured condition in the number of conditions ([WithMaxConditions]),
// nesting ([WithMaxDepth]) and `in` list length ([WithMaxListLen]); each
// evaluation runs under expr's memory budget ([WithMemoryBudget]), which
// also bounds the work of ranges and predicates, and a text built by `+`
// may not exceed 1 MiB. Raw expressions may call only pure builtins: now,
// date and timezone (clock and time-zone files) are not available, nor
// are the functions that can build large values outside the budget
// (repeat, split, replace, join, string) and the JSON and base64 codecs;
// there are no functions with side effects. Names that
// start with '$', including $env, are refused. Pass the current time as a
// Time variable when a rule needs it, so evaluations can be replayed.
//
// # Concurrency and speed
//
// A compiled [Set] is immutable and safe for concurrent use by any number
// of goroutines. Each evaluation takes an expr VM from the set's pool and
// returns it; the helpers are called through expr's typed-call path, so
// matching does not allocate per rule; [Set.AppendAll]
// avoids the result allocation too. A [Values] is safe for concurrent
// reads once filled, not for concurrent Set calls. BenchmarkAll (go test
// -bench All ./rules) reports the wall and CPU time per rule evaluated
// and the allocations, for 1, 10 and 100 typical rules in both forms.
package rules
