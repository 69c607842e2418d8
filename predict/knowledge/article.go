package knowledge

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrInvalid reports an article or a query that breaks the rules of
	// Validate; the typed error is a *ValidationError.
	ErrInvalid = errors.New("knowledge: invalid article")
	// ErrNotFound reports an article id that a Store does not hold.
	ErrNotFound = errors.New("knowledge: article not found")
	// ErrTooLarge reports a file or a body over a size limit.
	ErrTooLarge = errors.New("knowledge: too large")
)

// Limits of an article, checked by Validate.
const (
	MaxIDBytes    = 200
	MaxTitleBytes = 500
	MaxBodyBytes  = 256 << 10
	MaxTags       = 50
	MaxTagBytes   = 100
	MaxURLBytes   = 2048
)

// Format says how an article's Body is written.
type Format string

// The formats of a Body. HTML is not one of them: loaders and FromHTML
// convert it to text, so that what is indexed and quoted is what a
// customer reads.
const (
	// FormatText is plain text; blank lines separate paragraphs. It is the
	// default (an empty Format).
	FormatText Format = "text"
	// FormatMarkdown is Markdown. Retrieval and passages read its text
	// without the markup (see Article.Text).
	FormatMarkdown Format = "markdown"
)

// Article is one knowledge article: what an answer may quote and link to.
// It is plain data; share it only once no one modifies it.
type Article struct {
	// ID identifies the article in its store; citations name it.
	ID string `json:"id" yaml:"id"`
	// Title is the article's title. It counts in retrieval more than the
	// body does.
	Title string `json:"title" yaml:"title"`
	// Body is the article's text, plain or Markdown (see Format).
	Body string `json:"body" yaml:"body"`
	// Format of Body; empty is FormatText.
	Format Format `json:"format,omitempty" yaml:"format,omitempty"`
	// Language is the BCP 47 tag of the article's language ("en",
	// "pt-BR"). Retrieval stems and drops stop words for en, es, de, pt,
	// fr, it and nl; other languages are matched word for word. Empty
	// means unknown: the article matches queries in any language.
	Language string `json:"language,omitempty" yaml:"language,omitempty"`
	// Products the article applies to. None means every product.
	Products []string `json:"products,omitempty" yaml:"products,omitempty"`
	// Categories the article belongs to. None means every category.
	Categories []string `json:"categories,omitempty" yaml:"categories,omitempty"`
	// URL where customers can read the article, if it is published.
	URL string `json:"url,omitempty" yaml:"url,omitempty"`
	// ValidFrom and ValidUntil bound when the article may be used: from
	// ValidFrom (inclusive) until ValidUntil (exclusive). Zero is
	// unbounded.
	ValidFrom  time.Time `json:"valid_from,omitzero" yaml:"valid_from,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero" yaml:"valid_until,omitempty"`
	// Version is the author's version of the article, 0 when none is kept.
	Version int `json:"version,omitempty" yaml:"version,omitempty"`
}

// ValidationError says which rule an article breaks. It unwraps to
// ErrInvalid.
type ValidationError struct {
	ID     string // the article's id, possibly empty
	Field  string // "id", "title", "body", "language", "products", ...
	Reason string
}

func (e *ValidationError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("knowledge: invalid article: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("knowledge: invalid article %q: %s: %s", e.ID, e.Field, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Validate reports the first rule a breaks, as a *ValidationError: an id,
// a title and a body are required, valid UTF-8 without control characters
// (the body may hold line breaks and tabs) and within the Max* limits;
// the format is text or markdown; the language is a BCP 47 tag; tags are
// non-empty, at most MaxTags of MaxTagBytes each; the URL is absolute
// http or https; ValidUntil is after ValidFrom; Version is not negative.
func (a *Article) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{ID: a.ID, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	for _, f := range []struct {
		name, v   string
		max       int
		multiline bool
	}{
		{"id", a.ID, MaxIDBytes, false},
		{"title", a.Title, MaxTitleBytes, false},
		{"body", a.Body, MaxBodyBytes, true},
	} {
		if strings.TrimSpace(f.v) == "" {
			return bad(f.name, "is empty")
		}
		if len(f.v) > f.max {
			return bad(f.name, "is %d bytes, more than %d", len(f.v), f.max)
		}
		if why := checkText(f.v, f.multiline); why != "" {
			return bad(f.name, "%s", why)
		}
	}
	if a.ID != strings.TrimSpace(a.ID) {
		return bad("id", "has leading or trailing white space")
	}
	switch a.Format {
	case "", FormatText, FormatMarkdown:
	default:
		return bad("format", "%q is not text or markdown", a.Format)
	}
	if a.Language != "" && !languageTag.MatchString(a.Language) {
		return bad("language", "%q is not a language tag such as en or pt-BR", a.Language)
	}
	for _, tags := range []struct {
		name string
		v    []string
	}{{"products", a.Products}, {"categories", a.Categories}} {
		if len(tags.v) > MaxTags {
			return bad(tags.name, "has %d tags, more than %d", len(tags.v), MaxTags)
		}
		for i, t := range tags.v {
			if strings.TrimSpace(t) == "" {
				return bad(fmt.Sprintf("%s[%d]", tags.name, i), "is empty")
			}
			if len(t) > MaxTagBytes {
				return bad(fmt.Sprintf("%s[%d]", tags.name, i), "is %d bytes, more than %d", len(t), MaxTagBytes)
			}
			if why := checkText(t, false); why != "" {
				return bad(fmt.Sprintf("%s[%d]", tags.name, i), "%s", why)
			}
		}
	}
	if a.URL != "" {
		if len(a.URL) > MaxURLBytes {
			return bad("url", "is %d bytes, more than %d", len(a.URL), MaxURLBytes)
		}
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("url", "%q is not an absolute http or https URL", a.URL)
		}
	}
	if !a.ValidFrom.IsZero() && !a.ValidUntil.IsZero() && !a.ValidUntil.After(a.ValidFrom) {
		return bad("valid_until", "%s is not after valid_from %s", a.ValidUntil.Format(time.RFC3339), a.ValidFrom.Format(time.RFC3339))
	}
	if a.Version < 0 {
		return bad("version", "%d is negative", a.Version)
	}
	return nil
}

// checkText returns why s cannot be an article's text, or "".
func checkText(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if r == '\n' || r == '\t' || r == '\r' {
			if multiline || r == '\t' {
				continue
			}
			return "holds a line break"
		}
		if unicode.IsControl(r) {
			return fmt.Sprintf("holds the control character %U", r)
		}
	}
	return ""
}

// ValidAt reports whether a may be used at t: ValidFrom <= t < ValidUntil,
// each bound only when set. A zero t is always valid.
func (a *Article) ValidAt(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	if !a.ValidFrom.IsZero() && t.Before(a.ValidFrom) {
		return false
	}
	return a.ValidUntil.IsZero() || t.Before(a.ValidUntil)
}

// HasProduct reports whether a applies to product: it has no product tags,
// or one equal to product ignoring case. An empty product matches every
// article.
func (a *Article) HasProduct(product string) bool { return hasTag(a.Products, product) }

// HasCategory is HasProduct for categories.
func (a *Article) HasCategory(category string) bool { return hasTag(a.Categories, category) }

func hasTag(tags []string, want string) bool {
	if want == "" || len(tags) == 0 {
		return true
	}
	for _, t := range tags {
		if strings.EqualFold(strings.TrimSpace(t), strings.TrimSpace(want)) {
			return true
		}
	}
	return false
}

// Text returns the body as a customer reads it: plain text as it is,
// Markdown without its markup (headings, emphasis, link targets, images,
// code fences, list and quote markers), paragraphs separated by blank
// lines. Passages are cut from Text, and citations are checked against it
// and the body.
func (a *Article) Text() string {
	if a.Format == FormatMarkdown {
		return markdownText(a.Body)
	}
	return strings.ReplaceAll(a.Body, "\r\n", "\n")
}

// Clone returns a deep copy of a.
func (a *Article) Clone() *Article {
	c := *a
	c.Products = cloneStrings(a.Products)
	c.Categories = cloneStrings(a.Categories)
	return &c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// BaseLanguage returns the primary subtag of a language tag, lower case:
// "pt" for "pt-BR".
func BaseLanguage(tag string) string {
	base, _, _ := strings.Cut(tag, "-")
	base, _, _ = strings.Cut(base, "_")
	return strings.ToLower(strings.TrimSpace(base))
}

// SameLanguage reports whether article language a serves a query in
// language q: either is empty, or their primary subtags are equal.
func SameLanguage(a, q string) bool {
	return a == "" || q == "" || BaseLanguage(a) == BaseLanguage(q)
}
