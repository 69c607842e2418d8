package knowledge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadError is a file that could not be loaded: which file, where in it
// (Path names the article and key, such as "[2].title" or "front
// matter.valid_from"; Line is 1-based, 0 when unknown), and why. It
// unwraps to the cause: a *ValidationError (ErrInvalid), ErrTooLarge, or
// a decoding error.
type LoadError struct {
	File string
	Path string
	Line int
	Err  error
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("knowledge: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	msg := e.Err.Error()
	var ve *ValidationError
	if errors.As(e.Err, &ve) {
		msg = ve.Reason
	}
	b.WriteString(strings.TrimPrefix(msg, "knowledge: "))
	return b.String()
}

// Unwrap returns the cause.
func (e *LoadError) Unwrap() error { return e.Err }

// Default limits of the loaders.
const (
	DefaultMaxFileBytes = 1 << 20
	DefaultMaxArticles  = 10000
)

// LoadOption configures LoadDir and the Parse functions.
type LoadOption func(*loadConfig)

type loadConfig struct {
	maxFileBytes int64
	maxArticles  int
}

func newLoadConfig(opts []LoadOption) loadConfig {
	c := loadConfig{maxFileBytes: DefaultMaxFileBytes, maxArticles: DefaultMaxArticles}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithMaxFileBytes limits the size of each file read (default 1 MiB).
func WithMaxFileBytes(n int64) LoadOption {
	return func(c *loadConfig) {
		if n > 0 {
			c.maxFileBytes = n
		}
	}
}

// WithMaxArticles limits how many articles LoadDir returns (default
// 10000); more is an error.
func WithMaxArticles(n int) LoadOption {
	return func(c *loadConfig) {
		if n > 0 {
			c.maxArticles = n
		}
	}
}

// maxLoadErrors is how many file errors LoadDir reports at most.
const maxLoadErrors = 20

// LoadDir loads every article under the root of fsys (os.DirFS(dir) for a
// folder on disk), in lexical order of path:
//
//   - .md and .markdown files hold one article in Markdown, with optional
//     YAML front matter between "---" lines (the keys of Article's yaml
//     tags). The id defaults to the file's path without its extension,
//     the title to the first "# " heading, which is then taken out of the
//     body;
//   - .json files hold one article, a list of articles, or an object with
//     an "articles" list; .yaml and .yml files the same in YAML.
//
// In files, "format: html" converts the body with FromHTML, and dates are
// "2006-01-02" (midnight UTC) or RFC 3339. Unknown keys are errors. Files
// and folders whose names start with "." or "_" are skipped, as are files
// of other extensions. Every article is validated, and ids must be unique
// across files. The error, if any, joins up to 20 *LoadError naming each
// bad file and where in it.
func LoadDir(fsys fs.FS, opts ...LoadOption) ([]Article, error) {
	cfg := newLoadConfig(opts)
	var (
		out  []Article
		errs []error
		seen = map[string]string{} // id -> file
	)
	fail := func(err error) error {
		errs = append(errs, err)
		if len(errs) >= maxLoadErrors {
			return fs.SkipAll
		}
		return nil
	}
	walkErr := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fail(&LoadError{File: p, Err: err})
		}
		name := d.Name()
		if p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || parserOf(name) == nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fail(&LoadError{File: p, Err: err})
		}
		if info.Size() > cfg.maxFileBytes {
			return fail(&LoadError{File: p, Err: fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, info.Size(), cfg.maxFileBytes)})
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fail(&LoadError{File: p, Err: err})
		}
		arts, err := parseFile(p, data, cfg)
		if err != nil {
			return fail(err)
		}
		for i, a := range arts {
			if prev, dup := seen[a.ID]; dup {
				where := ""
				if len(arts) > 1 {
					where = fmt.Sprintf("[%d].id", i)
				}
				if err := fail(&LoadError{File: p, Path: where, Err: fmt.Errorf("%w: id %q is also the id of an article in %s", ErrInvalid, a.ID, prev)}); err != nil {
					return err
				}
				continue
			}
			seen[a.ID] = p
			out = append(out, a)
		}
		if len(out) > cfg.maxArticles {
			errs = append(errs, fmt.Errorf("%w: more than %d articles", ErrTooLarge, cfg.maxArticles))
			return fs.SkipAll
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

type parser func(file string, data []byte) ([]Article, error)

func parserOf(name string) parser {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		return func(file string, data []byte) ([]Article, error) {
			a, err := ParseMarkdown(file, data)
			if err != nil {
				return nil, err
			}
			return []Article{a}, nil
		}
	case ".json":
		return ParseJSON
	case ".yaml", ".yml":
		return ParseYAML
	}
	return nil
}

func parseFile(file string, data []byte, cfg loadConfig) ([]Article, error) {
	if int64(len(data)) > cfg.maxFileBytes {
		return nil, &LoadError{File: file, Err: fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(data), cfg.maxFileBytes)}
	}
	return parserOf(file)(file, data)
}

// fileArticle is an article as files write it.
type fileArticle struct {
	ID         string   `json:"id" yaml:"id"`
	Title      string   `json:"title" yaml:"title"`
	Body       string   `json:"body" yaml:"body"`
	Format     string   `json:"format" yaml:"format"`
	Language   string   `json:"language" yaml:"language"`
	Products   []string `json:"products" yaml:"products"`
	Categories []string `json:"categories" yaml:"categories"`
	URL        string   `json:"url" yaml:"url"`
	ValidFrom  string   `json:"valid_from" yaml:"valid_from"`
	ValidUntil string   `json:"valid_until" yaml:"valid_until"`
	Version    int      `json:"version" yaml:"version"`
}

var fileKeys = map[string]bool{"id": true, "title": true, "body": true, "format": true, "language": true,
	"products": true, "categories": true, "url": true, "valid_from": true, "valid_until": true, "version": true}

// article converts f; field names the key of a bad value.
func (f *fileArticle) article() (a Article, field string, err error) {
	a = Article{ID: f.ID, Title: f.Title, Body: f.Body, Language: f.Language, Products: f.Products,
		Categories: f.Categories, URL: f.URL, Version: f.Version}
	switch strings.ToLower(f.Format) {
	case "", "text", "plain":
		a.Format = FormatText
	case "markdown", "md":
		a.Format = FormatMarkdown
	case "html":
		a.Format = FormatText
		if a.Body, err = FromHTML(f.Body); err != nil {
			return a, "body", err
		}
	default:
		return a, "format", fmt.Errorf("%w: %q is not text, markdown or html", ErrInvalid, f.Format)
	}
	if a.ValidFrom, err = parseDate(f.ValidFrom); err != nil {
		return a, "valid_from", err
	}
	if a.ValidUntil, err = parseDate(f.ValidUntil); err != nil {
		return a, "valid_until", err
	}
	return a, "", nil
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02 15:04:05 -0700 MST", s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %q is not a date (2006-01-02) or an RFC 3339 time", ErrInvalid, s)
}

// finish converts and validates f, as article prefix of file.
func (f *fileArticle) finish(file, prefix string, line int) (Article, error) {
	a, field, err := f.article()
	if err == nil {
		err = a.Validate()
		var ve *ValidationError
		if errors.As(err, &ve) {
			field = ve.Field
		}
	}
	if err != nil {
		p := prefix
		if field != "" {
			if p != "" {
				p += "."
			}
			p += field
		}
		return Article{}, &LoadError{File: file, Path: p, Line: line, Err: err}
	}
	return a, nil
}

// ParseJSON parses the articles of a JSON file named file: one article, a
// list, or an object with an "articles" list (see LoadDir).
func ParseJSON(file string, data []byte) ([]Article, error) {
	data = bytes.TrimSpace(data)
	var items []json.RawMessage
	list := false
	switch {
	case bytes.HasPrefix(data, []byte("[")):
		list = true
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, &LoadError{File: file, Err: jsonError(data, err)}
		}
	case bytes.HasPrefix(data, []byte("{")):
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, &LoadError{File: file, Err: jsonError(data, err)}
		}
		if raw, ok := probe["articles"]; ok && len(probe) == 1 {
			list = true
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, &LoadError{File: file, Path: "articles", Err: fmt.Errorf("not a list of articles: %w", err)}
			}
		} else {
			items = []json.RawMessage{data}
		}
	default:
		return nil, &LoadError{File: file, Err: errors.New("not a JSON object or list")}
	}
	out := make([]Article, 0, len(items))
	for i, raw := range items {
		prefix := ""
		if list {
			prefix = fmt.Sprintf("[%d]", i)
		}
		var f fileArticle
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				p := te.Field
				if prefix != "" {
					p = prefix + "." + p
				}
				return nil, &LoadError{File: file, Path: p, Err: fmt.Errorf("is a JSON %s, not %s", te.Value, te.Type)}
			}
			return nil, &LoadError{File: file, Path: prefix, Err: jsonError(raw, err)}
		}
		a, err := f.finish(file, prefix, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// jsonError adds the line of a syntax error to err.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// ParseYAML parses the articles of a YAML file named file: one article, a
// list, or a mapping with an "articles" list (see LoadDir).
func ParseYAML(file string, data []byte) ([]Article, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &LoadError{File: file, Err: err}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &LoadError{File: file, Err: errors.New("empty YAML document")}
	}
	root := doc.Content[0]
	items, list := []*yaml.Node{root}, false
	if root.Kind == yaml.MappingNode && len(root.Content) == 2 && root.Content[0].Value == "articles" {
		root = root.Content[1]
		if root.Kind != yaml.SequenceNode {
			return nil, &LoadError{File: file, Path: "articles", Line: root.Line, Err: errors.New("is not a list of articles")}
		}
	}
	if root.Kind == yaml.SequenceNode {
		items, list = root.Content, true
	}
	out := make([]Article, 0, len(items))
	for i, n := range items {
		prefix := ""
		if list {
			prefix = fmt.Sprintf("[%d]", i)
		}
		a, err := yamlArticle(file, prefix, n)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// yamlArticle decodes the article in mapping node n.
func yamlArticle(file, prefix string, n *yaml.Node) (Article, error) {
	if n.Kind != yaml.MappingNode {
		return Article{}, &LoadError{File: file, Path: prefix, Line: n.Line, Err: errors.New("is not a mapping of article keys")}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !fileKeys[k.Value] {
			p := k.Value
			if prefix != "" {
				p = prefix + "." + p
			}
			return Article{}, &LoadError{File: file, Path: p, Line: k.Line, Err: errors.New("unknown key")}
		}
	}
	var f fileArticle
	if err := n.Decode(&f); err != nil {
		return Article{}, &LoadError{File: file, Path: prefix, Line: n.Line, Err: err}
	}
	return f.finish(file, prefix, n.Line)
}

// ParseMarkdown parses a Markdown article named file, with optional YAML
// front matter (see LoadDir). The front matter may not set body or
// format.
func ParseMarkdown(file string, data []byte) (Article, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	var f fileArticle
	bodyLine, hasFront := 1, false
	if strings.HasPrefix(text, "---\n") {
		hasFront = true
		end := strings.Index(text[4:], "\n---")
		if end < 0 {
			return Article{}, &LoadError{File: file, Path: "front matter", Line: 1, Err: errors.New(`has no closing "---" line`)}
		}
		front := text[4 : 4+end]
		rest := text[4+end+4:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			if strings.TrimSpace(rest[:nl]) != "" {
				return Article{}, &LoadError{File: file, Path: "front matter", Line: 2 + strings.Count(front, "\n"), Err: errors.New(`closing "---" line has more text`)}
			}
			rest = rest[nl+1:]
		} else {
			rest = ""
		}
		bodyLine = 4 + strings.Count(front, "\n")
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(front), &doc); err != nil {
			return Article{}, &LoadError{File: file, Path: "front matter", Err: err}
		}
		if len(doc.Content) > 0 {
			n := doc.Content[0]
			if n.Kind != yaml.MappingNode {
				return Article{}, &LoadError{File: file, Path: "front matter", Line: 1 + n.Line, Err: errors.New("is not a mapping")}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if !fileKeys[k.Value] || k.Value == "body" || k.Value == "format" {
					return Article{}, &LoadError{File: file, Path: "front matter." + k.Value, Line: 1 + k.Line, Err: errors.New("unknown key")}
				}
			}
			if err := n.Decode(&f); err != nil {
				return Article{}, &LoadError{File: file, Path: "front matter", Err: err}
			}
		}
		text = rest
	}
	if f.ID == "" {
		f.ID = strings.TrimSuffix(file, path.Ext(file))
	}
	if f.Title == "" {
		f.Title, text = takeHeading(text)
	}
	f.Body = strings.TrimSpace(text)
	f.Format = string(FormatMarkdown)
	a, err := f.finish(file, "", 0)
	if err != nil {
		var le *LoadError
		switch {
		case !errors.As(err, &le):
		case le.Path == "body":
			le.Line = bodyLine
		case le.Path == "title" && f.Title == "":
			le.Err = fmt.Errorf("%w: no title: set one in the front matter, or begin the body with a \"# \" heading", ErrInvalid)
		case le.Path != "" && hasFront:
			le.Path = "front matter." + le.Path
		}
		return Article{}, err
	}
	return a, nil
}

// takeHeading returns the text of the first line of s when it is a level 1
// heading, and s without it; otherwise "" and s.
func takeHeading(s string) (string, string) {
	trimmed := strings.TrimLeft(s, "\n")
	line, rest, _ := strings.Cut(trimmed, "\n")
	if m := mdHeading.FindStringSubmatch(line); m != nil && strings.HasPrefix(strings.TrimSpace(line), "# ") {
		return m[1], rest
	}
	return "", s
}
