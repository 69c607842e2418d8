package heuristic

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/caseagent/caseagent/predict"
)

// memDirectory is a directory for tests: emails and names compared
// case-insensitively, phone numbers by their last nine digits (so that
// national and international notations meet). It records the queries.
type memDirectory struct {
	contacts []predict.Contact
	err      error
	// strict compares names as written, accents included, as the
	// stores of package casemgmt do; otherwise without them.
	strict bool

	mu      sync.Mutex
	queries []predict.ContactQuery
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func lastDigits(s string, n int) string {
	d := digitsOf(s)
	if len(d) > n {
		return d[len(d)-n:]
	}
	return d
}

func (d *memDirectory) FindContacts(ctx context.Context, q predict.ContactQuery) ([]predict.Contact, error) {
	d.mu.Lock()
	d.queries = append(d.queries, q)
	d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	var out []predict.Contact
	for _, c := range d.contacts {
		switch {
		case q.Email != "" && strings.EqualFold(q.Email, c.Email),
			q.Phone != "" && len(digitsOf(q.Phone)) >= 7 && lastDigits(q.Phone, 9) == lastDigits(c.Phone, 9),
			q.Name != "" && !d.strict && strings.EqualFold(fold(q.Name), fold(c.Name)),
			q.Name != "" && d.strict && strings.EqualFold(q.Name, c.Name):
			out = append(out, c)
		}
	}
	return out, nil
}

// TestNameTypedWithAccents checks that a name the customer types with
// accents finds the contact a directory that compares names as written
// holds without them.
func TestNameTypedWithAccents(t *testing.T) {
	tt := loadTenant(t)
	fields := fieldsNamed(t, tt, "requester")
	p := newPredictor(t)
	dir := &memDirectory{strict: true, contacts: []predict.Contact{{ID: "U-7", Name: "Maria Gonzalez"}}}
	got, _ := written(t, p, &predict.Request{Fields: fields, Messages: chat("Hola, la cámara llegó rota.", "R: ¿Su nombre?", "Soy María González."), Directory: dir}, "requester")
	if got != "U-7" {
		t.Errorf("contact %q, want U-7", got)
	}
}
