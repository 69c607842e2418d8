package knowledgetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/predict/knowledge"
)

// Articles returns the fixture RunRetriever hands to newRetriever: a few
// articles in English, Spanish and German, with product and category tags
// and validity dates. Each call returns a new copy.
func Articles() []knowledge.Article {
	return []knowledge.Article{
		{ID: "battery", Title: "Replace the thermostat batteries", Language: "en", Products: []string{"thermostat"}, Categories: []string{"device"},
			URL: "https://help.example.com/battery", Version: 2,
			Body: "The thermostat runs on two AA batteries.\n\nWhen the battery symbol shows, pull the cover off and put in two new alkaline batteries.\n\nYour schedule is kept."},
		{ID: "password", Title: "Reset your password", Language: "en", Categories: []string{"account"},
			Body: "Forgot your password? Tap Forgot password on the sign-in page and follow the link we email you.\n\nThe link is valid for 30 minutes."},
		{ID: "router-reset", Title: "Factory reset the router", Language: "en", Products: []string{"router"}, Categories: []string{"device"},
			Format: knowledge.FormatMarkdown,
			Body:   "# Factory reset\n\nPress and hold the **reset button** for 10 seconds, until the light flashes.\n\n## Afterwards\n\nSet the router up again in the app."},
		{ID: "contrasena", Title: "Restablecer la contraseña", Language: "es", Categories: []string{"account"},
			Body: "Si olvidaste tu contraseña, pulsa ¿Olvidaste tu contraseña? en la página de inicio de sesión."},
		{ID: "passwort", Title: "Passwort zurücksetzen", Language: "de", Categories: []string{"account"},
			Body: "Wenn Sie Ihr Passwort vergessen haben, tippen Sie auf der Anmeldeseite auf „Passwort vergessen?“."},
		{ID: "winter-shipping", Title: "Shipping during the winter holidays", Language: "en", Categories: []string{"delivery"},
			ValidFrom: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC),
			Body: "Orders placed between 15 December and 6 January ship after 7 January, because the warehouse is closed."},
		{ID: "shipping", Title: "Shipping times", Language: "en", Categories: []string{"delivery"},
			Body: "Orders ship within two working days. We email the tracking number when the parcel leaves the warehouse."},
	}
}

var (
	inHolidays = time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
	inSummer   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
)

// RunRetriever runs the conformance suite of knowledge.Retriever against
// retrievers made by newRetriever, which must return a new retriever over
// exactly the articles it is given (Articles()) and arrange its cleanup
// with t.Cleanup.
func RunRetriever(t *testing.T, newRetriever func(t *testing.T, articles []knowledge.Article) knowledge.Retriever) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, r knowledge.Retriever)
	}{
		{"BestFirst", testBestFirst},
		{"WholeArticle", testWholeArticle},
		{"Order", testOrder},
		{"Stemming", testStemming},
		{"Accents", testAccents},
		{"Language", testLanguage},
		{"ProductAndCategory", testProductAndCategory},
		{"Validity", testValidity},
		{"Articles", testArticleIDs},
		{"Limit", testLimit},
		{"NothingToFind", testNothingToFind},
		{"Passages", testPassages},
		{"CancelledContext", testRetrieveCancelled},
		{"Concurrent", testRetrieveConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newRetriever(t, Articles()))
		})
	}
}

func retrieve(t *testing.T, r knowledge.Retriever, q knowledge.Query) []knowledge.Hit {
	t.Helper()
	hits, err := r.Retrieve(context.Background(), q)
	if err != nil {
		t.Fatalf("Retrieve(%+v): %v", q, err)
	}
	return hits
}

func hitIDs(hits []knowledge.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Article.ID
	}
	return out
}

func wantFirst(t *testing.T, r knowledge.Retriever, q knowledge.Query, want string) []knowledge.Hit {
	t.Helper()
	hits := retrieve(t, r, q)
	if len(hits) == 0 || hits[0].Article.ID != want {
		t.Errorf("Retrieve(%q, language %q) = %v, want %s first", q.Text, q.Language, hitIDs(hits), want)
	}
	return hits
}

func testBestFirst(t *testing.T, r knowledge.Retriever) {
	for _, tc := range []struct{ text, lang, want string }{
		{"my thermostat shows a battery symbol", "en", "battery"},
		{"I forgot my password", "en", "password"},
		{"how do I reset the router to factory settings", "en", "router-reset"},
		{"when will my order ship", "en", "shipping"},
	} {
		wantFirst(t, r, knowledge.Query{Text: tc.text, Language: tc.lang, At: inSummer}, tc.want)
	}
}

func testWholeArticle(t *testing.T, r knowledge.Retriever) {
	hits := wantFirst(t, r, knowledge.Query{Text: "battery", Language: "en"}, "battery")
	if len(hits) == 0 {
		return
	}
	want := Articles()[0]
	if err := equalArticle(&hits[0].Article, &want); err != nil {
		t.Errorf("hit article: %v", err)
	}
	if hits[0].Score <= 0 {
		t.Errorf("hit score %v, want > 0", hits[0].Score)
	}
}

func testOrder(t *testing.T, r knowledge.Retriever) {
	hits := retrieve(t, r, knowledge.Query{Text: "reset password router battery shipping orders", Limit: 10})
	if len(hits) < 3 {
		t.Fatalf("got %v, want at least 3 hits", hitIDs(hits))
	}
	for i := 1; i < len(hits); i++ {
		a, b := hits[i-1], hits[i]
		if a.Score < b.Score || a.Score == b.Score && a.Article.ID > b.Article.ID {
			t.Errorf("hits %d and %d out of order: %s %v, %s %v", i-1, i, a.Article.ID, a.Score, b.Article.ID, b.Score)
		}
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if seen[h.Article.ID] {
			t.Errorf("article %s returned twice", h.Article.ID)
		}
		seen[h.Article.ID] = true
	}
}

func testStemming(t *testing.T, r knowledge.Retriever) {
	// "batteries" in the article, "battery" here; "passwords" against
	// "password".
	wantFirst(t, r, knowledge.Query{Text: "batteries", Language: "en"}, "battery")
	wantFirst(t, r, knowledge.Query{Text: "passwords", Language: "en"}, "password")
	wantFirst(t, r, knowledge.Query{Text: "holding the buttons", Language: "en"}, "router-reset")
}

func testAccents(t *testing.T, r knowledge.Retriever) {
	wantFirst(t, r, knowledge.Query{Text: "olvide mi contrasena", Language: "es"}, "contrasena")
	wantFirst(t, r, knowledge.Query{Text: "PASSWORT ZURUCKSETZEN", Language: "de"}, "passwort")
}

func testLanguage(t *testing.T, r knowledge.Retriever) {
	for _, tc := range []struct{ lang, want string }{{"en", "password"}, {"es", "contrasena"}, {"de", "passwort"}, {"de-AT", "passwort"}} {
		hits := retrieve(t, r, knowledge.Query{Text: "password passwort contraseña", Language: tc.lang})
		if len(hits) != 1 || hits[0].Article.ID != tc.want {
			t.Errorf("language %s: got %v, want only %s", tc.lang, hitIDs(hits), tc.want)
		}
	}
	hits := retrieve(t, r, knowledge.Query{Text: "password passwort contraseña"})
	if got := sortedIDs(hits); !slices.Equal(got, []string{"contrasena", "password", "passwort"}) {
		t.Errorf("no language: got %v, want the articles of all three languages", got)
	}
	if hits := retrieve(t, r, knowledge.Query{Text: "password", Language: "fr"}); len(hits) != 0 {
		t.Errorf("language fr: got %v, want nothing (no article in French)", hitIDs(hits))
	}
}

func testProductAndCategory(t *testing.T, r knowledge.Retriever) {
	q := knowledge.Query{Text: "reset password router battery", Language: "en", Limit: 10}
	for _, tc := range []struct {
		product, category string
		want              []string
	}{
		{"", "", []string{"battery", "password", "router-reset"}},
		{"router", "", []string{"password", "router-reset"}}, // password has no product tag
		{"ROUTER", "", []string{"password", "router-reset"}}, // tags ignore case
		{"thermostat", "", []string{"battery", "password"}},  //
		{"", "device", []string{"battery", "router-reset"}},  //
		{"router", "device", []string{"router-reset"}},       //
		{"printer", "account", []string{"password"}},         //
		{"thermostat", "billing", nil},                       //
	} {
		q.Product, q.Category = tc.product, tc.category
		if got := sortedIDs(retrieve(t, r, q)); !slices.Equal(got, tc.want) {
			t.Errorf("product %q category %q: got %v, want %v", tc.product, tc.category, got, tc.want)
		}
	}
}

func testValidity(t *testing.T, r knowledge.Retriever) {
	q := knowledge.Query{Text: "orders ship warehouse", Language: "en"}
	for _, tc := range []struct {
		at   time.Time
		want []string
	}{
		{time.Time{}, []string{"shipping", "winter-shipping"}},
		{inHolidays, []string{"shipping", "winter-shipping"}},
		{inSummer, []string{"shipping"}},
		{time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), []string{"shipping"}}, // ValidUntil is exclusive
		{time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), []string{"shipping", "winter-shipping"}},
		{time.Date(2025, 11, 30, 23, 59, 0, 0, time.UTC), []string{"shipping"}},
	} {
		q.At = tc.at
		if got := sortedIDs(retrieve(t, r, q)); !slices.Equal(got, tc.want) {
			t.Errorf("at %v: got %v, want %v", tc.at, got, tc.want)
		}
	}
}

func testArticleIDs(t *testing.T, r knowledge.Retriever) {
	q := knowledge.Query{Text: "reset password router battery", Articles: []string{"battery", "router-reset", "no-such"}}
	if got := sortedIDs(retrieve(t, r, q)); !slices.Equal(got, []string{"battery", "router-reset"}) {
		t.Errorf("got %v, want only battery and router-reset", got)
	}
}

func testLimit(t *testing.T, r knowledge.Retriever) {
	text := "reset password router battery shipping orders contraseña passwort warehouse"
	if hits := retrieve(t, r, knowledge.Query{Text: text, Limit: 2}); len(hits) != 2 {
		t.Errorf("limit 2: got %d hits", len(hits))
	}
	if hits := retrieve(t, r, knowledge.Query{Text: text}); len(hits) != knowledge.DefaultLimit {
		t.Errorf("no limit: got %d hits, want the default %d", len(hits), knowledge.DefaultLimit)
	}
	for _, limit := range []int{-1, knowledge.MaxLimit + 1} {
		if _, err := r.Retrieve(context.Background(), knowledge.Query{Text: text, Limit: limit}); !errors.Is(err, knowledge.ErrInvalid) {
			t.Errorf("limit %d: error %v, want knowledge.ErrInvalid", limit, err)
		}
	}
}

func testNothingToFind(t *testing.T, r knowledge.Retriever) {
	for _, text := range []string{"", "   ", "the and of to", "xylophone zeppelin", "\"*()-:^", "OR AND NOT NEAR", "password\x00"[:0]} {
		hits, err := r.Retrieve(context.Background(), knowledge.Query{Text: text, Language: "en"})
		if err != nil {
			t.Errorf("Retrieve(%q): %v", text, err)
		}
		if len(hits) != 0 {
			t.Errorf("Retrieve(%q) = %v, want nothing", text, hitIDs(hits))
		}
	}
	// Query syntax of any engine is only text.
	for _, text := range []string{`password" OR "battery`, "password*", "password:title", "router & battery | !shipping", "(reset)"} {
		if _, err := r.Retrieve(context.Background(), knowledge.Query{Text: text}); err != nil {
			t.Errorf("Retrieve(%q): %v", text, err)
		}
	}
}

func testPassages(t *testing.T, r knowledge.Retriever) {
	hits := wantFirst(t, r, knowledge.Query{Text: "which batteries does the thermostat need", Language: "en"}, "battery")
	if len(hits) == 0 {
		return
	}
	for _, h := range hits {
		for _, p := range h.Passages {
			if !h.Article.Quotes(p.Text) {
				t.Errorf("passage %q does not occur in article %s", p.Text, h.Article.ID)
			}
		}
	}
	if len(hits[0].Passages) == 0 {
		t.Fatalf("no passages for the battery article")
	}
	if got := hits[0].Passages[0].Text; got != "The thermostat runs on two AA batteries." {
		t.Errorf("first passage %q, want the paragraph about the batteries", got)
	}
	hits = wantFirst(t, r, knowledge.Query{Text: "hold the reset button", Language: "en"}, "router-reset")
	if len(hits) > 0 {
		for _, p := range hits[0].Passages {
			if !hits[0].Article.Quotes(p.Text) {
				t.Errorf("passage %q does not occur in the Markdown article", p.Text)
			}
		}
	}
}

func testRetrieveCancelled(t *testing.T, r knowledge.Retriever) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Retrieve(ctx, knowledge.Query{Text: "password"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

func testRetrieveConcurrent(t *testing.T, r knowledge.Retriever) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Go(func() {
			text := []string{"battery", "password"}[i%2]
			for range 10 {
				hits, err := r.Retrieve(context.Background(), knowledge.Query{Text: text, Language: "en"})
				if err != nil {
					errs <- err
					return
				}
				if len(hits) == 0 || hits[0].Article.ID != text {
					errs <- fmt.Errorf("%s: got %v", text, hitIDs(hits))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func sortedIDs(hits []knowledge.Hit) []string {
	ids := hitIDs(hits)
	slices.Sort(ids)
	if len(ids) == 0 {
		return nil
	}
	return ids
}
