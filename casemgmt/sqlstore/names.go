package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Table and index names are written in braces in every query and
// migration of this package ("SELECT ... FROM {cases}", "CREATE INDEX
// {cases_due} ON {cases} ..."), and tableNames turns them into the names of
// one Store's database: with the table prefix (WithTablePrefix) and, on
// PostgreSQL, qualified with the schema (WithSchema). This is the one
// place that knows how tables are named; a migration added later gets the
// prefix and schema by writing its names in braces too.
//
// A name in braces that follows the word INDEX (CREATE [UNIQUE] INDEX [IF
// NOT EXISTS] {name}) names an index: it gets the prefix but is never
// qualified, since PostgreSQL puts an index in the schema of its table.
type tableNames struct {
	prefix string
	schema string // PostgreSQL only; "" for the connection's search_path

	mu    sync.RWMutex
	cache map[string]string // query -> expanded, bounded by maxExpanded
}

// maxExpanded bounds the cache of expanded queries: queries built for a
// number of arguments could otherwise grow it without end.
const maxExpanded = 512

// identifier is what a prefix or a schema may be: lower-case ASCII
// letters, digits and underscores, starting with a letter or underscore,
// so that names need no quoting in either dialect.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// marker is a name in braces.
var marker = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)\}`)

func newTableNames(prefix, schema string) (*tableNames, error) {
	if prefix != "" && (!identifier.MatchString(prefix) || len(prefix) > 30) {
		return nil, fmt.Errorf("sqlstore: table prefix %q: use up to 30 lower-case letters, digits and underscores, not starting with a digit", prefix)
	}
	if schema != "" && (!identifier.MatchString(schema) || len(schema) > 63 || strings.HasPrefix(schema, "pg_")) {
		return nil, fmt.Errorf("sqlstore: schema %q: use up to 63 lower-case letters, digits and underscores, not starting with a digit or pg_", schema)
	}
	return &tableNames{prefix: prefix, schema: schema, cache: map[string]string{}}, nil
}

// table returns the name of the table called name in the SQL of this
// package, qualified with the schema when there is one.
func (n *tableNames) table(name string) string {
	if n.schema != "" {
		return n.schema + "." + n.prefix + name
	}
	return n.prefix + name
}

// expand replaces the names in braces of query.
func (n *tableNames) expand(query string) string {
	if !strings.Contains(query, "{") {
		return query
	}
	n.mu.RLock()
	out, ok := n.cache[query]
	n.mu.RUnlock()
	if ok {
		return out
	}
	var b strings.Builder
	last := 0
	for _, m := range marker.FindAllStringSubmatchIndex(query, -1) {
		b.WriteString(query[last:m[0]])
		name := query[m[2]:m[3]]
		before := strings.TrimRight(query[:m[0]], " \t\n")
		if strings.HasSuffix(before, "INDEX") || strings.HasSuffix(before, "INDEX IF NOT EXISTS") {
			b.WriteString(n.prefix + name)
		} else {
			b.WriteString(n.table(name))
		}
		last = m[1]
	}
	b.WriteString(query[last:])
	out = b.String()
	n.mu.Lock()
	if len(n.cache) < maxExpanded {
		n.cache[query] = out
	}
	n.mu.Unlock()
	return out
}

// tablesCreated returns the names (without braces) of the tables a
// migration creates.
func tablesCreated(script string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`CREATE TABLE (?:IF NOT EXISTS )?\{([a-z_][a-z0-9_]*)\}`).FindAllStringSubmatch(script, -1) {
		out = append(out, m[1])
	}
	return out
}

// named runs the queries of q with their names expanded.
type named struct {
	q querier
	n *tableNames
}

func (q named) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.q.ExecContext(ctx, q.n.expand(query), args...)
}

func (q named) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.q.QueryContext(ctx, q.n.expand(query), args...)
}

func (q named) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.q.QueryRowContext(ctx, q.n.expand(query), args...)
}
