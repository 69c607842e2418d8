package knowledgetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict/knowledge"
)

// RunStore runs the conformance suite of knowledge.Store against stores
// made by newStore, which must return a new, empty store for each call
// and arrange its cleanup with t.Cleanup. When the stores are also
// knowledge.Searchers, their search must pass RunRetriever and follow
// every put and delete.
func RunStore(t *testing.T, newStore func(t *testing.T) knowledge.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s knowledge.Store)
	}{
		{"PutAndGet", testPutAndGet},
		{"Replace", testReplace},
		{"Invalid", testInvalid},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"List", testList},
		{"Copies", testCopies},
		{"CancelledContext", testStoreCancelled},
		{"Concurrent", testStoreConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
	probe := newStore(t)
	if _, ok := probe.(knowledge.Searcher); !ok {
		return
	}
	t.Run("Search", func(t *testing.T) {
		RunRetriever(t, func(t *testing.T, arts []knowledge.Article) knowledge.Retriever {
			s := newStore(t)
			put(t, s, arts...)
			return knowledge.StoreRetriever(s)
		})
	})
	t.Run("SearchFollowsChanges", func(t *testing.T) { testSearchFollowsChanges(t, newStore(t)) })
}

var ctx0 = context.Background()

func put(t *testing.T, s knowledge.Store, arts ...knowledge.Article) {
	t.Helper()
	for i := range arts {
		if err := s.PutArticle(ctx0, &arts[i]); err != nil {
			t.Fatalf("PutArticle(%s): %v", arts[i].ID, err)
		}
	}
}

func get(t *testing.T, s knowledge.Store, id string) *knowledge.Article {
	t.Helper()
	a, err := s.GetArticle(ctx0, id)
	if err != nil {
		t.Fatalf("GetArticle(%s): %v", id, err)
	}
	return a
}

// equalArticle compares articles, times by instant.
func equalArticle(got, want *knowledge.Article) error {
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
		return fmt.Errorf("article %s differs (-want +got):\n%s", want.ID, d)
	}
	return nil
}

func full() knowledge.Article {
	return knowledge.Article{
		ID: "kb-1", Title: "Replace the batteries", Body: "# Batteries\n\nTwo **AA** batteries.\n\nSee [the guide](https://example.com/g).",
		Format: knowledge.FormatMarkdown, Language: "en-GB", Products: []string{"thermostat", "Thermo Pro"},
		Categories: []string{"device"}, URL: "https://help.example.com/kb-1",
		ValidFrom:  time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC),
		ValidUntil: time.Date(2027, 1, 2, 0, 0, 0, 0, time.FixedZone("CET", 3600)), Version: 7,
	}
}

func testPutAndGet(t *testing.T, s knowledge.Store) {
	want := full()
	put(t, s, want)
	if err := equalArticle(get(t, s, want.ID), &want); err != nil {
		t.Error(err)
	}
	minimal := knowledge.Article{ID: "kb-2", Title: "Hello", Body: "World, with ünïcödé and emoji 👋\n\ttabbed"}
	put(t, s, minimal)
	if err := equalArticle(get(t, s, minimal.ID), &minimal); err != nil {
		t.Error(err)
	}
}

func testReplace(t *testing.T, s knowledge.Store) {
	a := full()
	put(t, s, a)
	a.Title, a.Body, a.Version, a.Products, a.ValidFrom, a.URL = "New title", "New body", 8, nil, time.Time{}, ""
	put(t, s, a)
	if err := equalArticle(get(t, s, a.ID), &a); err != nil {
		t.Error(err)
	}
	list, err := s.ListArticles(ctx0, "", 0)
	if err != nil || len(list) != 1 {
		t.Errorf("ListArticles after replacing = %d articles, %v; want 1", len(list), err)
	}
}

func testInvalid(t *testing.T, s knowledge.Store) {
	for name, mod := range map[string]func(a *knowledge.Article){
		"no id":       func(a *knowledge.Article) { a.ID = "" },
		"no title":    func(a *knowledge.Article) { a.Title = " " },
		"no body":     func(a *knowledge.Article) { a.Body = "" },
		"bad utf8":    func(a *knowledge.Article) { a.Body = "a\xffb" },
		"nul":         func(a *knowledge.Article) { a.Title = "a\x00b" },
		"bad url":     func(a *knowledge.Article) { a.URL = "javascript:alert(1)" },
		"bad dates":   func(a *knowledge.Article) { a.ValidUntil = a.ValidFrom },
		"bad format":  func(a *knowledge.Article) { a.Format = "html" },
		"huge body":   func(a *knowledge.Article) { a.Body = string(make([]byte, knowledge.MaxBodyBytes+1)) },
		"bad lang":    func(a *knowledge.Article) { a.Language = "english!" },
		"empty tag":   func(a *knowledge.Article) { a.Categories = []string{""} },
		"neg version": func(a *knowledge.Article) { a.Version = -1 },
	} {
		a := full()
		mod(&a)
		if err := s.PutArticle(ctx0, &a); !errors.Is(err, knowledge.ErrInvalid) {
			t.Errorf("%s: PutArticle error %v, want knowledge.ErrInvalid", name, err)
		}
	}
	if list, err := s.ListArticles(ctx0, "", 0); err != nil || len(list) != 0 {
		t.Errorf("after invalid puts: ListArticles = %d articles, %v; want none", len(list), err)
	}
}

func testNotFound(t *testing.T, s knowledge.Store) {
	put(t, s, full())
	for _, id := range []string{"nope", "", "kb-1\x00", "KB-1"} {
		if _, err := s.GetArticle(ctx0, id); !errors.Is(err, knowledge.ErrNotFound) {
			t.Errorf("GetArticle(%q) error %v, want knowledge.ErrNotFound", id, err)
		}
		if err := s.DeleteArticle(ctx0, id); !errors.Is(err, knowledge.ErrNotFound) {
			t.Errorf("DeleteArticle(%q) error %v, want knowledge.ErrNotFound", id, err)
		}
	}
}

func testDelete(t *testing.T, s knowledge.Store) {
	a, b := full(), full()
	b.ID = "kb-2"
	put(t, s, a, b)
	if err := s.DeleteArticle(ctx0, a.ID); err != nil {
		t.Fatalf("DeleteArticle: %v", err)
	}
	if _, err := s.GetArticle(ctx0, a.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("GetArticle after delete: %v, want knowledge.ErrNotFound", err)
	}
	if err := s.DeleteArticle(ctx0, a.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("second DeleteArticle: %v, want knowledge.ErrNotFound", err)
	}
	list, err := s.ListArticles(ctx0, "", 0)
	if err != nil || len(list) != 1 || list[0].ID != "kb-2" {
		t.Errorf("ListArticles after delete = %v, %v; want kb-2 alone", list, err)
	}
	put(t, s, a) // an id can be used again
	get(t, s, a.ID)
}

func testList(t *testing.T, s knowledge.Store) {
	ids := []string{"b", "a", "d", "c", "e", "g", "f"}
	for _, id := range ids {
		a := full()
		a.ID = id
		put(t, s, a)
	}
	var got []string
	after := ""
	for range 10 {
		page, err := s.ListArticles(ctx0, after, 3)
		if err != nil {
			t.Fatalf("ListArticles(%q, 3): %v", after, err)
		}
		if len(page) > 3 {
			t.Fatalf("ListArticles(%q, 3) returned %d", after, len(page))
		}
		for _, a := range page {
			got = append(got, a.ID)
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ID
	}
	if d := cmp.Diff([]string{"a", "b", "c", "d", "e", "f", "g"}, got); d != "" {
		t.Errorf("pages (-want +got):\n%s", d)
	}
	all, err := s.ListArticles(ctx0, "", 0)
	if err != nil || len(all) != 7 {
		t.Errorf("ListArticles(\"\", 0) = %d articles, %v; want all 7", len(all), err)
	}
	want := full()
	want.ID = "a"
	if err := equalArticle(&all[0], &want); err != nil {
		t.Error(err)
	}
}

func testCopies(t *testing.T, s knowledge.Store) {
	a := full()
	put(t, s, a)
	a.Products[0] = "changed after put"
	a.Title = "changed after put"
	got := get(t, s, "kb-1")
	if got.Products[0] != "thermostat" || got.Title != "Replace the batteries" {
		t.Errorf("the store kept the caller's memory: %+v", got)
	}
	got.Products[0] = "changed after get"
	list, _ := s.ListArticles(ctx0, "", 0)
	list[0].Categories[0] = "changed after list"
	again := get(t, s, "kb-1")
	if again.Products[0] != "thermostat" || again.Categories[0] != "device" {
		t.Errorf("the store handed out its memory: %+v", again)
	}
}

func testStoreCancelled(t *testing.T, s knowledge.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := full()
	if err := s.PutArticle(ctx, &a); !errors.Is(err, context.Canceled) {
		t.Errorf("PutArticle: %v, want context.Canceled", err)
	}
	if _, err := s.GetArticle(ctx, a.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("GetArticle: %v, want context.Canceled", err)
	}
	if _, err := s.ListArticles(ctx, "", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ListArticles: %v, want context.Canceled", err)
	}
	if err := s.DeleteArticle(ctx, a.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteArticle: %v, want context.Canceled", err)
	}
	if _, err := s.GetArticle(ctx0, a.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("a put with a cancelled context stored the article: %v", err)
	}
}

func testStoreConcurrent(t *testing.T, s knowledge.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				a := full()
				a.ID = fmt.Sprintf("w%d-%d", w, i)
				a.Version = i
				if err := s.PutArticle(ctx0, &a); err != nil {
					errs <- err
					return
				}
				shared := full()
				shared.Version = w*100 + i
				if err := s.PutArticle(ctx0, &shared); err != nil {
					errs <- err
					return
				}
				if _, err := s.GetArticle(ctx0, shared.ID); err != nil {
					errs <- err
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
	list, err := s.ListArticles(ctx0, "", 0)
	if err != nil || len(list) != 41 {
		t.Errorf("ListArticles = %d articles, %v; want 41", len(list), err)
	}
}

func testSearchFollowsChanges(t *testing.T, s knowledge.Store) {
	r := knowledge.StoreRetriever(s)
	arts := Articles()
	put(t, s, arts...)
	q := knowledge.Query{Text: "thermostat batteries", Language: "en"}
	if hits := retrieve(t, r, q); len(hits) == 0 || hits[0].Article.ID != "battery" {
		t.Fatalf("before changes: %v", hitIDs(hits))
	}
	// Replace the battery article's words: the old ones no longer find it.
	b := arts[0]
	b.Title, b.Body, b.Version = "Clean the display", "Wipe the display with a dry cloth.", 3
	put(t, s, b)
	if hits := retrieve(t, r, q); len(hits) != 0 {
		t.Errorf("after replacing: %v, want nothing", hitIDs(hits))
	}
	hits := retrieve(t, r, knowledge.Query{Text: "wipe the display", Language: "en"})
	if len(hits) != 1 || hits[0].Article.Version != 3 {
		t.Errorf("replaced article: got %v, want it found with version 3", hitIDs(hits))
	}
	if err := s.DeleteArticle(ctx0, "battery"); err != nil {
		t.Fatal(err)
	}
	if hits := retrieve(t, r, knowledge.Query{Text: "wipe the display", Language: "en"}); len(hits) != 0 {
		t.Errorf("after delete: %v, want nothing", hitIDs(hits))
	}
	// Tags and dates changed by a put are what the filters see.
	p := arts[1]
	p.Products = []string{"router"}
	p.ValidUntil = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	put(t, s, p)
	for _, tc := range []struct {
		q    knowledge.Query
		want int
	}{
		{knowledge.Query{Text: "password", Language: "en", Product: "router"}, 1},
		{knowledge.Query{Text: "password", Language: "en", Product: "thermostat"}, 0},
		{knowledge.Query{Text: "password", Language: "en", At: inSummer}, 0},
		{knowledge.Query{Text: "password", Language: "en", At: inHolidays}, 1},
	} {
		if hits := retrieve(t, r, tc.q); len(hits) != tc.want {
			t.Errorf("%+v: got %v, want %d hits", tc.q, hitIDs(hits), tc.want)
		}
	}
}
