package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect says which database a *sql.DB talks to. The Store writes the same
// SQL for both except where a dialect says otherwise.
type Dialect int

const (
	// SQLite is SQLite 3 through modernc.org/sqlite (driver name "sqlite").
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 13 or later through github.com/jackc/pgx/v5/stdlib
	// (driver name "pgx").
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

// errorKind classifies a driver error.
type errorKind int

const (
	errOther     errorKind = iota
	errUnique              // unique or primary key violation
	errRetryable           // busy/locked, serialization failure, deadlock: run the transaction again
)

// classify maps a driver error of either dialect to what the Store does
// with it.
func classify(err error) errorKind {
	if err == nil {
		return errOther
	}
	if errors.Is(err, errLinkRace) {
		return errRetryable
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return errUnique
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return errRetryable
		}
		return errOther
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errRetryable
		case sqlite3.SQLITE_CONSTRAINT:
			switch sqErr.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return errUnique
			}
		}
		return errOther
	}
	// Some paths of the drivers lose the typed error; fall back to the text.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database is locked"), strings.Contains(msg, "SQLITE_BUSY"):
		return errRetryable
	}
	return errOther
}
