package pgtest_test

import (
	"testing"

	"github.com/caseagent/caseagent/internal/pgtest"
)

func TestWithDatabase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:p@h:5/old?sslmode=disable", "postgres://u:p@h:5/x?sslmode=disable"},
		{"postgresql://u@h/", "postgresql://u@h/x"},
		{"host=h user=u dbname=old", "host=h user=u dbname=old dbname=x"},
	}
	for _, tt := range tests {
		got, err := pgtest.WithDatabase(tt.in, "x")
		if err != nil {
			t.Fatalf("WithDatabase(%q): %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("WithDatabase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
