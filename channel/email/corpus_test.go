package email

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/corpus"
)

// The corpora are third-party material read in place (see
// ../shared/corpora/README.md); these tests skip when they are absent.

func TestCorpusMIMEParses(t *testing.T) {
	dir := corpus.Dir(t, "mime-enmime")
	var files []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".raw") {
			files = append(files, path)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("no .raw files under %s", dir)
	}
	p := NewParser()
	unusable, withProblems := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.ParseBytes(raw)
		if err != nil {
			if !errors.Is(err, ErrUnusable) {
				t.Errorf("%s: %v", f, err)
			}
			unusable++
			t.Logf("%s: unusable: %v", filepath.Base(f), err)
			continue
		}
		if len(got.Problems) > 0 {
			withProblems++
		}
		if strings.TrimSpace(got.Message.Text) == "" && len(got.Message.Attachments) == 0 {
			t.Logf("%s: no text and no attachments", filepath.Base(f))
		}
	}
	t.Logf("mime-enmime: %d messages, %d unusable, %d parsed with problems", len(files), unusable, withProblems)
}

func TestCorpusBounces(t *testing.T) {
	dir := corpus.Dir(t, "bounce-sisimai")
	p := NewParser()
	check := func(sub string, wantAutomated bool) {
		files, _ := filepath.Glob(filepath.Join(dir, "maildir", sub, "*.eml"))
		if len(files) == 0 {
			t.Fatalf("no messages in %s", sub)
		}
		right, bounces, withOriginal := 0, 0, 0
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.ParseBytes(raw)
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
				continue
			}
			c := got.Classification
			automated := c.Automated()
			if c.Class == ClassBounce {
				bounces++
				if got.Message.BouncedMessageID != "" {
					withOriginal++
				}
			}
			if automated == wantAutomated {
				right++
				continue
			}
			// RFC 3834 defines a message with Auto-Submitted other than
			// "no" as automatic; such a message counts as automated
			// whatever a corpus label says, and is reported.
			if !wantAutomated && rfc3834Automatic(got) {
				t.Logf("%s: labelled not a bounce but carries Auto-Submitted %q: %v", filepath.Base(f), got.Message.Headers["Auto-Submitted"], c.Reasons)
				right++
				continue
			}
			t.Errorf("%s: automated = %v (%s %v), want %v", filepath.Base(f), automated, c.Class, c.Reasons, wantAutomated)
		}
		t.Logf("bounce-sisimai %s: %d/%d right (%.1f%%); %d bounces, original Message-ID found for %d",
			sub, right, len(files), 100*float64(right)/float64(len(files)), bounces, withOriginal)
	}
	check("bsd", true)
	check("not", false)
}

func rfc3834Automatic(p *Parsed) bool {
	for _, v := range p.Message.Headers["Auto-Submitted"] {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" && v != "no" {
			return true
		}
	}
	return false
}

// replyCheck is one expectation read from a reply corpus's own tests.
type replyCheck struct {
	fixture string
	what    string
	ok      func(body, quoted, sig string) bool
}

func TestCorpusReplies(t *testing.T) {
	var checks []replyCheck
	var dirs = map[string]string{}
	for _, c := range []struct{ name, test string }{
		{"reply-github", "test/email_reply_parser_test.rb"},
		{"reply-zapier", "test/test_email_reply_parser.py"},
	} {
		dir := corpus.Dir(t, c.name)
		src, err := os.ReadFile(filepath.Join(dir, c.test))
		if err != nil {
			t.Fatal(err)
		}
		got := readReplyChecks(c.name, string(src))
		if len(got) == 0 {
			t.Fatalf("%s: no expectations read from %s", c.name, c.test)
		}
		checks = append(checks, got...)
		dirs[c.name] = filepath.Join(dir, "test", "emails")
	}
	type result struct{ pass, total int }
	perFixture := map[string]*result{}
	passed := 0
	for _, c := range checks {
		corpusName, name, _ := strings.Cut(c.fixture, "/")
		raw, err := os.ReadFile(filepath.Join(dirs[corpusName], name+".txt"))
		if err != nil {
			t.Errorf("%s: %v", c.fixture, err)
			continue
		}
		body, quoted, sig := SplitReply(string(raw))
		r := perFixture[c.fixture]
		if r == nil {
			r = &result{}
			perFixture[c.fixture] = r
		}
		r.total++
		if c.ok(body, quoted, sig) {
			passed++
			r.pass++
			continue
		}
		t.Logf("%s: %s\n--- body:\n%s\n--- quoted:\n%.300s\n--- signature:\n%s", c.fixture, c.what, body, quoted, sig)
	}
	names := make([]string, 0, len(perFixture))
	fixturesOK := 0
	for n, r := range perFixture {
		names = append(names, n)
		if r.pass == r.total {
			fixturesOK++
		}
	}
	sort.Strings(names)
	fixturePct := 100 * float64(fixturesOK) / float64(len(names))
	checkPct := 100 * float64(passed) / float64(len(checks))
	t.Logf("reply corpora: %d/%d fixtures fully match (%.1f%%), %d/%d expectations (%.1f%%)",
		fixturesOK, len(names), fixturePct, passed, len(checks), checkPct)
	if fixturesOK < len(names) {
		t.Errorf("only %.1f%% of reply fixtures match their expected text, want all", fixturePct)
	}
}

var (
	testBlockRe   = regexp.MustCompile(`(?m)^\s*def (test_\w+)`)
	fixtureNameRe = regexp.MustCompile(`(?:email\(?\s*[:"']|join\("|get_email\('|test/emails/)([A-Za-z0-9_]+)`)
	hiddenRe      = regexp.MustCompile(`\[([^\]]*)\],?\s*(?:reply|message)\.fragments\.map \{ \|f\| f\.hidden\? \}|\[([^\]]*)\],\s*\[(?:f|fragment)\.hidden for`)
	fragmentRef   = regexp.MustCompile(`fragments\[(\d+)\]`)
)

// readReplyChecks reads the expectations of a reply-parser test file, Ruby
// or Python: exact visible text, and text that a given fragment contains
// or matches, where a fragment is visible (our body) or hidden (our quoted
// text or signature).
func readReplyChecks(corpusName, src string) []replyCheck {
	var out []replyCheck
	locs := testBlockRe.FindAllStringSubmatchIndex(src, -1)
	for i, loc := range locs {
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		block := src[loc[0]:end]
		m := fixtureNameRe.FindStringSubmatch(block)
		if m == nil {
			continue
		}
		fixture := corpusName + "/" + m[1]
		var hidden []bool
		if h := hiddenRe.FindStringSubmatch(block); h != nil {
			list := h[1] + h[2]
			for _, f := range strings.Split(list, ",") {
				hidden = append(hidden, strings.EqualFold(strings.TrimSpace(f), "true"))
			}
		}
		isHidden := func(k int) bool {
			if k < len(hidden) {
				return hidden[k]
			}
			return k > 0
		}
		for _, stmt := range statements(block) {
			if c, ok := readStatement(stmt, isHidden); ok {
				c.fixture = fixture
				out = append(out, c)
			}
		}
	}
	return out
}

// statements splits a test body into assertion statements.
func statements(block string) []string {
	re := regexp.MustCompile(`(?m)^\s*(assert_equal|assert_match|self\.assertEqual|self\.assertTrue)\b`)
	idx := re.FindAllStringIndex(block, -1)
	var out []string
	for i, loc := range idx {
		end := len(block)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out = append(out, block[loc[0]:end])
	}
	return out
}

func normalizeLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func readStatement(stmt string, isHidden func(int) bool) (replyCheck, bool) {
	lits := stringLiterals(stmt)
	frag := -1
	if m := fragmentRef.FindStringSubmatch(stmt); m != nil {
		frag, _ = strconv.Atoi(m[1])
	}
	reply := strings.Contains(stmt, "parse_reply") || strings.Contains(stmt, ".reply")
	negated := strings.Contains(stmt, " not in ")
	where := func(body, quoted, sig string) string {
		if frag > 0 && isHidden(frag) {
			return quoted + "\n" + sig
		}
		return body
	}
	switch {
	case strings.HasPrefix(strings.TrimSpace(stmt), "assert_equal") || strings.HasPrefix(strings.TrimSpace(stmt), "self.assertEqual"):
		if len(lits) != 1 || (frag != 0 && !reply) || strings.Contains(stmt, ".map") || strings.Contains(stmt, "visible_text") {
			return replyCheck{}, false
		}
		want := normalizeLines(lits[0])
		if frag == 0 && !isHidden(1) {
			// The first of several visible fragments starts the text.
			return replyCheck{what: "visible text starts with " + strconv.Quote(want), ok: func(b, q, s string) bool {
				return strings.HasPrefix(normalizeLines(b), want)
			}}, true
		}
		return replyCheck{what: "visible text = " + strconv.Quote(want), ok: func(b, q, s string) bool {
			return normalizeLines(b) == want
		}}, true
	case strings.HasPrefix(strings.TrimSpace(stmt), "assert_match"):
		if re := regexp.MustCompile(`assert_match\(?\s*/(.*?)/,`).FindStringSubmatch(stmt); re != nil && frag >= 0 {
			rx, err := regexp.Compile("(?m)" + re[1])
			if err != nil {
				return replyCheck{}, false
			}
			return replyCheck{what: "fragment " + strconv.Itoa(frag) + " matches /" + re[1] + "/", ok: func(b, q, s string) bool {
				return rx.MatchString(where(b, q, s))
			}}, true
		}
		if len(lits) == 1 && frag >= 0 {
			want := lits[0]
			return replyCheck{what: "fragment " + strconv.Itoa(frag) + " contains " + strconv.Quote(want), ok: func(b, q, s string) bool {
				return strings.Contains(where(b, q, s), want)
			}}, true
		}
	case strings.HasPrefix(strings.TrimSpace(stmt), "self.assertTrue"):
		if strings.Contains(stmt, "re.match(") && len(lits) >= 1 && frag >= 0 {
			rx, err := regexp.Compile("(?m)" + lits[0])
			if err != nil {
				return replyCheck{}, false
			}
			return replyCheck{what: "fragment " + strconv.Itoa(frag) + " matches " + lits[0], ok: func(b, q, s string) bool {
				return rx.MatchString(where(b, q, s))
			}}, true
		}
		if len(lits) >= 1 && strings.Contains(stmt, " in ") && (frag >= 0 || reply) {
			want := lits[0]
			if strings.Contains(stmt, "Took too long") {
				return replyCheck{}, false
			}
			return replyCheck{what: "visible/fragment text has " + strconv.Quote(want) + " (negated " + strconv.FormatBool(negated) + ")", ok: func(b, q, s string) bool {
				return strings.Contains(where(b, q, s), want) != negated
			}}, true
		}
	}
	return replyCheck{}, false
}

// stringLiterals returns the quoted string literals of a Ruby or Python
// statement, unescaped.
func stringLiterals(stmt string) []string {
	var out []string
	for i := 0; i < len(stmt); i++ {
		q := stmt[i]
		if q != '"' && q != '\'' {
			continue
		}
		var b strings.Builder
		j := i + 1
		for ; j < len(stmt) && stmt[j] != q; j++ {
			if stmt[j] == '\\' && j+1 < len(stmt) {
				j++
				switch stmt[j] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(stmt[j])
				}
				continue
			}
			b.WriteByte(stmt[j])
		}
		out = append(out, b.String())
		i = j
	}
	return out
}
