package insights_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/html"

	"github.com/caseagent/caseagent/casemgmt/insights"
)

// render builds the story's week report and returns its HTML.
func render(t *testing.T, opts ...insights.Option) []byte {
	t.Helper()
	opts = append([]insights.Option{week(), insights.WithLocation(paris), insights.WithCurrency("EUR"),
		insights.WithClock(func() time.Time { return day(8, 9, 30) })}, opts...)
	r, err := insights.Build(context.Background(), newStory(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parse(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data + " ")
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// The page stands alone: nothing in it may reach the network, run a
// script from elsewhere or load a font, image or style sheet; its policy
// says so to the browser too.
func TestHTMLIsSelfContained(t *testing.T) {
	page := render(t, insights.WithTitle(`Acme <script>alert("x")</script> "support"`))
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).Find(page); m != nil {
		t.Errorf("the page names another host: %q", m)
	}
	for _, bad := range []string{"@import", "@font-face", "url("} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page's CSS has %s", bad)
		}
	}
	var csp string
	walk(parse(t, page), func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed", "audio", "video", "source", "base", "form":
			t.Errorf("the page has a <%s> element", n.Data)
		case "meta":
			if v, _ := attr(n, "http-equiv"); strings.EqualFold(v, "Content-Security-Policy") {
				csp, _ = attr(n, "content")
			}
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "src" || a.Key == "href" || a.Key == "xlink:href" || a.Key == "action":
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("<%s> has an event handler %s", n.Data, a.Key)
			}
		}
	})
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q; want default-src 'none' and no script source", csp)
	}
}

// The page's outline, its charts' bars and its table follow the figures.
func TestHTMLStructure(t *testing.T) {
	doc := parse(t, render(t))
	var headings []string
	ids := map[string]*html.Node{}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "h1" || n.Data == "h2" {
			headings = append(headings, n.Data+": "+text(n))
		}
		if id, ok := attr(n, "id"); ok {
			if ids[id] != nil {
				t.Errorf("id %q used twice", id)
			}
			ids[id] = n
		}
	})
	want := []string{
		"h1: Case agent insights",
		"h2: Agent runs per day, by outcome",
		"h2: Values the agent wrote per day, by what people did with them",
		"h2: Model calls per day",
		"h2: Cost per day",
		"h2: Follow-ups and closures per day",
		"h2: Precision people saw, per field",
		"h2: What became of the cases followed up",
		"h2: Time to close",
	}
	if diff := cmp.Diff(want, headings); diff != "" {
		t.Errorf("headings (-want +got)\n%s", diff)
	}

	// Bars: one per day and series with a value, each with a tooltip.
	bars := func(id string) []string {
		var tips []string
		fig := ids["fig-"+id]
		if fig == nil {
			t.Fatalf("no figure %s", id)
		}
		walk(fig, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "rect" {
				tips = append(tips, text(n))
			}
		})
		return tips
	}
	if diff := cmp.Diff([]string{
		"Mon 7 Dec 2026 — Created a case: 2",
		"Tue 8 Dec 2026 — Updated a case: 1", "Tue 8 Dec 2026 — Skipped: 1",
		"Wed 9 Dec 2026 — Created a case: 1",
		"Thu 10 Dec 2026 — Updated a case: 2", "Thu 10 Dec 2026 — Failed: 1",
		"Fri 11 Dec 2026 — Updated a case: 2",
		"Sat 12 Dec 2026 — Updated a case: 1",
		"Sun 13 Dec 2026 — Created a case: 1",
	}, bars("runs")); diff != "" {
		t.Errorf("runs chart bars (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"Mon 7 Dec 2026 — Kept: 2", "Mon 7 Dec 2026 — Corrected by a person: 1", "Mon 7 Dec 2026 — Removed by a person: 1", "Mon 7 Dec 2026 — Revised by the agent: 1",
		"Tue 8 Dec 2026 — Kept: 1", "Wed 9 Dec 2026 — Kept: 1", "Sun 13 Dec 2026 — Kept: 1",
	}, bars("values")); diff != "" {
		t.Errorf("values chart bars (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Mon 7 Dec 2026 — Cost (EUR): 0.005", "Tue 8 Dec 2026 — Cost (EUR): 0.0025",
		"Wed 9 Dec 2026 — Cost (EUR): 0.0025", "Sun 13 Dec 2026 — Cost (EUR): 0.0025"}, bars("cost")); diff != "" {
		t.Errorf("cost chart bars (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Resolved or closed by the agent: 1 of 2", "Back with a person: 1 of 2"}, bars("fate")); diff != "" {
		t.Errorf("follow-up bar (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1–3 d — Closed by a person: 1", "3–7 d — Closed by the agent: 1"}, bars("ttc")); diff != "" {
		t.Errorf("time to close bars (-want +got)\n%s", diff)
	}

	// Each chart's numbers, as a table: the days with a value.
	var runRows []string
	walk(ids["fig-runs"], func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			runRows = append(runRows, text(n))
		}
	})
	if diff := cmp.Diff([]string{
		"Day (Europe/Paris) Created a case Updated a case Unchanged Skipped Failed Shadow (nothing written)",
		"Mon 7 Dec 2026 2 0 0 0 0 0",
		"Tue 8 Dec 2026 0 1 0 1 0 0",
		"Wed 9 Dec 2026 1 0 0 0 0 0",
		"Thu 10 Dec 2026 0 2 0 0 1 0",
		"Fri 11 Dec 2026 0 2 0 0 0 0",
		"Sat 12 Dec 2026 0 1 0 0 0 0",
		"Sun 13 Dec 2026 1 0 0 0 0 0",
	}, runRows); diff != "" {
		t.Errorf("runs table (-want +got)\n%s", diff)
	}

	// Cards.
	var cards []string
	walk(doc, func(n *html.Node) {
		if c, _ := attr(n, "class"); strings.HasPrefix(c, "card") && n.Data == "div" {
			cards = append(cards, text(n))
		}
	})
	if diff := cmp.Diff([]string{
		"Agent runs 12 4 created a case, 1 failed",
		"Precision people saw 71.4% 5 of 7 values kept; 1 corrected, 1 removed",
		"Values written 8 1 revised by the agent",
		"Model calls 5 4 500 tokens",
		"Cost (EUR) 0.013 0.0025 per call",
		"Time to close 2.3 d median of 2; 90% within 4.8 d",
	}, cards); diff != "" {
		t.Errorf("cards (-want +got)\n%s", diff)
	}

	// The table: a row per field, the most written first.
	var rows []string
	walk(ids["fields"], func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			rows = append(rows, text(n))
		}
	})
	if diff := cmp.Diff([]string{
		"Field Written Kept Corrected Removed Revised by the agent Precision",
		"category 2 2 0 0 0 100%",
		"product 2 2 0 0 0 100%",
		"serial_number 2 1 0 0 1 100%",
		"contact 1 0 0 1 0 0%",
		"priority 1 0 1 0 0 0%",
	}, rows); diff != "" {
		t.Errorf("field table (-want +got)\n%s", diff)
	}
	if ids["drafts"] != nil {
		t.Error("a drafts panel without a draft counter")
	}
}

func TestHTMLDraftsPanel(t *testing.T) {
	doc := parse(t, render(t, insights.WithDrafts(insights.DraftCountFunc(func(context.Context) (int, error) { return 4, nil }))))
	var panel *html.Node
	walk(doc, func(n *html.Node) {
		if id, _ := attr(n, "id"); id == "drafts" {
			panel = n
		}
	})
	if panel == nil {
		t.Fatal("no drafts panel with a draft counter")
	}
	if got, want := text(panel), "Drafts waiting 4 prepared by the agent for a person to confirm"; got != want {
		t.Errorf("drafts panel %q; want %q", got, want)
	}
}

// An empty period still makes a readable page that says so.
func TestHTMLEmptyPeriod(t *testing.T) {
	page := render(t, insights.WithRange(day(100, 0, 0), day(107, 0, 0)))
	for _, want := range []string{"No agent run was recorded in this period.", "No agent runs in this period",
		"The agent wrote no field value in this period.", "No case closed in this period"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the empty page does not say %q", want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r, err := insights.Build(context.Background(), newStory(t), week(), insights.WithLocation(paris))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back insights.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, &back, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmpopts.IgnoreUnexported(insights.Report{})); diff != "" {
		t.Errorf("JSON round trip (-built +decoded)\n%s", diff)
	}
	// A host that keeps the JSON can render the same page later.
	var built, decoded bytes.Buffer
	if err := r.WriteHTML(&built); err != nil {
		t.Fatal(err)
	}
	if err := back.WriteHTML(&decoded); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(built.String(), decoded.String()); diff != "" {
		t.Errorf("page of the decoded report (-built +decoded)\n%s", diff)
	}
	for _, key := range []string{`"days"`, `"runs"`, `"values"`, `"precision"`, `"follow_up"`, `"closing"`, `"usage"`} {
		if !bytes.Contains(b.Bytes(), []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}
