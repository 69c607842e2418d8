package email

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText is readable text made from an HTML body, with what the HTML
// marked as quoted history or signature set apart. It is plain data.
type HTMLText struct {
	Text      string
	Quoted    string
	Signature string
	// Hidden counts the elements left out because a reader does not see
	// them (see HTMLToText).
	Hidden int
}

// HTMLToText turns an HTML body into readable plain text: paragraphs and
// line breaks kept, lists as "- " or "1. " items, links as "text (url)",
// no script, style or head content. The quote containers of common mail
// programs (Gmail's gmail_quote, Apple Mail's and Thunderbird's
// blockquote type="cite" and moz-cite-prefix, Outlook's divRplyFwdMsg and
// appendonsend, Yahoo's yahoo_quoted) go to Quoted, and their signature
// containers (gmail_signature, moz-signature) to Signature.
//
// Elements a reader does not see are left out with all they hold: the
// hidden attribute, and styles (inline, or rules of the document's style
// sheets for a plain class or id) with display:none, visibility:hidden
// or collapse, mso-hide:all, opacity 0, a font size of at most one pixel,
// scale(0), a zero height or width with overflow hidden, a position far
// off the page, a clip to nothing, or text in the colour of the
// background it sits on (declared on the element or around it). Such
// text is how senders slip instructions past the person reading the
// mail; what nobody saw is not part of what the customer wrote. Rules in
// media queries apply only sometimes and are not read.
func HTMLToText(s string) HTMLText { return htmlToText(s) }

type target int

const (
	toText target = iota
	toQuoted
	toSignature
)

type textBuf struct {
	b     strings.Builder
	nl    int // newlines at the end of b
	space bool
}

func (t *textBuf) word(s string) {
	if s == "" {
		return
	}
	if t.space && t.b.Len() > 0 && t.nl == 0 {
		t.b.WriteByte(' ')
	}
	t.space = false
	t.b.WriteString(s)
	t.nl = 0
}

func (t *textBuf) raw(s string) {
	for _, r := range s {
		if r == '\n' {
			t.b.WriteByte('\n')
			t.nl++
			continue
		}
		t.b.WriteRune(r)
		t.nl = 0
	}
	t.space = false
}

// breakLine ends the current line; n = 2 leaves a blank line.
func (t *textBuf) breakLine(n int) {
	t.space = false
	if t.b.Len() == 0 {
		return
	}
	for t.nl < n {
		t.b.WriteByte('\n')
		t.nl++
	}
}

type htmlWriter struct {
	bufs  [3]textBuf
	stack []target
	after bool // everything from here on is quoted history
	lists []int
	pre   int
	// hidden counts the elements left out as invisible.
	hidden int
	// hiddenSel are the class (".x") and id ("#x") selectors the
	// document's style sheets hide, lower case.
	hiddenSel map[string]bool
}

func (w *htmlWriter) cur() *textBuf {
	if w.after {
		return &w.bufs[toQuoted]
	}
	if n := len(w.stack); n > 0 {
		return &w.bufs[w.stack[n-1]]
	}
	return &w.bufs[toText]
}

func htmlToText(s string) HTMLText {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		// html.Parse only fails on read errors, which a string reader
		// never has; keep the text as it is should that change.
		return HTMLText{Text: strings.TrimSpace(s)}
	}
	w := &htmlWriter{}
	w.collectHiddenSelectors(doc, 0)
	w.node(doc, 0)
	return HTMLText{
		Text:      trimTrailingRules(tidy(w.bufs[toText].b.String())),
		Quoted:    tidy(w.bufs[toQuoted].b.String()),
		Signature: tidy(w.bufs[toSignature].b.String()),
		Hidden:    w.hidden,
	}
}

// trimTrailingRules drops horizontal rules at the end of a text, such as
// the one above a quoted reply.
func trimTrailingRules(s string) string {
	for {
		i := strings.LastIndexByte(s, '\n')
		last := s[i+1:]
		if !isRule(last) {
			return s
		}
		if i < 0 {
			return ""
		}
		s = strings.TrimRight(s[:i], "\n ")
	}
}

// tidy trims trailing spaces of lines, runs of blank lines and the ends.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0")
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Trim(strings.Join(out, "\n"), "\n ")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, names ...string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		for _, name := range names {
			if strings.EqualFold(c, name) {
				return true
			}
		}
	}
	return false
}

// quoteKind tells whether n starts quoted history or a signature.
func quoteKind(n *html.Node) (t target, rest bool, ok bool) {
	id := attr(n, "id")
	switch {
	case hasClass(n, "gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote", "zmail_extra"):
		return toQuoted, false, true
	case n.DataAtom == atom.Blockquote && strings.EqualFold(attr(n, "type"), "cite"):
		return toQuoted, false, true
	case strings.EqualFold(id, "divRplyFwdMsg"), strings.EqualFold(id, "appendonsend"),
		strings.EqualFold(id, "stopSpelling"), hasClass(n, "OutlookMessageHeader"):
		// Outlook puts the reply header in a container and the quoted
		// message after it, outside: all that follows is history.
		return toQuoted, true, true
	case hasClass(n, "gmail_signature", "moz-signature") || strings.EqualFold(id, "Signature") || strings.EqualFold(attr(n, "data-smartmail"), "gmail_signature"):
		return toSignature, false, true
	}
	return 0, false, false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Ul, atom.Ol, atom.Table, atom.Blockquote, atom.Pre, atom.Section,
		atom.Article, atom.Header, atom.Footer, atom.Address, atom.Dl, atom.Center,
		atom.Form, atom.Fieldset, atom.Main, atom.Nav, atom.Aside, atom.Figure:
		return true
	}
	return false
}

func (w *htmlWriter) node(n *html.Node, depth int) {
	if depth > 500 {
		return // pathological nesting: the rest is not worth reading
	}
	switch n.Type {
	case html.TextNode:
		w.textNode(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.DocumentNode:
		w.children(n, depth)
		return
	case html.ElementNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Meta, atom.Noscript,
		atom.Template, atom.Svg, atom.Object, atom.Iframe, atom.Link, atom.Button, atom.Select:
		return
	}
	if w.invisible(n) {
		w.hidden++
		return
	}
	if t, rest, ok := quoteKind(n); ok && !w.after {
		w.cur().breakLine(2)
		if rest {
			w.after = true
			w.cur().breakLine(2)
			w.element(n, depth)
			w.cur().breakLine(2)
			return
		}
		w.stack = append(w.stack, t)
		w.cur().breakLine(2)
		w.element(n, depth)
		w.cur().breakLine(2)
		w.stack = w.stack[:len(w.stack)-1]
		return
	}
	w.element(n, depth)
}

func (w *htmlWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c, depth+1)
	}
}

func (w *htmlWriter) element(n *html.Node, depth int) {
	a := n.DataAtom
	switch a {
	case atom.Br:
		b := w.cur()
		b.b.WriteByte('\n')
		b.nl++
		b.space = false
		return
	case atom.Hr:
		w.cur().breakLine(1)
		w.cur().raw("----------")
		w.cur().breakLine(1)
		return
	case atom.Img:
		return
	case atom.Li:
		b := w.cur()
		b.breakLine(1)
		indent := ""
		if len(w.lists) > 1 {
			indent = strings.Repeat("  ", len(w.lists)-1)
		}
		if k := len(w.lists); k > 0 && w.lists[k-1] > 0 {
			b.raw(indent + strconv.Itoa(w.lists[k-1]) + ". ")
			w.lists[k-1]++
		} else {
			b.raw(indent + "- ")
		}
		w.children(n, depth)
		w.cur().breakLine(1)
		return
	case atom.Ul, atom.Ol:
		w.cur().breakLine(1)
		start := 0
		if a == atom.Ol {
			start = 1
			if s, err := strconv.Atoi(attr(n, "start")); err == nil && s > 0 && s < 1e6 {
				start = s
			}
		}
		w.lists = append(w.lists, start)
		w.children(n, depth)
		w.lists = w.lists[:len(w.lists)-1]
		w.cur().breakLine(2)
		return
	case atom.Tr:
		w.cur().breakLine(1)
		w.children(n, depth)
		w.cur().breakLine(1)
		return
	case atom.Td, atom.Th:
		w.cur().space = true
		w.children(n, depth)
		w.cur().space = true
		return
	case atom.Pre:
		w.cur().breakLine(2)
		w.pre++
		w.children(n, depth)
		w.pre--
		w.cur().breakLine(2)
		return
	case atom.A:
		href := strings.TrimSpace(attr(n, "href"))
		before := w.cur().b.Len()
		w.children(n, depth)
		b := w.cur()
		if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
			return
		}
		shown := ""
		if b.b.Len() >= before {
			shown = b.b.String()[before:]
		}
		hrefShown := strings.TrimPrefix(href, "mailto:")
		shown = strings.TrimSpace(shown)
		switch {
		case shown == "":
			b.word(hrefShown)
			return
		case strings.Contains(shown, hrefShown), strings.Contains(hrefShown, shown) && strings.Contains(shown, "."):
			return
		}
		b.space = true
		b.word("(" + hrefShown + ")")
		return
	}
	if isBlock(a) {
		n2 := 1
		if a == atom.P || a == atom.Blockquote || a == atom.Table || isHeading(a) {
			n2 = 2
		}
		w.cur().breakLine(n2)
		w.children(n, depth)
		w.cur().breakLine(n2)
		return
	}
	w.children(n, depth)
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func (w *htmlWriter) textNode(s string) {
	b := w.cur()
	if w.pre > 0 {
		b.raw(s)
		return
	}
	if s == "" {
		return
	}
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if isSpace(s[0]) {
		b.space = true
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if i > 0 {
			b.space = true
		}
		b.word(f)
	}
	if isSpace(s[len(s)-1]) {
		b.space = true
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// invisible reports whether an element is not shown to a reader: it has
// the hidden attribute, or its inline style or a class or id rule of the
// document's style sheets hides it (see hides), or its text is in the
// colour of the background it sits on.
func (w *htmlWriter) invisible(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, "hidden") {
			return true
		}
	}
	if len(w.hiddenSel) > 0 {
		if id := attr(n, "id"); id != "" && w.hiddenSel["#"+strings.ToLower(id)] {
			return true
		}
		for _, c := range strings.Fields(attr(n, "class")) {
			if w.hiddenSel["."+strings.ToLower(c)] {
				return true
			}
		}
	}
	style := attr(n, "style")
	d := readStyle(style)
	if d.hides() {
		return true
	}
	color := d.color
	if color == "" && n.DataAtom == atom.Font {
		color = cssColor(strings.ToLower(attr(n, "color")))
	}
	if color == "" {
		return false
	}
	// The background the text sits on: the nearest one declared on the
	// element or around it.
	for p := n; p != nil && p.Type == html.ElementNode; p = p.Parent {
		bg := ""
		if p == n {
			bg = d.background
		} else {
			bg = readStyle(attr(p, "style")).background
		}
		if bg == "" {
			bg = cssColor(strings.ToLower(attr(p, "bgcolor")))
		}
		if bg != "" {
			return bg == color
		}
	}
	return false
}

// declarations are the visibility-related declarations of a style.
type declarations struct {
	none, zeroBox, overflowHidden, offscreen, clipped bool
	color, background                                 string
}

// readStyle reads the declarations of an inline style or a rule body.
func readStyle(style string) declarations {
	var d declarations
	if style == "" {
		return d
	}
	var positioned bool
	for _, decl := range strings.Split(style, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.ToLower(strings.TrimSpace(v))
		v = strings.TrimSpace(strings.TrimSuffix(v, "!important"))
		switch k {
		case "display":
			d.none = d.none || v == "none"
		case "visibility":
			d.none = d.none || v == "hidden" || v == "collapse"
		case "mso-hide":
			d.none = d.none || v == "all"
		case "opacity":
			if f, ok := cssNumber(v); ok && f <= 0.05 {
				d.none = true
			}
		case "font-size":
			d.none = d.none || tiny(v, 1)
		case "transform":
			d.none = d.none || strings.HasPrefix(v, "scale(0)") || strings.HasPrefix(v, "scale(0,") || v == "scale(0 0)"
		case "height", "max-height", "width", "max-width":
			if tiny(v, 0) {
				d.zeroBox = true
			}
		case "overflow", "overflow-x", "overflow-y":
			d.overflowHidden = d.overflowHidden || v == "hidden" || v == "clip"
		case "position":
			positioned = v == "absolute" || v == "fixed"
		case "left", "top", "right", "text-indent", "margin-left", "margin-top":
			if f, ok := cssNumber(strings.TrimSuffix(strings.TrimSuffix(v, "px"), "em")); ok && f <= -500 || ok && strings.HasSuffix(v, "em") && f <= -50 {
				d.offscreen = true
			}
		case "clip", "clip-path":
			c := strings.NewReplacer(" ", "", "px", "").Replace(v)
			d.clipped = d.clipped || c == "rect(0,0,0,0)" || c == "rect(0000)" || c == "inset(50%)" || c == "inset(100%)" || c == "circle(0)"
		case "color":
			d.color = cssColor(v)
		case "background-color", "background":
			d.background = cssColor(v)
		}
	}
	// Text pushed off the page by a large negative offset, or clipped
	// away, is not seen; a negative text indent hides it too.
	d.offscreen = d.offscreen && (positioned || strings.Contains(strings.ToLower(style), "text-indent"))
	return d
}

// hides reports whether the declarations hide their element.
func (d declarations) hides() bool {
	return d.none || d.zeroBox && d.overflowHidden || d.offscreen || d.clipped ||
		d.color != "" && d.color == d.background
}

// cssRule matches a rule of a style sheet: selectors and a body.
var cssRule = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)

// collectHiddenSelectors reads the document's style sheets for rules
// that hide what a plain class or id selects (".preheader {display:
// none}", "div.x, #y {font-size: 0}"). Rules inside at-rules (media
// queries) apply only sometimes and are left alone.
func (w *htmlWriter) collectHiddenSelectors(n *html.Node, depth int) {
	if depth > 500 {
		return
	}
	if n.Type == html.ElementNode && n.DataAtom == atom.Style {
		var css strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				css.WriteString(c.Data)
			}
		}
		w.readSheet(css.String())
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.collectHiddenSelectors(c, depth+1)
	}
}

func (w *htmlWriter) readSheet(css string) {
	// Comments and at-rule blocks out.
	for {
		i := strings.Index(css, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(css[i+2:], "*/")
		if j < 0 {
			css = css[:i]
			break
		}
		css = css[:i] + " " + css[i+2+j+2:]
	}
	css = stripAtBlocks(css)
	for _, m := range cssRule.FindAllStringSubmatch(css, 200) {
		if !readStyle(m[2]).hides() {
			continue
		}
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.ToLower(strings.TrimSpace(sel))
			if i := strings.IndexAny(sel, ".#"); i >= 0 && !strings.ContainsAny(sel, " >+~:[*") {
				// "div.preheader" selects by the class alone here.
				sel = sel[i:]
				if strings.Count(sel, ".")+strings.Count(sel, "#") == 1 {
					if w.hiddenSel == nil {
						w.hiddenSel = map[string]bool{}
					}
					w.hiddenSel[sel] = true
				}
			}
		}
	}
}

// stripAtBlocks removes @media and other at-rule blocks, nested braces
// included, and at-rule statements ending in ";".
func stripAtBlocks(css string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(css, '@')
		if i < 0 {
			b.WriteString(css)
			return b.String()
		}
		b.WriteString(css[:i])
		rest := css[i:]
		open := strings.IndexByte(rest, '{')
		semi := strings.IndexByte(rest, ';')
		if open < 0 || semi >= 0 && semi < open {
			if semi < 0 {
				return b.String()
			}
			css = rest[semi+1:]
			continue
		}
		depth := 0
		end := len(rest)
		for k := open; k < len(rest); k++ {
			if rest[k] == '{' {
				depth++
			} else if rest[k] == '}' {
				depth--
				if depth == 0 {
					end = k + 1
					break
				}
			}
		}
		css = rest[end:]
	}
}

// tiny reports whether a CSS length is at most limit pixels: 0 in any
// unit, or a small size in px, pt or a relative unit.
func tiny(v string, limit float64) bool {
	num := strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz%")
	unit := v[len(num):]
	f, ok := cssNumber(num)
	if !ok {
		return false
	}
	switch unit {
	case "", "px", "pt":
		return f <= limit
	case "em", "rem":
		return f <= limit/16
	case "%":
		return f <= limit*100/16
	}
	return f == 0
}

func cssNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != f {
		return 0, false
	}
	return f, true
}

// cssColor normalises the colour values senders hide text with: names
// of white and black, #rgb and #rrggbb, rgb(); the first word of a
// background shorthand. Anything else is returned as written.
func cssColor(v string) string {
	if strings.HasPrefix(v, "rgb") {
		v = strings.ReplaceAll(v, " ", "")
	}
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	switch v {
	case "", "inherit", "initial", "unset", "revert", "transparent", "currentcolor", "none":
		return ""
	case "white", "#fff", "#ffffff", "rgb(255,255,255)":
		return "#ffffff"
	case "black", "#000", "#000000", "rgb(0,0,0)":
		return "#000000"
	}
	if len(v) == 4 && v[0] == '#' {
		return "#" + string([]byte{v[1], v[1], v[2], v[2], v[3], v[3]})
	}
	return v
}
