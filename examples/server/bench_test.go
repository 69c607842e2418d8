package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/caseagent/caseagent/internal/pgtest"
)

// BenchmarkEmailToCase is the service end to end: a signed email posted to
// the webhook, parsed, predicted offline, and its case written with its
// audit, interaction and feed entries, answered 200. Run it per core:
//
//	go test ./examples/server -run '^$' -bench EmailToCase -cpu 1,2
//
// The PostgreSQL form needs PostgreSQL (see internal/pgtest).
func BenchmarkEmailToCase(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchEmailToCase(b, filepath.Join(b.TempDir(), "bench.db"))
	})
	b.Run("postgres", func(b *testing.B) {
		benchEmailToCase(b, pgtest.DSN(b))
	})
}

var benchSerial atomic.Int64

func benchEmailToCase(b *testing.B, store string) {
	cfg, err := ParseConfig(fmt.Appendf(nil, serviceYAML, "bench", store, ""))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := newService(context.Background(), cfg, withGetenv(func(k string) string { return testEnv[k] }))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	url := "http://" + svc.Addr().String()
	serial := benchSerial.Add(1)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			raw := newEmail(fmt.Sprintf("bench-%d-%d@mail.example.com", serial, i), fmt.Sprintf("Floodlight %d", i))
			code, err := postEmail(url, raw)
			if err != nil || code != http.StatusOK {
				b.Errorf("email %d: %d %v", i, code, err)
				return
			}
		}
	})
	b.StopTimer()
	if kind := kindOf(store); kind == "postgres" {
		db, err := sql.Open("pgx", store)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		var cases int64
		if err := db.QueryRow("SELECT count(*) FROM cases").Scan(&cases); err != nil {
			b.Fatal(err)
		}
		if cases < n.Load() {
			b.Errorf("%d cases for %d emails", cases, n.Load())
		}
	}
}
