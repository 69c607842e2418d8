package email

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SplitReply separates the new text of a plain-text message from the
// quoted history and the signature, and returns all three, trimmed.
//
// Quoted history starts at a reply header ("On <date>, <name> wrote:",
// possibly wrapped over up to three lines or inside the address, so that
// "> wrote:" is not a quote; framed by dashes as Zoho writes it; or
// without a verb, "<date>, <name> <address>:"), in English and its
// Spanish, German, French, Portuguese, Italian, Dutch, Swedish, Danish,
// Norwegian, Polish, Finnish, Czech, Russian, Chinese and Japanese forms;
// at an "Original Message" or forwarded message separator; or at an
// Outlook "From: / Sent: / To: / Cc: / Subject:" block in any of those
// languages, unless the block is a copy of a message's own header (a
// delivery report's). Or it is a block of ">" lines at the end or the
// start of the message, with the spill-over of lines hard-wrapped after
// they were quoted. Quoted lines between new paragraphs (inline replies)
// stay in the body, with the quote they answer at the start.
//
// The signature starts at a "-- " delimiter, a mobile footer ("Sent from
// my iPhone", "Enviado desde mi", "Von meinem iPhone gesendet", "Envoyé
// de mon", "Enviado do meu", "Get Outlook for ...", also followed by a
// link), a "-Name" line, a mailing-list footer line of underscores; or it
// is the short block of name, title and phone lines after a sign-off
// ("Best regards,"), whose sign-off line stays in the body, or a closing
// paragraph that starts with a name and holds a phone number, link or
// address.
//
// If splitting would leave no body, the whole text is returned as body.
// SplitReply is safe for concurrent use.
func SplitReply(text string) (body, quoted, signature string) {
	text = unixLines(text)
	lines := strings.Split(text, "\n")
	kinds := make([]lineKind, len(lines))
	for i := range lines {
		kinds[i] = kindOf(lines[i])
	}
	repairKinds(lines, kinds)
	end := len(lines)
	var quotedRanges, sigRanges [][2]int

	// A reply header that the quoted history follows unmarked, or that
	// starts a block of ">" lines running to the end, cuts the message.
	if cut := hardCut(lines, kinds); cut >= 0 {
		quotedRanges = append(quotedRanges, [2]int{cut, end})
		end = cut
	}

	// Peel the end: blank lines, a trailing ">" block with its header, a
	// signature; a signature may sit above or below the quote.
	for range 4 {
		end = trimBlankEnd(kinds, 0, end)
		if end == 0 {
			break
		}
		if kinds[end-1] == lineQuote {
			q := end
			for q > 0 && (kinds[q-1] == lineQuote || kinds[q-1] == lineBlank) {
				q--
			}
			h := q
			for h > 0 && kinds[h-1] == lineBlank {
				h--
			}
			if n := wroteHeaderEndingAt(lines, kinds, h-1, true); n > 0 {
				q = h - n
			}
			quotedRanges = append(quotedRanges, [2]int{q, end})
			end = q
			continue
		}
		if s := signatureStart(lines, kinds, end); s >= 0 {
			sigRanges = append(sigRanges, [2]int{s, end})
			end = s
			continue
		}
		break
	}

	// A quote at the very start, answered below it (bottom posting).
	start := 0
	for start < end && kinds[start] == lineBlank {
		start++
	}
	if start < end {
		s := start
		if n := wroteHeaderAt(lines, kinds, s, true); n > 0 {
			s += n
		}
		if s < end && (kinds[s] == lineQuote || (s > start && kinds[s] == lineBlank)) {
			for s < end && (kinds[s] == lineQuote || kinds[s] == lineBlank) {
				s++
			}
			// Answers between further quotes (inline replies) need the
			// first quote too: it is what they answer.
			if s < end && s > start && hasQuote(kinds[start:s]) && !hasQuote(kinds[s:end]) {
				quotedRanges = append(quotedRanges, [2]int{start, s})
				start = s
			}
		}
	}

	body = strings.TrimSpace(sliceLines(text, lines, start, end))
	body = strings.Trim(body, "\n")
	if strings.TrimSpace(body) == "" {
		return strings.TrimSpace(text), "", ""
	}
	return trimBlock(body), joinRanges(lines, quotedRanges), joinRanges(lines, sigRanges)
}

// repairKinds corrects the kinds of lines that mail programs broke: a
// reply header wrapped just before its closing ">" (the next line, "> wrote:"
// or ">:", is not a quote), and a quoted line hard-wrapped after it was
// quoted, whose spill-over lost its ">".
func repairKinds(lines []string, kinds []lineKind) {
	for i := 1; i < len(lines); i++ {
		switch {
		case kinds[i] == lineQuote && kinds[i-1] == lineText && wrappedHeaderEnd(lines[i-1], lines[i]):
			kinds[i] = lineText
		case kinds[i] == lineText && kinds[i-1] == lineQuote && (i+1 == len(lines) || kinds[i+1] != lineText) && lostQuoteMarker(lines[i-1], lines[i]):
			kinds[i] = lineQuote
		}
	}
}

// wrappedHeaderEnd reports whether line, which starts with ">", is the
// end of a reply header wrapped inside its address: prev holds a "<"
// that is not closed, and line is ">" and at most a verb and a colon.
func wrappedHeaderEnd(prev, line string) bool {
	t := strings.TrimSpace(line)
	if len(t) > 40 || !strings.HasPrefix(t, ">") || !(strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")) {
		return false
	}
	open := strings.LastIndexByte(prev, '<')
	return open >= 0 && open > strings.LastIndexByte(prev, '>') && strings.IndexByte(prev[open:], '@') > 0
}

// lostQuoteMarker reports whether line is the spill-over of quoted line
// prev, hard-wrapped after it was quoted: prev is as long as the lines
// mail programs wrap and stops in the middle of a sentence, and line is
// short and goes on with that sentence (it does not start with a capital
// letter, as an answer under the quote would).
func lostQuoteMarker(prev, line string) bool {
	q := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(prev), "> "))
	t := strings.TrimSpace(line)
	if utf8.RuneCountInString(q) < 50 || utf8.RuneCountInString(t) > 40 || t == "" {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(q)
	first, _ := utf8.DecodeRuneInString(t)
	return !strings.ContainsRune(".?!:;。？！", last) && !unicode.IsUpper(first)
}

// unixLines returns text with CRLF and CR line ends made LF, in one pass.
func unixLines(text string) string {
	i := strings.IndexByte(text, '\r')
	if i < 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i >= 0 {
		b.WriteString(text[:i])
		b.WriteByte('\n')
		text = text[i+1:]
		if text != "" && text[0] == '\n' {
			text = text[1:]
		}
		i = strings.IndexByte(text, '\r')
	}
	b.WriteString(text)
	return b.String()
}

// sliceLines returns lines[start:end] joined with "\n", as a slice of
// text, which lines were split from, without copying.
func sliceLines(text string, lines []string, start, end int) string {
	if start >= end {
		return ""
	}
	off := 0
	for _, l := range lines[:start] {
		off += len(l) + 1
	}
	n := 0
	for _, l := range lines[start:end] {
		n += len(l) + 1
	}
	return text[off : off+n-1]
}

func hasQuote(kinds []lineKind) bool {
	for _, k := range kinds {
		if k == lineQuote {
			return true
		}
	}
	return false
}

// trimBlock trims blank lines around a block and spaces at its end, but
// keeps the indentation of its first line.
func trimBlock(s string) string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			break
		}
		s = s[i+1:]
	}
	return strings.TrimRightFunc(s, unicode.IsSpace)
}

func joinRanges(lines []string, ranges [][2]int) string {
	if len(ranges) == 0 {
		return ""
	}
	// Ranges were collected from the end inwards; put them in order.
	for i := 1; i < len(ranges); i++ {
		for j := i; j > 0 && ranges[j][0] < ranges[j-1][0]; j-- {
			ranges[j], ranges[j-1] = ranges[j-1], ranges[j]
		}
	}
	var parts []string
	for _, r := range ranges {
		if p := trimBlock(strings.Join(lines[r[0]:r[1]], "\n")); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "\n\n")
}

type lineKind uint8

const (
	lineText lineKind = iota
	lineBlank
	lineQuote
)

func kindOf(l string) lineKind {
	t := strings.TrimLeft(l, " \t")
	switch {
	case strings.TrimSpace(t) == "":
		return lineBlank
	case t[0] == '>' || strings.HasPrefix(t, "&gt;"):
		return lineQuote
	}
	return lineText
}

func trimBlankEnd(kinds []lineKind, start, end int) int {
	for end > start && kinds[end-1] == lineBlank {
		end--
	}
	return end
}

// hardCut returns the first line of unmarked quoted history, or -1.
func hardCut(lines []string, kinds []lineKind) int {
	for i := 0; i < len(lines); i++ {
		if kinds[i] != lineText {
			continue
		}
		cut := -1
		switch {
		case isSeparatorHeader(lines[i]):
			cut = i
		case outlookHeaderAt(lines, kinds, i):
			cut = i
		default:
			if n := wroteHeaderAt(lines, kinds, i, false); n > 0 {
				next := i + n
				for next < len(lines) && kinds[next] == lineBlank {
					next++
				}
				if next >= len(lines) || kinds[next] != lineQuote || quotedToEnd(kinds, next) {
					cut = i
				}
			}
		}
		if cut < 0 {
			continue
		}
		// Take the rule lines and blank lines just above along.
		for cut > 0 && (kinds[cut-1] == lineBlank || isRule(lines[cut-1])) {
			cut--
		}
		return cut
	}
	return -1
}

// quotedToEnd reports whether only ">" and blank lines follow from i.
func quotedToEnd(kinds []lineKind, i int) bool {
	for ; i < len(kinds); i++ {
		if kinds[i] == lineText {
			return false
		}
	}
	return true
}

var ruleLine = regexp.MustCompile(`^\s*[-_=*~]{5,}\s*$`)

func isRule(l string) bool {
	return len(l) >= 5 && ruleLine.MatchString(l)
}

var (
	separatorRe    = regexp.MustCompile(`(?i)^\s*[-_=*>]{2,}\s*(original message|ursprüngliche nachricht|originalnachricht|message d'origine|message original|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht|origineel bericht|originalmeddelande|ursprungligt meddelande|oprindelig meddelelse|oprindelig besked|oprindelig e-mail|opprinnelig melding|opprinnelig e-post|alkuperäinen sähköposti|original meddelelse|wiadomość oryginalna|oryginalna wiadomość|alkuperäinen viesti|původní zpráva|pôvodná správa|eredeti üzenet|исходное сообщение|forwarded message|original email|weitergeleitete nachricht|mensaje reenviado|message transféré|message réexpédié|mensagem encaminhada|mensagem reencaminhada|messaggio inoltrato|doorgestuurd bericht|vidarebefordrat meddelande|videresendt meddelelse|videresendt melding|wiadomość przekazana dalej|przekazana wiadomość|välitetty viesti|přeposlaná zpráva|пересылаемое сообщение)\s*[-_=*<]{2,}\s*$`)
	beginForwardRe = regexp.MustCompile(`(?i)^\s*(begin forwarded message|anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|comienzo del mensaje reenviado|début du message réexpédié|début du message transféré|início da mensagem reencaminhada|início da mensagem encaminhada|inizio messaggio inoltrato|begin doorgestuurd bericht|början av vidarebefordrat meddelande)\s*:\s*$`)
)

// isSeparatorHeader reports an "Original Message" or forwarded-message
// separator line.
func isSeparatorHeader(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) < 10 || len(t) > 120 {
		return false
	}
	switch t[0] {
	case '-', '_', '=', '*', '>':
		return separatorRe.MatchString(t)
	}
	return strings.HasSuffix(t, ":") && beginForwardRe.MatchString(t)
}

// IsForwardedBlock reports whether text contains a forwarded-message
// separator ("---------- Forwarded message ---------", "Begin forwarded
// message:" and their translations).
func IsForwardedBlock(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		t := strings.ToLower(strings.TrimSpace(l))
		if isSeparatorHeader(l) && !strings.Contains(t, "original") && !strings.Contains(t, "ursprüngliche") && !strings.Contains(t, "origine") {
			if forwardWordRe.MatchString(t) {
				return true
			}
		}
	}
	return false
}

var forwardWordRe = regexp.MustCompile(`(?i)forward|weitergeleitet|reenviado|transféré|réexpédié|encaminhada|reencaminhada|inoltrato|doorgestuurd|vidarebefordrat|videresendt|przekazana|välitetty|přeposlaná|пересылаемое`)

var (
	outlookFromRe  = regexp.MustCompile(`(?i)^\s*\*?\s*(from|von|de|da|van|från|fra|od|lähettäjä|feladó|от|kimden|expéditeur|remitente)\s*\*?\s*:\s*\*?\s*\S`)
	outlookFieldRe = regexp.MustCompile(`(?i)^\s*\*?\s*(sent|date|to|cc|subject|sent on|gesendet|datum|an|betreff|envoyé|envoyé le|à|a|objet|enviado|enviado el|fecha|para|asunto|assunto|data|inviato|oggetto|verzonden|aan|onderwerp|skickat|till|ämne|sendt|til|emne|wysłano|wysłane|do|temat|kopia|dw|lähetetty|vastaanottaja|aihe|elküldve|címzett|tárgy|отправлено|кому|тема|gönderildi|kime|konu)\s*\*?\s*:`)
)

var rawHeaderField = regexp.MustCompile(`(?i)^(return-path|message-id|received|mime-version|content-type|content-transfer-encoding|dkim-signature|x-[a-z0-9-]+|reply-to|in-reply-to|references)\s*:`)

// outlookHeaderAt reports an Outlook-style header block at line i: a
// "From:" line followed within a few lines by at least two other fields.
func outlookHeaderAt(lines []string, kinds []lineKind, i int) bool {
	l := lines[i]
	c := strings.IndexByte(l, ':')
	if c < 0 || c > 30 || !outlookFromRe.MatchString(l) {
		return false
	}
	// A copy of a message's own header (a delivery report quoting what
	// could not be delivered) has fields no mail program shows in a
	// reply header.
	for j := max(i-3, 0); j < len(lines) && j <= i+8; j++ {
		if rawHeaderField.MatchString(lines[j]) {
			return false
		}
	}
	fields := 0
	for j := i + 1; j < len(lines) && j <= i+8; j++ {
		if kinds[j] == lineBlank {
			continue
		}
		if kinds[j] == lineQuote {
			break
		}
		c := strings.IndexByte(lines[j], ':')
		if c < 0 || c > 30 {
			// A wrapped value (a long To: list) may continue the block.
			continue
		}
		if outlookFieldRe.MatchString(lines[j]) {
			fields++
			if fields >= 2 {
				return true
			}
		}
	}
	return false
}

var (
	wroteStartRe = regexp.MustCompile(`(?i)^\s*(on|el|am|le|em|il|op|den|på|w dniu|dne|dňa|el día|le jour|in data|am \d|\d)`)
)

var cjkDate = regexp.MustCompile(`^\s*\d{4}年\d{1,2}月\d{1,2}日`)

// dashedLine is a line framed by runs of dashes or equal signs, and what
// they frame.
var dashedLine = regexp.MustCompile(`^\s*[-=_*]{3,}\s*(\S.{5,}?)\s*[-=_*]{3,}\s*$`)

// Reply headers without a verb ("<date>, <name> <address>:", as Gmail
// writes them in some languages) end with an address in angle brackets
// and a colon, and carry a time and a date with a year.
var (
	verblessEnd = regexp.MustCompile(`<[^<>\s]+@[^<>\s]+\s*>\s*\)?\s*[:：]\s*$`)
	headerTime  = regexp.MustCompile(`\b\d{1,2}[:.]\d{2}\b`)
	headerYear  = regexp.MustCompile(`\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b`)
)

// wroteVerbs are the verbs of reply headers ("wrote") in the languages
// the splitter knows, lower case.
var wroteVerbs = []string{
	"wrote", "writes", "escribió", "escribio", "schrieb", "a écrit", "a ecrit",
	"escreveu", "ha scritto", "scrisse", "schreef", "geschreven", "skrev",
	"skriver", "napisał", "napisała", "napisal", "kirjoitti", "napsal",
	"написал", "írta", "yazdı", "scrie", "a scris",
	"写道", "寫道", "書きました", "작성",
}

// lastVerb returns where the last reply verb in s starts and ends, or -1.
// A verb must start a word.
func lastVerb(s string) (at, end int) {
	// Only the end of the line can hold the verb.
	off := 0
	if len(s) > 200 {
		off = len(s) - 200
		for off < len(s) && !utf8.RuneStart(s[off]) {
			off++
		}
	}
	low := strings.ToLower(s[off:])
	if len(low) != len(s)-off {
		// Lower-casing changed byte lengths; search the original.
		low = s[off:]
	}
	at, end = -1, -1
	for _, v := range wroteVerbs {
		i := strings.LastIndex(low, v)
		if i < 0 || off+i+len(v) <= end {
			continue
		}
		if i > 0 && v[0] < utf8.RuneSelf {
			r, _ := utf8.DecodeLastRuneInString(low[:i])
			if unicode.IsLetter(r) {
				continue
			}
		}
		at, end = off+i, off+i+len(v)
	}
	return at, end
}

// isWroteHeader reports whether s (one line, or wrapped lines joined with
// spaces) is a reply header such as "On <date>, <name> wrote:". With
// quoteFollows, a bare "<name> wrote:" also counts.
func isWroteHeader(s string, quoteFollows bool) bool {
	t := strings.TrimSpace(s)
	if len(t) < 6 || len(t) > 400 {
		return false
	}
	colon := strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")
	if !colon && !strings.HasSuffix(t, "wrote") && !strings.HasSuffix(t, "escreveu") && !strings.HasSuffix(t, "escribió") {
		return false
	}
	verbAt, verbEnd := lastVerb(t)
	if verbAt < 0 {
		// Gmail in Japanese and Chinese writes no verb: "2025年2月3日(月)
		// 10:12 Name <address>:"; in other languages "<date>, <name>
		// <address>:".
		if colon && cjkDate.MatchString(t) && strings.ContainsRune(t, '@') {
			return true
		}
		return colon && len(t) <= 200 && verblessEnd.MatchString(t) && headerTime.MatchString(t) && headerYear.MatchString(t)
	}
	// The verb ends the header, give or take a name and address
	// ("schrieb Hans <h@example.de>:", "het volgende geschreven:").
	if tail := t[verbEnd:]; utf8.RuneCountInString(tail) > 120 {
		return false
	}
	evidence := strings.ContainsRune(t, '@') || strings.ContainsAny(t, "0123456789")
	starts := wroteStartRe.MatchString(t)
	switch {
	case starts && evidence:
		return true
	case quoteFollows && (starts || evidence || verbAt < 80):
		return true
	}
	return false
}

// wroteHeaderAt returns how many lines (1 to 3) a reply header starting
// at line i spans, or 0.
func wroteHeaderAt(lines []string, kinds []lineKind, i int, quoteFollows bool) int {
	if i < 0 || i >= len(lines) || kinds[i] != lineText {
		return 0
	}
	if t := strings.TrimLeft(lines[i], " \t"); t != "" && strings.IndexByte("-=_*", t[0]) >= 0 {
		if m := dashedLine.FindStringSubmatch(lines[i]); m != nil {
			// Zoho: "---- On <date> <name> wrote ----".
			joined := m[1]
			if !strings.HasSuffix(joined, ":") {
				joined += ":"
			}
			if isWroteHeader(joined, true) {
				return 1
			}
		}
	}
	// The header ends at the first of its lines that ends like one.
	n := 0
	for k := 1; k <= 3 && i+k-1 < len(lines) && kinds[i+k-1] == lineText; k++ {
		t := strings.TrimRight(lines[i+k-1], " \t")
		if strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") || strings.HasSuffix(t, "wrote") {
			n = k
			break
		}
	}
	if n == 0 || (n > 1 && !wroteStartRe.MatchString(lines[i]) && !(headerTime.MatchString(lines[i]) && headerYear.MatchString(lines[i]))) {
		// A wrapped header begins like one ("On ...", a date and time).
		return 0
	}
	joined := lines[i]
	for j := i + 1; j < i+n; j++ {
		joined += " " + strings.TrimSpace(lines[j])
	}
	qf := quoteFollows
	if !qf {
		k := i + n
		for k < len(lines) && kinds[k] == lineBlank {
			k++
		}
		qf = k < len(lines) && kinds[k] == lineQuote
	}
	if isWroteHeader(joined, qf) {
		return n
	}
	return 0
}

// wroteHeaderEndingAt returns how many lines (1 to 3) a reply header
// ending at line i spans, or 0.
func wroteHeaderEndingAt(lines []string, kinds []lineKind, i int, quoteFollows bool) int {
	if i < 0 || kinds[i] != lineText {
		return 0
	}
	for n := 1; n <= 3 && i-n+1 >= 0; n++ {
		s := i - n + 1
		if kinds[s] != lineText {
			break
		}
		if wroteHeaderAt(lines, kinds, s, quoteFollows) == n {
			return n
		}
	}
	return 0
}

var (
	mobileSigRe = regexp.MustCompile(`(?i)^(sent from my|sent from|sent via|sent using|sent with|get outlook for|enviado desde mi|enviado desde|enviado con|enviado do meu|enviado do|enviado via|von meinem|gesendet von|gesendet mit|envoyé de mon|envoyé depuis|envoyé avec|envoyé à partir d[e']|enviado a partir d[eo]|inviato da|inviato dal mio|inviato con|verzonden vanaf|verstuurd vanaf|verzonden met|skickat från|sendt fra|wysłane z|wysłano z|lähetetty)\b[^.,;!?:]{0,50}$`)
	dashNameRe  = regexp.MustCompile(`^-\p{Lu}[\p{L}.'’-]*(\s\p{Lu}[\p{L}.'’-]*){0,2}\s*$`)
)

// signOffs are the closing phrases after which a short block of name
// and contact lines is a signature, lower case.
var signOffs = map[string]bool{
	"thanks":                   true,
	"thanks again":             true,
	"thank you":                true,
	"thank you very much":      true,
	"many thanks":              true,
	"thx":                      true,
	"best":                     true,
	"best regards":             true,
	"best wishes":              true,
	"kind regards":             true,
	"regards":                  true,
	"warm regards":             true,
	"warmest regards":          true,
	"all the best":             true,
	"cheers":                   true,
	"sincerely":                true,
	"yours sincerely":          true,
	"yours truly":              true,
	"yours":                    true,
	"br":                       true,
	"saludos":                  true,
	"un saludo":                true,
	"saludos cordiales":        true,
	"atentamente":              true,
	"gracias":                  true,
	"muchas gracias":           true,
	"mit freundlichen grüßen":  true,
	"mit freundlichen grüssen": true,
	"freundliche grüße":        true,
	"mfg":                      true,
	"viele grüße":              true,
	"beste grüße":              true,
	"liebe grüße":              true,
	"lg":                       true,
	"gruß":                     true,
	"grüße":                    true,
	"danke":                    true,
	"vielen dank":              true,
	"cordialement":             true,
	"bien cordialement":        true,
	"bien à vous":              true,
	"merci":                    true,
	"merci beaucoup":           true,
	"salutations":              true,
	"atenciosamente":           true,
	"abraços":                  true,
	"abraço":                   true,
	"obrigado":                 true,
	"obrigada":                 true,
	"cumprimentos":             true,
	"cordiali saluti":          true,
	"distinti saluti":          true,
	"saluti":                   true,
	"grazie":                   true,
	"met vriendelijke groet":   true,
	"met vriendelijke groeten": true,
	"vriendelijke groet":       true,
	"groeten":                  true,
	"bedankt":                  true,
	"med vänliga hälsningar":   true,
	"vänliga hälsningar":       true,
	"hälsningar":               true,
	"mvh":                      true,
	"tack":                     true,
	"med venlig hilsen":        true,
	"venlig hilsen":            true,
	"hilsen":                   true,
	"pozdrawiam":               true,
	"z poważaniem":             true,
	"dziękuję":                 true,
}

// isSignOff reports whether a line is a closing phrase such as "Best
// regards," alone.
func isSignOff(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) == 0 || len(t) > 40 {
		return false
	}
	t = strings.TrimRight(t, ",.! ")
	return signOffs[strings.ToLower(t)]
}

// mobileStarts are the first words of mobile and app footers.
var mobileStarts = []string{"sent ", "get ", "enviado ", "von ", "gesendet ", "envoyé ", "inviato ", "verzonden ", "verstuurd ", "skickat ", "sendt ", "wysłane ", "wysłano ", "lähetetty "}

// linkInText is a link that footers put after or inside their words.
var linkInText = regexp.MustCompile(`\s*(?:<https?://[^>\s]*>|\(https?://[^)\s]*\)|\[https?://[^\]\s]*\]|https?://\S+)`)

// isMobileFooter reports a mobile or app footer ("Sent from my iPhone",
// "Get Outlook for iOS<https://...>"), links left out.
func isMobileFooter(t string) bool {
	if strings.Contains(t, "http") {
		t = strings.Join(strings.Fields(linkInText.ReplaceAllString(t, " ")), " ")
	}
	return mightBeMobileFooter(t) && mobileSigRe.MatchString(t)
}

func mightBeMobileFooter(t string) bool {
	if len(t) < 8 || len(t) > 70 {
		return false
	}
	low := strings.ToLower(t[:min(len(t), 12)])
	for _, w := range mobileStarts {
		if strings.HasPrefix(low, w) {
			return true
		}
	}
	return false
}

// signatureStart returns the first line of the signature that ends the
// lines before end, or -1.
func signatureStart(lines []string, kinds []lineKind, end int) int {
	from := max(end-40, 0)
	for s := from; s < end; s++ {
		if kinds[s] != lineText {
			continue
		}
		l := lines[s]
		t := strings.TrimSpace(l)
		after := textLinesBetween(kinds, s+1, end)
		if quoteBetween(kinds, s+1, end) {
			continue
		}
		switch {
		case l == "-- " || l == "--  ":
			return s
		case (t == "--" || t == "—" || t == "-- ") && after <= 15:
			return s
		case len(t) >= 2 && strings.Trim(t, "_") == "" && after >= 1 && after <= 15 && s > 0:
			return s
		case s > 0 && kinds[s-1] == lineBlank && dashNameRe.MatchString(t) && after <= 10 && !listFollows(lines, kinds, s+1, end):
			return s
		case after <= 3 && isMobileFooter(t):
			return s
		}
	}
	// A short block of name, title and phone lines under a sign-off.
	for s := max(end-8, 1); s < end; s++ {
		if kinds[s-1] != lineText || !isSignOff(lines[s-1]) {
			continue
		}
		ok := s < end
		for j := s; j < end; j++ {
			t := strings.TrimSpace(lines[j])
			if kinds[j] == lineQuote || utf8.RuneCountInString(t) > 60 || len(strings.Fields(t)) > 6 ||
				strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") {
				ok = false
				break
			}
		}
		if ok && textLinesBetween(kinds, s, end) > 0 {
			return s
		}
	}
	return closingBlockStart(lines, kinds, end)
}

var (
	phoneLike   = regexp.MustCompile(`\+?\d[\d ()./-]{6,}\d`)
	linkLike    = regexp.MustCompile(`(?i)\bwww\.|https?://|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}|\b[a-z0-9-]+\.(?:com|org|net|[a-z]{2})/\S*`)
	nameSegment = regexp.MustCompile(`^\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){1,3}$`)
)

// closingBlockStart returns the first line of a signature written without
// a delimiter, or -1: the last paragraph of the text, two to eight short
// lines that start with a name (alone, or before "|" or ",") and hold a
// phone number, a link or an address, after text that does not announce
// it (a line ending in ":" asks for the details that follow).
func closingBlockStart(lines []string, kinds []lineKind, end int) int {
	p := end
	for p > 0 && kinds[p-1] == lineText {
		p--
	}
	if n := end - p; n < 2 || n > 8 || p == 0 || kinds[p-1] != lineBlank {
		return -1
	}
	prev := p - 1
	for prev >= 0 && kinds[prev] == lineBlank {
		prev--
	}
	if prev < 0 || kinds[prev] != lineText {
		return -1
	}
	if t := strings.TrimSpace(lines[prev]); strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return -1
	}
	first := strings.TrimSpace(lines[p])
	if i := strings.IndexAny(first, "|,"); i > 0 {
		first = strings.TrimSpace(first[:i])
	}
	if !nameSegment.MatchString(first) {
		return -1
	}
	contact := false
	for j := p; j < end; j++ {
		t := strings.TrimSpace(lines[j])
		words := len(strings.Fields(t))
		if utf8.RuneCountInString(t) > 80 || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") ||
			(strings.HasSuffix(t, ".") && words >= 5) {
			return -1
		}
		if phoneLike.MatchString(t) || linkLike.MatchString(t) {
			contact = true
		}
	}
	if !contact {
		return -1
	}
	return p
}

func listFollows(lines []string, kinds []lineKind, i, end int) bool {
	for ; i < end; i++ {
		if kinds[i] == lineText {
			t := strings.TrimSpace(lines[i])
			return strings.HasPrefix(t, "-") || strings.HasPrefix(t, "*")
		}
	}
	return false
}

func textLinesBetween(kinds []lineKind, i, end int) int {
	n := 0
	for ; i < end; i++ {
		if kinds[i] == lineText {
			n++
		}
	}
	return n
}

func quoteBetween(kinds []lineKind, i, end int) bool {
	for ; i < end; i++ {
		if kinds[i] == lineQuote {
			return true
		}
	}
	return false
}
