package knowledge_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict/knowledge"
)

func TestTerms(t *testing.T) {
	for _, tc := range []struct {
		lang, text string
		want       []string
	}{
		{"en", "The batteries of my Thermostat are charging", []string{"batteri", "thermostat", "charg"}},
		{"en", "battery charged", []string{"batteri", "charg"}},
		{"en", "Cancelled, cancel, cancels", []string{"cancel", "cancel", "cancel"}},
		{"en", "X-200 model, firmware 1.5.2 on 12/3", []string{"x200", "model", "firmwar", "152", "123"}},
		{"en-GB", "e-mail address", []string{"e", "mail", "address"}},
		{"es", "Olvidé mi contraseña", []string{"olvid", "contrasen"}},
		{"es", "contraseñas", []string{"contrasen"}},
		{"pt-BR", "Não recebi a senha", []string{"recebi", "senh"}},
		{"de", "Die Rechnungen herunterladen", []string{"rechn", "herunterlad"}},
		{"de", "Straße", []string{"strass"}},
		{"fr", "Réinitialiser le mot de passe", []string{"reinitialis", "mot", "pass"}},
		{"it", "Reimpostare la password", []string{"reimpost", "password"}},
		{"nl", "Ik ben mijn wachtwoorden vergeten", []string{"wachtwoord", "verget"}},
		{"", "The Batteries", []string{"the", "batteries"}},
		{"ja", "パスワード reset", []string{"パスワード", "reset"}},
		{"en", "!!! ... ---", nil},
	} {
		if got := knowledge.Terms(tc.text, tc.lang); !cmp.Equal(got, tc.want) {
			t.Errorf("Terms(%q, %q) = %q, want %q", tc.text, tc.lang, got, tc.want)
		}
	}
	// Forms of one word meet on one term.
	for _, group := range []struct {
		lang  string
		words []string
	}{
		{"en", []string{"update", "updates", "updated", "updating"}},
		{"en", []string{"install", "installed", "installing"}},
		{"es", []string{"devolver", "devolvemos"}},
		{"pt", []string{"reembolso", "reembolsos"}},
		{"it", []string{"restituire", "restituito"}},
		{"fr", []string{"facture", "factures"}},
		{"de", []string{"Rechnung", "Rechnungen"}},
		{"nl", []string{"pakket", "pakketten"}},
	} {
		first := knowledge.Terms(group.words[0], group.lang)
		for _, w := range group.words[1:] {
			if got := knowledge.Terms(w, group.lang); !slices.Equal(got, first) {
				t.Errorf("%s: %q is %q, %q is %q", group.lang, group.words[0], first, w, got)
			}
		}
	}
}

func TestSelectPassages(t *testing.T) {
	long := strings.Repeat("Filler sentence about nothing in particular. ", 12) + "The reset button is on the back. " +
		strings.Repeat("More filler words follow here. ", 12)
	a := &knowledge.Article{ID: "x", Title: "T", Language: "en", Format: knowledge.FormatMarkdown,
		Body: "# Setup\n\nPlug the router in.\n\n## Reset\n\nHold the reset button for 10 seconds.\n\nUnrelated paragraph.\n\n" + long}
	got := knowledge.SelectPassages(a, "where is the reset button", 0)
	var texts []string
	for _, p := range got {
		texts = append(texts, p.Text)
		if !a.Quotes(p.Text) {
			t.Errorf("passage %q does not occur in the article", p.Text)
		}
		if len(p.Text) > 700 {
			t.Errorf("passage of %d bytes", len(p.Text))
		}
	}
	want := []string{"Reset\n\nHold the reset button for 10 seconds."}
	if len(texts) != 2 || texts[0] != want[0] || !strings.Contains(texts[1], "The reset button is on the back.") {
		t.Errorf("passages = %q, want the reset section then the sentence run holding the button", texts)
	}
	if got := knowledge.SelectPassages(a, "the of and", 3); got != nil {
		t.Errorf("stop words only: %v", got)
	}
	if got := knowledge.SelectPassages(a, "router reset button filler", 1); len(got) != 1 {
		t.Errorf("max 1: %d passages", len(got))
	}
}

func TestQuotesAndCitations(t *testing.T) {
	a := knowledge.Article{ID: "a", Title: "Reset the **router**", Format: knowledge.FormatMarkdown,
		Body: "Press the **reset** button\nfor ten seconds."}
	for q, want := range map[string]bool{
		"press the reset button for ten seconds": true, // from the text without markup
		"Press the **reset** button for ten":     true, // from the body as written
		"reset the **router**":                   true, // the title
		"press the reset button for eleven":      false,
		"   ":                                    false,
	} {
		if got := a.Quotes(q); got != want {
			t.Errorf("Quotes(%q) = %v", q, got)
		}
	}
	kept, drops := knowledge.ValidateCitations([]knowledge.Citation{
		{ArticleID: "a", Quote: "press the reset button"},
		{ArticleID: "a", Quote: "PRESS THE RESET  BUTTON"},
		{ArticleID: "b", Quote: "press the reset button"},
		{ArticleID: "a", Quote: "ten"},
	}, []knowledge.Article{a})
	if len(kept) != 1 || len(drops) != 2 {
		t.Errorf("kept %v, drops %v; want one kept (the duplicate merged), two dropped", kept, drops)
	}
}

func TestIndexOperations(t *testing.T) {
	var ix knowledge.Index // the zero value is ready
	ctx := context.Background()
	for _, id := range []string{"c", "a", "b"} {
		if err := ix.Put(&knowledge.Article{ID: id, Title: "Title " + id, Body: "body words " + id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Put(&knowledge.Article{ID: "bad"}); err == nil {
		t.Error("Put accepted an invalid article")
	}
	if ix.Len() != 3 {
		t.Errorf("Len = %d", ix.Len())
	}
	ids := func(as []knowledge.Article) (out []string) {
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if got := ids(ix.List("a", 1)); !slices.Equal(got, []string{"b"}) {
		t.Errorf("List(a, 1) = %v", got)
	}
	if !ix.Delete("b") || ix.Delete("b") {
		t.Error("Delete reports wrongly")
	}
	if _, ok := ix.Get("b"); ok {
		t.Error("Get after Delete")
	}
	hits, err := ix.Retrieve(ctx, knowledge.Query{Text: "words"})
	if err != nil || len(hits) != 2 {
		t.Errorf("Retrieve after delete: %v, %v", hits, err)
	}
	if _, err := knowledge.NewIndex([]knowledge.Article{{ID: "a", Title: "t", Body: "b"}, {ID: "a", Title: "t", Body: "b"}}); err == nil {
		t.Error("NewIndex accepted duplicate ids")
	}
}

// listOnly is a Store without search of its own.
type listOnly struct{ ix *knowledge.Index }

func (s listOnly) PutArticle(_ context.Context, a *knowledge.Article) error { return s.ix.Put(a) }
func (s listOnly) GetArticle(_ context.Context, id string) (*knowledge.Article, error) {
	a, ok := s.ix.Get(id)
	if !ok {
		return nil, knowledge.ErrNotFound
	}
	return a, nil
}
func (s listOnly) DeleteArticle(_ context.Context, id string) error {
	if !s.ix.Delete(id) {
		return knowledge.ErrNotFound
	}
	return nil
}
func (s listOnly) ListArticles(ctx context.Context, after string, limit int) ([]knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.ix.List(after, limit), nil
}

func TestStoreRetrieverWithoutSearch(t *testing.T) {
	// Index statistics differ (the filtered articles only), but the
	// contract holds.
	var _ knowledge.Retriever = knowledge.StoreRetriever(listOnly{&knowledge.Index{}})
}

func TestLongQueries(t *testing.T) {
	var b strings.Builder
	for i := range 500 {
		b.WriteString("word")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + " ")
	}
	b.WriteString("batteries")
	q := knowledge.Query{Text: b.String(), Language: "en"}
	for lang, ts := range q.TermsByLanguage() {
		if len(ts) > knowledge.MaxQueryTerms {
			t.Errorf("%q: %d terms", lang, len(ts))
		}
	}
	ix, err := knowledge.NewIndex([]knowledge.Article{{ID: "a", Title: "Batteries", Body: "wordaa"}})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := ix.Retrieve(context.Background(), q)
	if err != nil || len(hits) != 1 {
		t.Errorf("the opening of a long query still matches: %v, %v", hits, err)
	}
	huge := knowledge.Query{Text: strings.Repeat("ü", knowledge.MaxQueryBytes)}
	if _, err := ix.Retrieve(context.Background(), huge); err != nil {
		t.Errorf("a query over the size limit is cut, not refused: %v", err)
	}
}
