package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestStmtCache: a query first used inside a transaction that holds the
// only connection runs unprepared without waiting, is prepared once the
// connection is free, and the cache stops growing at its bound.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	c := newStmtCache(db)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := cachedTx{tx: tx, c: c}
	var one int
	if err := q.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 in a transaction: %d, %v", one, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.get("SELECT 1") == nil {
		if time.Now().After(deadline) {
			t.Fatal("statement never prepared")
		}
		time.Sleep(time.Millisecond)
	}
	if err := (cachedDB{c}).QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 prepared: %d, %v", one, err)
	}
	for i := range 2 * maxCachedStmts {
		c.get(fmt.Sprintf("SELECT %d", i+2))
	}
	c.wg.Wait()
	c.mu.Lock()
	n := len(c.stmts) + len(c.pending)
	c.mu.Unlock()
	if n > maxCachedStmts {
		t.Errorf("cache holds %d statements, bound is %d", n, maxCachedStmts)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if c.get("SELECT 1") != nil {
		t.Error("closed cache still hands out statements")
	}
}
