package sqlstore_test

import (
	"context"
	"fmt"

	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// Knowledge articles kept in SQLite and found by its full-text search, in
// the customer's language, with the passages that answer.
func ExampleStore_SearchArticles() {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	for _, a := range []knowledge.Article{
		{ID: "pw-en", Title: "Reset your password", Language: "en", Body: "Tap Forgot password on the sign-in page.\n\nThe link is valid for 30 minutes."},
		{ID: "pw-es", Title: "Restablecer la contraseña", Language: "es", Body: "Pulsa ¿Olvidaste tu contraseña? en la página de inicio de sesión."},
	} {
		if err := store.PutArticle(ctx, &a); err != nil {
			fmt.Println(err)
			return
		}
	}
	hits, err := store.SearchArticles(ctx, knowledge.Query{Text: "olvidé mi contraseña", Language: "es"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hits {
		fmt.Println(h.Article.ID, "|", h.Passages[0].Text)
	}
	// Output: pw-es | Pulsa ¿Olvidaste tu contraseña? en la página de inicio de sesión.
}
