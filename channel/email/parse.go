package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
	"github.com/jhillyerd/enmime"
	"golang.org/x/text/encoding/htmlindex"
)

// maxHTML is the most of an HTML body turned into text.
const maxHTML = 1 << 20

// DefaultMaxSize is the size limit of a message when none is configured:
// 25 MB, the limit of most mail providers.
const DefaultMaxSize = 25 << 20

// ErrUnusable is returned for input that is not a mail message at all:
// empty input, or input without a single header field.
var ErrUnusable = errors.New("email: unusable message")

// SizeError reports a message over the parser's size limit. It unwraps to
// channel.ErrTooLarge. It is immutable, safe to share.
type SizeError struct {
	// Limit is the size limit in bytes that the message exceeded.
	Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("email: message larger than the limit of %d bytes", e.Limit)
}

// Unwrap returns channel.ErrTooLarge.
func (e *SizeError) Unwrap() error { return channel.ErrTooLarge }

// Problem is something wrong with a message that the parser worked around.
// It is plain data, safe to share.
type Problem struct {
	// Part is the MIME part the problem is in ("0" is the top level, "1.2"
	// the second child of the first child); empty for the whole message.
	Part string `json:"part,omitempty"`
	// Kind names the problem, such as "Malformed Header" or "date".
	Kind string `json:"kind"`
	// Detail says what was wrong.
	Detail string `json:"detail,omitempty"`
	// Severe is set when part of the message was lost.
	Severe bool `json:"severe,omitempty"`
}

func (p Problem) String() string {
	s := p.Kind
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	if p.Part != "" {
		s = "part " + p.Part + ": " + s
	}
	return s
}

// Parsed is the result of parsing a message: the message, how it was
// classified, and the problems worked around to read it. It is plain data,
// safe to share once no one modifies it.
type Parsed struct {
	Message        channel.Message `json:"message"`
	Classification Classification  `json:"classification"`
	Problems       []Problem       `json:"problems,omitempty"`
}

// Option configures a Parser. WithLogger is one too.
type Option interface {
	applyParser(*Parser)
}

type parserOption func(*Parser)

func (f parserOption) applyParser(p *Parser) { f(p) }

// WithMaxSize sets the largest message, in bytes, that the parser reads.
// Zero or less means DefaultMaxSize.
func WithMaxSize(n int64) Option {
	return parserOption(func(p *Parser) {
		if n > 0 {
			p.maxSize = n
		}
	})
}

// WithMaxParts sets the most MIME parts, containers included, that a
// message may have (default DefaultMaxParts). Zero or less means the
// default. A message with more is refused with a *LimitError.
func WithMaxParts(n int) Option {
	return parserOption(func(p *Parser) {
		if n > 0 {
			p.maxParts = n
		}
	})
}

// WithMaxDepth sets how deep multiparts may nest (default
// DefaultMaxDepth). Zero or less means the default. A message nested
// deeper is refused with a *LimitError.
func WithMaxDepth(n int) Option {
	return parserOption(func(p *Parser) {
		if n > 0 {
			p.maxDepth = n
		}
	})
}

// WithMaxHeaders sets the most header fields a message may have, those of
// all its parts together (default DefaultMaxHeaders). Zero or less means
// the default. A message with more is refused with a *LimitError.
func WithMaxHeaders(n int) Option {
	return parserOption(func(p *Parser) {
		if n > 0 {
			p.maxHeaders = n
		}
	})
}

// LoggerOption sets the logger of a Parser (parse problems, at debug
// level) or of a Handler (refused requests and failures of the Receiver).
// It is both an Option and a HandlerOption.
type LoggerOption struct{ log *slog.Logger }

func (o LoggerOption) applyParser(p *Parser) {
	if o.log != nil {
		p.log = o.log
	}
}

func (o LoggerOption) applyHandler(h *Handler) { h.log = o.log }

// WithLogger sets the logger of a Parser or a Handler; the default
// discards. A nil logger is ignored by NewParser and refused by
// NewHandler.
func WithLogger(l *slog.Logger) LoggerOption { return LoggerOption{log: l} }

// WithLoopMarker makes the parser treat a message whose X-Loop header
// holds value as an automatic message (a mail loop): give it the value
// the SMTPSender puts in X-Loop.
func WithLoopMarker(value string) Option {
	return parserOption(func(p *Parser) { p.loop = strings.ToLower(strings.TrimSpace(value)) })
}

// Parser reads raw MIME messages into channel messages: it decodes the
// structure and charsets, turns HTML into text, splits the new text from
// quoted history and signature, classifies auto-replies and bounces, and
// lists attachments.
//
// A Parser is safe for concurrent use.
type Parser struct {
	maxSize    int64
	maxParts   int
	maxDepth   int
	maxHeaders int
	loop       string
	log        *slog.Logger
	// slowMIME reads every multipart with enmime alone (for tests that
	// compare the two ways).
	slowMIME bool
	mime     *enmime.Parser
}

// NewParser returns a parser with the given options.
func NewParser(opts ...Option) *Parser {
	p := &Parser{
		maxSize:    DefaultMaxSize,
		maxParts:   DefaultMaxParts,
		maxDepth:   DefaultMaxDepth,
		maxHeaders: DefaultMaxHeaders,
		log:        slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o != nil {
			o.applyParser(p)
		}
	}
	p.mime = enmime.NewParser(
		enmime.DisableTextConversion(true),
		// Transfer and charset decoding happen in decodeParts.
		enmime.RawContent(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(readPartErrorPolicy),
		enmime.MaxStoredPartErrors(50),
	)
	return p
}

// MaxSize returns the size limit in bytes.
func (p *Parser) MaxSize() int64 { return p.maxSize }

// readPartErrorPolicy keeps whatever was read of a part that could not be
// read to the end: a truncated part is better than none.
func readPartErrorPolicy(*enmime.Part, error) bool { return true }

// Parse reads one message with a default Parser. See Parser.Parse.
func Parse(r io.Reader) (*Parsed, error) {
	return NewParser().Parse(r)
}

// Parse reads one raw message from r. It reads at most the size limit
// plus one byte, and returns a *SizeError (errors.Is channel.ErrTooLarge)
// for larger input without parsing it. Malformed and truncated messages
// are read as far as possible, with Problems saying what was wrong; only
// input that is not a message at all (empty, or without any header field)
// is an error, ErrUnusable.
//
// The message is marked Inbound from a customer; automated messages
// (auto-replies, bounces, bulk mail) get RoleSystem. Callers that know
// better (mail the organisation sent, a representative's reply) change
// Direction and Role.
func (p *Parser) Parse(r io.Reader) (*Parsed, error) {
	raw, err := io.ReadAll(io.LimitReader(r, p.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("email: reading message: %w", err)
	}
	if int64(len(raw)) > p.maxSize {
		return nil, &SizeError{Limit: p.maxSize}
	}
	return p.ParseBytes(raw)
}

// ParseBytes parses a message held in memory, with the same rules as
// Parse.
func (p *Parser) ParseBytes(raw []byte) (*Parsed, error) {
	if int64(len(raw)) > p.maxSize {
		return nil, &SizeError{Limit: p.maxSize}
	}
	raw = trimLeadingBlank(raw)
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrUnusable)
	}
	if !startsWithHeader(raw) {
		return nil, fmt.Errorf("%w: no header fields", ErrUnusable)
	}
	out := &Parsed{}
	raw, out.Problems = repairHeader(raw)
	root, err := p.readParts(raw)
	var limit *LimitError
	if errors.As(err, &limit) {
		return nil, err
	}
	if err != nil || root == nil {
		// The MIME structure is beyond repair: read the header the plain
		// RFC 5322 way and keep the body as text.
		out.Problems = append(out.Problems, Problem{Kind: "MIME structure", Detail: errText(err), Severe: true})
		root, err = fallbackPart(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnusable, err)
		}
	}
	if strings.HasPrefix(root.ContentType, "multipart/") && root.FirstChild == nil && len(root.Content) == 0 {
		// No boundary line was found: the MIME reader dropped the body as
		// a preamble. Keep it as text.
		root.Content = bodyOf(raw)
		out.Problems = append(out.Problems, Problem{Part: root.PartID, Kind: enmime.ErrorMissingBoundary, Detail: "no part boundary found; the body was read as text"})
	}
	decodeParts(root)
	p.build(out, root)
	if len(out.Problems) > 0 {
		p.log.Debug("email: parsed with problems", "message_id", out.Message.ID, "problems", len(out.Problems))
	}
	return out, nil
}

func errText(err error) string {
	if err == nil {
		return "no parts"
	}
	return err.Error()
}

func trimLeadingBlank(raw []byte) []byte {
	// Some stores prefix messages with an mbox "From " line or blank lines;
	// some writers indent the first header field.
	for {
		switch {
		case len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t'):
			raw = bytes.TrimLeft(raw, " \t")
		case bytes.HasPrefix(raw, []byte("\r\n")):
			raw = raw[2:]
		case bytes.HasPrefix(raw, []byte("\n")):
			raw = raw[1:]
		case bytes.HasPrefix(raw, []byte("From ")) && !startsWithHeader(raw):
			i := bytes.IndexByte(raw, '\n')
			if i < 0 {
				return raw
			}
			raw = raw[i+1:]
		default:
			return raw
		}
	}
}

// startsWithHeader reports whether raw begins with a header field: a name
// of printable characters without spaces, then a colon, optionally after
// white space (the obsolete syntax of RFC 5322 section 4.5).
func startsWithHeader(raw []byte) bool {
	return fieldNameEnd(raw) > 0
}

// fieldNameEnd returns the length of the field name that line begins
// with, or 0 when it does not begin with "name:" or "name :".
func fieldNameEnd(line []byte) int {
	for i, c := range line {
		switch {
		case c == ':':
			return i
		case c == ' ' || c == '\t':
			j := i
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if i > 0 && j < len(line) && line[j] == ':' {
				return i
			}
			return 0
		case c < ' ' || c >= 127:
			return 0
		case i > 200:
			return 0
		}
	}
	return 0
}

// repairHeader rewrites what RFC 5322 asks readers to accept but MIME
// readers refuse, in the message's own header: white space between a
// field name and its colon is dropped, and a header that runs into the
// body without a blank line ends at the first line that is neither a
// field nor a continuation, rather than swallowing the body. It returns
// raw unchanged when there is nothing to repair.
func repairHeader(raw []byte) (fixed []byte, problems []Problem) {
	var out []byte
	off := 0
	for off < len(raw) {
		nl := bytes.IndexByte(raw[off:], '\n')
		end := len(raw)
		if nl >= 0 {
			end = off + nl + 1
		}
		line := raw[off:end]
		content := bytes.TrimRight(line, "\r\n")
		if len(content) == 0 {
			break // the blank line that ends the header
		}
		switch {
		case content[0] == ' ' || content[0] == '\t':
			// A continuation.
		case fieldNameEnd(content) == 0 && off > 0:
			// The body starts without a blank line.
			if out == nil {
				out = append(make([]byte, 0, len(raw)+2), raw[:off]...)
			}
			out = append(out, "\r\n"...)
			out = append(out, raw[off:]...)
			return out, append(problems, Problem{Kind: "Malformed Header", Detail: "no blank line between header and body"})
		default:
			if n := fieldNameEnd(content); n > 0 && content[n] != ':' {
				if out == nil {
					out = append(make([]byte, 0, len(raw)), raw[:off]...)
					problems = append(problems, Problem{Kind: "Malformed Header", Detail: "white space before the colon of a field (obsolete syntax)"})
				}
				colon := bytes.IndexByte(content, ':')
				out = append(out, content[:n]...)
				out = append(out, line[colon:]...)
				off = end
				continue
			}
		}
		if out != nil {
			out = append(out, line...)
		}
		off = end
	}
	if out == nil {
		return raw, problems
	}
	return append(out, raw[off:]...), problems
}

// bodyOf returns what follows the header of a raw message.
func bodyOf(raw []byte) []byte {
	i := bytes.Index(raw, []byte("\n\n"))
	j := bytes.Index(raw, []byte("\n\r\n"))
	switch {
	case i < 0 && j < 0:
		return nil
	case j >= 0 && (i < 0 || j < i):
		return raw[j+3:]
	default:
		return raw[i+2:]
	}
}

// fallbackPart reads the header with net/textproto, which tolerates more,
// and keeps the rest as a plain-text body.
func fallbackPart(raw []byte) (*enmime.Part, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if len(h) == 0 {
		if err == nil {
			err = errors.New("no header fields")
		}
		return nil, err
	}
	body, _ := io.ReadAll(br)
	part := enmime.NewPart("text/plain")
	part.PartID = "0"
	part.Header = h
	part.Content = toUTF8(body)
	return part, nil
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func toUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// build fills out from the part tree.
func (p *Parser) build(out *Parsed, root *enmime.Part) {
	m := &out.Message
	h := root.Header
	m.Kind = channel.KindEmail
	m.Direction = channel.Inbound
	m.Role = channel.RoleCustomer
	m.Headers = decodeHeaderMap(h)

	m.ID = FirstMessageID(h.Get("Message-Id"))
	m.InReplyTo = FirstMessageID(h.Get("In-Reply-To"))
	m.References = ParseMessageIDs(strings.Join(h.Values("References"), " "))
	m.Subject = DecodeHeader(h.Get("Subject"))

	from, fromOK := parseAddresses(h.Values("From"))
	if len(from) > 0 {
		m.From = from[0]
	}
	if !fromOK {
		out.Problems = append(out.Problems, Problem{Kind: "address", Detail: "From header unreadable or missing"})
	}
	m.To, _ = parseAddresses(h.Values("To"))
	m.Cc, _ = parseAddresses(h.Values("Cc"))

	if t, ok := ParseDate(h.Get("Date")); ok {
		m.Time = t
	} else if t, ok := receivedDate(h.Values("Received")); ok {
		m.Time = t
		out.Problems = append(out.Problems, Problem{Kind: "date", Detail: "Date header missing or unreadable; used the Received header"})
	} else {
		out.Problems = append(out.Problems, Problem{Kind: "date", Detail: "no readable date"})
	}

	// Part problems, in tree order.
	walkParts(root, func(part *enmime.Part) {
		for _, e := range part.Errors {
			out.Problems = append(out.Problems, Problem{Part: part.PartID, Kind: e.Name, Detail: e.Detail, Severe: e.Severe})
		}
	})

	b := collectBody(root)
	var quotedParts []string
	text := b.text
	if text == "" && b.html != "" {
		h := b.html
		if len(h) > maxHTML {
			// Turning HTML into text costs far more per byte than anything
			// else; what a person wrote is at the start.
			cut := strings.LastIndexByte(h[:maxHTML], '<')
			if cut <= 0 {
				cut = maxHTML
			}
			h = h[:cut]
			out.Problems = append(out.Problems, Problem{Kind: "text", Detail: fmt.Sprintf("HTML body longer than %d bytes; the rest was left out", maxHTML), Severe: true})
		}
		ht := htmlToText(h)
		text = ht.Text
		if ht.Quoted != "" {
			quotedParts = append(quotedParts, ht.Quoted)
		}
		b.htmlSignature = ht.Signature
	}
	body, quoted, sig := SplitReply(text)
	if quoted != "" {
		// The text's own history comes before what the HTML set apart.
		quotedParts = append([]string{quoted}, quotedParts...)
	}
	m.Text = body
	m.Quoted = strings.Join(quotedParts, "\n\n")
	m.Signature = sig
	if ht := b.htmlSignature; ht != "" {
		// A "-- " line before the HTML signature container stays with it.
		m.Signature = strings.TrimSpace(strings.Join([]string{m.Signature, ht}, "\n"))
	}
	if strings.TrimSpace(m.Text) == "" {
		// Nothing but quotes or a signature: keep the whole text rather
		// than nothing.
		var all []string
		for _, s := range []string{m.Quoted, m.Signature} {
			if s != "" {
				all = append(all, s)
			}
		}
		m.Text = strings.TrimSpace(strings.Join(all, "\n\n"))
		m.Quoted, m.Signature = "", ""
	}
	m.Attachments = b.attachments
	m.Text = validUTF8(m.Text)
	m.Quoted = validUTF8(m.Quoted)
	m.Signature = validUTF8(m.Signature)

	out.Classification = classify(root, m, b.text, p.loop)
	m.AutoReply = out.Classification.Class == ClassAutoReply
	m.Bounce = out.Classification.Class == ClassBounce
	m.BouncedMessageID = out.Classification.OriginalMessageID
	m.Bulk = out.Classification.Bulk
	if m.AutoReply || m.Bounce {
		m.Role = channel.RoleSystem
	}
}

func walkParts(p *enmime.Part, f func(*enmime.Part)) {
	for ; p != nil; p = p.NextSibling {
		f(p)
		walkParts(p.FirstChild, f)
	}
}

// body is what collectBody found: the readable text, the HTML to fall
// back on, and every other part as an attachment.
type body struct {
	text          string
	html          string
	htmlSignature string
	attachments   []channel.Attachment
	used          map[*enmime.Part]bool
}

func collectBody(root *enmime.Part) *body {
	b := &body{used: map[*enmime.Part]bool{}}
	var texts, htmls []string
	b.pick(root, &texts, &htmls)
	b.text = strings.TrimSpace(strings.Join(texts, "\n\n"))
	b.html = strings.Join(htmls, "\n<br>\n")
	walkParts(root, func(part *enmime.Part) {
		if b.used[part] || strings.HasPrefix(part.ContentType, "multipart/") {
			return
		}
		if part == root && part.FirstChild == nil && len(bytes.TrimSpace(part.Content)) == 0 && part.FileName == "" {
			return
		}
		b.attachments = append(b.attachments, channel.Attachment{
			Filename:    part.FileName,
			ContentType: part.ContentType,
			Size:        int64(len(part.Content)),
			ContentID:   part.ContentID,
			Inline:      part.Disposition == "inline" || (part.Disposition == "" && part.ContentID != ""),
		})
	})
	return b
}

// isBodyText reports whether a leaf part is a body of the message rather
// than an attachment.
func isBodyText(part *enmime.Part, ctype string) bool {
	if part.Disposition == "attachment" {
		return false
	}
	if part.FileName != "" && part.Disposition != "inline" {
		return false
	}
	ct := part.ContentType
	if ct == "" {
		ct = "text/plain"
	}
	return ct == ctype
}

// pick chooses the readable parts under part: in multipart/alternative the
// plain text when there is one, else the HTML; in a report the first part;
// in mixed and related messages every text part in order.
func (b *body) pick(part *enmime.Part, texts, htmls *[]string) {
	ct := part.ContentType
	switch {
	case strings.HasPrefix(ct, "multipart/") && part.FirstChild == nil:
		// A multipart without parts (no boundary): its content is text.
		b.used[part] = true
		if s := string(part.Content); strings.TrimSpace(s) != "" {
			*texts = append(*texts, s)
		}
	case strings.HasPrefix(ct, "multipart/alternative"):
		var plain, html *enmime.Part
		for c := part.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case plain == nil && isBodyText(c, "text/plain") && len(bytes.TrimSpace(c.Content)) > 0:
				plain = c
			case html == nil && isBodyText(c, "text/html"):
				html = c
			case plain == nil && strings.HasPrefix(c.ContentType, "multipart/"):
				var t, h []string
				sub := &body{used: map[*enmime.Part]bool{}}
				sub.pick(c, &t, &h)
				if len(t) > 0 {
					b.pick(c, texts, htmls)
					return
				}
				if html == nil && len(h) > 0 {
					html = c
				}
			}
		}
		switch {
		case plain != nil:
			b.used[plain] = true
			*texts = append(*texts, string(plain.Content))
			if html != nil {
				b.markUsed(html)
			}
		case html != nil:
			b.pick(html, texts, htmls)
		}
	case ct == "multipart/report":
		if c := part.FirstChild; c != nil {
			b.pick(c, texts, htmls)
		}
	case strings.HasPrefix(ct, "multipart/encrypted"):
		return

	case strings.HasPrefix(ct, "multipart/"):
		for c := part.FirstChild; c != nil; c = c.NextSibling {
			b.pick(c, texts, htmls)
		}
	case isBodyText(part, "text/plain"):
		b.used[part] = true
		if s := string(part.Content); strings.TrimSpace(s) != "" {
			*texts = append(*texts, s)
		}
	case isBodyText(part, "text/html"):
		b.used[part] = true
		*htmls = append(*htmls, string(part.Content))
	}
}

func (b *body) markUsed(part *enmime.Part) {
	walkParts(part, func(c *enmime.Part) {
		if c.ContentType == "text/html" || c.ContentType == "text/plain" {
			if isBodyText(c, c.ContentType) {
				b.used[c] = true
			}
		}
	})
	b.used[part] = true
}

// decodeHeaderMap copies the header with encoded words decoded.
func decodeHeaderMap(h textproto.MIMEHeader) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		dv := make([]string, len(vs))
		for i, v := range vs {
			dv[i] = DecodeHeader(v)
		}
		out[k] = dv
	}
	return out
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(strings.ToLower(strings.TrimSpace(charset)))
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(input), nil
}

// DecodeHeader decodes RFC 2047 encoded words in a header value and
// returns valid UTF-8. Words it cannot decode are left as they are.
func DecodeHeader(v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "=?") {
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			v = d
		} else {
			v = decodeWordsOneByOne(v)
		}
	}
	if !utf8.ValidString(v) {
		v = latin1(v)
	}
	return v
}

var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// decodeWordsOneByOne decodes the words that can be decoded when the
// header as a whole cannot.
func decodeWordsOneByOne(v string) string {
	return encodedWord.ReplaceAllStringFunc(v, func(w string) string {
		if d, err := wordDecoder.Decode(w); err == nil {
			return d
		}
		return w
	})
}

// latin1 reads bytes that are not UTF-8 as ISO 8859-1, the most common
// undeclared 8-bit header charset.
func latin1(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(rune(s[i]))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

var addrSpec = regexp.MustCompile(`[A-Za-z0-9!#$%&'*+/=?^_{|}~.\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*`)

// parseAddresses reads address headers leniently: the standard parser
// first, then address by address, then any address-shaped text. ok is
// false when no address could be read.
func parseAddresses(values []string) ([]channel.Address, bool) {
	var out []channel.Address
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if list, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(v); err == nil {
			for _, a := range list {
				out = append(out, channel.Address{Name: DecodeHeader(a.Name), Email: a.Address})
			}
			continue
		}
		out = append(out, lenientAddresses(DecodeHeader(v))...)
	}
	return out, len(out) > 0
}

func lenientAddresses(v string) []channel.Address {
	var out []channel.Address
	for _, piece := range splitAddressList(v) {
		if a, err := (&mail.AddressParser{WordDecoder: wordDecoder}).Parse(piece); err == nil {
			out = append(out, channel.Address{Name: a.Name, Email: a.Address})
			continue
		}
		loc := addrSpec.FindStringIndex(piece)
		if loc == nil {
			continue
		}
		email := strings.Trim(piece[loc[0]:loc[1]], ".")
		name := strings.TrimSpace(piece[:loc[0]] + piece[loc[1]:])
		name = strings.Trim(name, " \t\"'<>()")
		out = append(out, channel.Address{Name: name, Email: email})
	}
	return out
}

// splitAddressList splits on commas outside quotes and angle brackets.
func splitAddressList(v string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '<':
			depth++
		case '>':
			if depth > 0 {
				depth--
			}
		case ',', ';':
			if !quoted && depth == 0 {
				parts = append(parts, v[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, v[start:])
}

// ParseMessageIDs reads every message id in a header value such as
// References, leniently: ids are taken from angle brackets when there are
// any, otherwise from whitespace-separated words that contain an "@".
// Angle brackets are stripped, duplicates dropped, order kept.
func ParseMessageIDs(v string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		id = strings.Trim(id, "<>\"', ;")
		if id == "" || strings.ContainsAny(id, " \t\r\n<>") || seen[id] {
			return
		}
		seen[id] = true
		ids = append(ids, id)
	}
	rest := v
	found := false
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		found = true
		add(rest[i+1 : i+1+j])
		rest = rest[i+1+j+1:]
	}
	if found {
		return ids
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ',' }) {
		if strings.Contains(w, "@") {
			add(w)
		}
	}
	if len(ids) == 0 {
		// A single id without brackets or "@" (some systems send those).
		if f := strings.Fields(v); len(f) == 1 && len(f[0]) <= 250 {
			add(f[0])
		}
	}
	return ids
}

// FirstMessageID returns the first message id of a header value such as
// Message-ID or In-Reply-To, without angle brackets, or "".
func FirstMessageID(v string) string {
	if ids := ParseMessageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Monday, 2 Jan 2006 15:04:05 -0700",
	"Monday, January 2, 2006 15:04:05 -0700",
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"02/01/2006 15:04:05",
}

var (
	dateComment = regexp.MustCompile(`\([^)]*\)`)
	dateSpaces  = regexp.MustCompile(`\s+`)
	dateZoneGMT = regexp.MustCompile(`(?i)\s(?:GMT|UTC|UT)([+-]\d{4})$`)
)

// ParseDate reads a Date header leniently: comments, doubled spaces,
// missing day names, two-digit years, "GMT+0100" and several common
// non-standard layouts are accepted. ok is false when nothing fits.
func ParseDate(v string) (t time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	v = dateComment.ReplaceAllString(v, " ")
	v = dateSpaces.ReplaceAllString(strings.TrimSpace(v), " ")
	v = strings.TrimSuffix(v, ".")
	v = dateZoneGMT.ReplaceAllString(v, " $1")
	v = strings.ReplaceAll(v, " ,", ",")
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	// Drop a day name the layouts did not expect.
	if i := strings.Index(v, ","); i > 0 && i < 10 {
		w := strings.TrimSpace(v[i+1:])
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, w); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// receivedDate returns the most recent date of the Received headers: the
// part after the last semicolon.
func receivedDate(values []string) (time.Time, bool) {
	var dates []time.Time
	for _, v := range values {
		i := strings.LastIndexByte(v, ';')
		if i < 0 {
			continue
		}
		if t, ok := ParseDate(v[i+1:]); ok {
			dates = append(dates, t)
		}
	}
	if len(dates) == 0 {
		return time.Time{}, false
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].After(dates[j]) })
	return dates[0], true
}
