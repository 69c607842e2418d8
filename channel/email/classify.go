package email

import (
	"bufio"
	"bytes"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/jhillyerd/enmime"
)

// Class is what kind of automated mail a message is, if any.
type Class string

// The classes of message.
const (
	// ClassNone is mail written by a person.
	ClassNone Class = ""
	// ClassAutoReply is an automatic answer: out of office, vacation,
	// "we received your message", read receipts.
	ClassAutoReply Class = "auto-reply"
	// ClassBounce is a delivery-status notification or a feedback report
	// about a message that was sent.
	ClassBounce Class = "bounce"
	// ClassBulk is list or bulk mail (newsletters, notifications). It is
	// not marked as automated on the Message, because mail a customer
	// writes through a mailing list or group alias carries the same
	// headers; callers decide what to do with it.
	ClassBulk Class = "bulk"
)

// Classification is the verdict on a message and why. It is plain data,
// safe to share.
type Classification struct {
	Class Class `json:"class,omitempty"`
	// Reasons lists every signal found, strongest first, such as
	// "Auto-Submitted: auto-replied" or "subject: Out of office".
	Reasons []string `json:"reasons,omitempty"`
	// Weak is set when the verdict rests on the subject alone.
	Weak bool `json:"weak,omitempty"`
	// OriginalMessageID is, for a bounce, the Message-ID of the message
	// that could not be delivered, without angle brackets, when found.
	OriginalMessageID string `json:"original_message_id,omitempty"`
	// Bulk is set when the message is list, bulk or junk mail, whatever
	// its Class: an auto-reply sent to a list is both. Parse copies it to
	// Message.Bulk.
	Bulk bool `json:"bulk,omitempty"`
}

// Automated reports whether the message is an auto-reply or a bounce.
func (c Classification) Automated() bool {
	return c.Class == ClassAutoReply || c.Class == ClassBounce
}

type signals struct {
	bounce, auto, bulk   []string
	weakBounce, weakAuto []string
	// bodyBounce are texts in the body that say a delivery failed; they
	// count only in automatic mail, as a person may quote them.
	bodyBounce []string
	originalID string
}

// ClassifyHeaders classifies a message by its header alone, such as the
// header an IMAP source fetches before deciding to download a message.
// Keys may be in any case. It is safe for concurrent use.
func ClassifyHeaders(h map[string][]string) Classification {
	mh := textproto.MIMEHeader{}
	for k, vs := range h {
		mh[textproto.CanonicalMIMEHeaderKey(k)] = append(mh[textproto.CanonicalMIMEHeaderKey(k)], vs...)
	}
	var s signals
	s.header(mh, "")
	return s.verdict()
}

func classify(root *enmime.Part, m *channel.Message, text, loop string) Classification {
	var s signals
	if loop != "" {
		for _, v := range root.Header.Values("X-Loop") {
			if strings.Contains(strings.ToLower(v), loop) {
				s.auto = append(s.auto, "X-Loop: ours (mail loop)")
				break
			}
		}
	}
	s.header(root.Header, m.From.Email)
	s.parts(root)
	s.body(text)
	c := s.verdict()
	if c.Class == ClassBounce {
		c.OriginalMessageID = s.originalID
		if c.OriginalMessageID == "" {
			c.OriginalMessageID = quotedMessageID(text, m.ID)
		}
		if c.OriginalMessageID == "" {
			c.OriginalMessageID = originalFromParts(root, m.ID)
		}
	}
	return c
}

func (s *signals) verdict() Classification {
	var c Classification
	switch {
	case len(s.bounce) > 0:
		c.Class = ClassBounce
	case len(s.auto) > 0 && (len(s.weakBounce) > 0 || len(s.bodyBounce) > 0):
		// An automatic message that says it is about a failed delivery.
		c.Class = ClassBounce
	case len(s.auto) > 0:
		c.Class = ClassAutoReply
	case len(s.weakBounce) > 0:
		c.Class, c.Weak = ClassBounce, true
	case len(s.weakAuto) > 0:
		c.Class, c.Weak = ClassAutoReply, true
	case len(s.bulk) > 0:
		c.Class = ClassBulk
	}
	for _, r := range [][]string{s.bounce, s.auto, s.weakBounce, s.weakAuto, s.bulk} {
		c.Reasons = append(c.Reasons, r...)
	}
	if c.Class == ClassBounce && len(s.auto) > 0 {
		c.Reasons = append(c.Reasons, s.bodyBounce...)
	}
	c.Bulk = len(s.bulk) > 0
	return c
}

var (
	daemonRe      = regexp.MustCompile(`(?i)^(mailer-daemon|mailerdaemon|postmaster|post_master|post-master|mail-daemon|mail\.daemon|maildaemon|bounce|bounces|mail-delivery-subsystem|mail-delivery-system|mdaemon)@`)
	daemonNameRe  = regexp.MustCompile(`(?i)mailer[- ]daemon|mail delivery (subsystem|system)|postmaster`)
	bounceSubject = regexp.MustCompile(`(?i)^(\[[^\]]*\]\s*)?(undeliverable\s*:|undeliverable mail|undeliverable message|undeliverable e-?mail|delivery has failed|delivery failure:|unzustellbare nachricht|mensaje no entregado|message non remis|messaggio non recapitato|onbestelbaar bericht|undelivered mail|undelivered message|delivery status notification|mail delivery failed|mail delivery failure|mail delivery system|mail system error|returned mail|failure notice|message not delivered|message delivery failure|could not send message|non[- ]?delivery report|nondeliverable mail|warning: could not send message|unzustellbar|nicht zustellbar:|non remis|non distribuable|échec de la remise|no se puede entregar|impossibile recapitare|onbestelbaar|olevererbart|niedostarczalne|email bounce|bounce notification|mail could not be delivered|message could not be delivered|notice of delivery failure|loop alert|mail loop|complaint about message|abuse report|メールエラー|配信エラー|送信エラー|配信不能|未達|退信|系统退信|无法投递)`)
	autoSubject   = regexp.MustCompile(`(?i)(?:^(\[[^\]]*\]\s*)?(out of (the )?office\b|automatic reply|auto[- ]?reply|auto[- ]?response|autoreply|autoresponse|automated response|automatic response|abwesenheitsnotiz|automatische antwort|respuesta automática|respuesta automatica|fuera de la oficina|réponse automatique|reponse automatique|absence du bureau|resposta automática|resposta automatica|risposta automatica|fuori ufficio|automatisch antwoord|autosvar|automatyczna odpowiedź|automaattinen vastaus|vacation reply|vacation auto)\s*($|[:：\-–(\[]))|^away until\b`)
)

func (s *signals) header(h textproto.MIMEHeader, from string) {
	get := func(k string) string { return strings.TrimSpace(h.Get(k)) }
	lower := func(k string) string { return strings.ToLower(get(k)) }

	// Report types (RFC 3462, RFC 3464, RFC 5965).
	if ct := lower("Content-Type"); strings.HasPrefix(ct, "multipart/report") {
		switch {
		case strings.Contains(ct, "delivery-status"):
			s.bounce = append(s.bounce, "multipart/report; report-type=delivery-status")
		case strings.Contains(ct, "feedback-report"):
			s.bounce = append(s.bounce, "multipart/report; report-type=feedback-report")
		case strings.Contains(ct, "disposition-notification"):
			s.auto = append(s.auto, "multipart/report; report-type=disposition-notification")
		default:
			s.auto = append(s.auto, "multipart/report")
		}
	}
	if v := get("X-Failed-Recipients"); v != "" {
		s.bounce = append(s.bounce, "X-Failed-Recipients")
	}
	for _, k := range []string{"X-Mailer-Daemon-Error", "X-Amazon-SES-Bounce", "X-Bounce-Status", "X-Postfix-Queue-ID-Bounce"} {
		if get(k) != "" {
			s.bounce = append(s.bounce, k)
		}
	}

	fromAddr := strings.ToLower(strings.TrimSpace(from))
	if fromAddr == "" {
		if list, ok := parseAddresses(h.Values("From")); ok {
			fromAddr = strings.ToLower(list[0].Email)
		}
	}
	fromHeader := get("From")
	daemon := (fromAddr != "" && daemonRe.MatchString(fromAddr)) || (fromAddr == "" && daemonNameRe.MatchString(fromHeader)) ||
		strings.HasPrefix(strings.ToLower(fromHeader), "mailer-daemon") || strings.Contains(strings.ToLower(fromHeader), "mail delivery subsystem")
	subject := DecodeHeader(get("Subject"))

	if daemon {
		s.bounce = append(s.bounce, "sender is a mail system ("+firstNonEmpty(fromAddr, fromHeader)+")")
	}

	// RFC 3834.
	if v := lower("Auto-Submitted"); v != "" && v != "no" && !strings.HasPrefix(v, "no;") && !strings.HasPrefix(v, "no ") {
		s.auto = append(s.auto, "Auto-Submitted: "+get("Auto-Submitted"))
	}
	if rp := h.Values("Return-Path"); len(rp) > 0 {
		v := strings.TrimSpace(rp[0])
		if v == "<>" || v == "" || v == "< >" {
			s.auto = append(s.auto, "Return-Path: <>")
		}
	}
	switch lower("Precedence") {
	case "auto_reply", "auto-reply", "autoreply":
		s.auto = append(s.auto, "Precedence: "+get("Precedence"))
	case "bulk", "junk", "list":
		s.bulk = append(s.bulk, "Precedence: "+get("Precedence"))
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From", "X-Mail-Autoreply", "X-Autogenerated", "X-Auto-Reply", "X-Autoresponse", "X-Vacation", "X-FC-MachineGenerated", "X-MS-Exchange-Generated-Message-Source", "X-Ms-Exchange-Organization-Autoresponse"} {
		v := lower(k)
		if v == "" || v == "no" || v == "false" || v == "0" {
			continue
		}
		s.auto = append(s.auto, k+": "+get(k))
	}
	if v := lower("X-Auto-Response-Suppress"); v != "" {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			if f == "oof" || f == "autoreply" || f == "all" {
				s.auto = append(s.auto, "X-Auto-Response-Suppress: "+get("X-Auto-Response-Suppress"))
				break
			}
		}
	}
	if v := lower("X-Precedence"); v == "auto_reply" {
		s.auto = append(s.auto, "X-Precedence: auto_reply")
	}
	if strings.EqualFold(get("Delivered-To"), "Autoresponder") {
		s.auto = append(s.auto, "Delivered-To: Autoresponder")
	}
	if lower("X-POST-MessageClass") == "9; autoresponder" {
		s.auto = append(s.auto, "X-POST-MessageClass: 9; Autoresponder")
	}
	if ct := lower("Content-Type"); strings.HasPrefix(ct, "message/delivery-status") || strings.HasPrefix(ct, "message/feedback-report") {
		s.bounce = append(s.bounce, "Content-Type: "+ct)
	}

	// Lists and bulk senders.
	for _, k := range []string{"List-Id", "List-Unsubscribe", "List-Post", "X-Mailing-List", "X-Campaign", "X-Mailchimp-Campaign", "Feedback-ID"} {
		if get(k) != "" {
			s.bulk = append(s.bulk, k)
			break
		}
	}

	// The subject: a weak signal.
	if subject != "" {
		switch {
		case bounceSubject.MatchString(subject):
			s.weakBounce = append(s.weakBounce, "subject: "+subject)
		case autoSubject.MatchString(subject):
			s.weakAuto = append(s.weakAuto, "subject: "+subject)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parts looks for report parts anywhere in the message.
func (s *signals) parts(root *enmime.Part) {
	walkParts(root.FirstChild, func(p *enmime.Part) {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			s.bounce = append(s.bounce, "part "+p.ContentType)
		case "message/feedback-report":
			s.bounce = append(s.bounce, "part "+p.ContentType)
		case "message/disposition-notification":
			s.auto = append(s.auto, "part "+p.ContentType)
		}
		if s.originalID == "" && p.FirstChild == nil {
			// A part whose own header has a Message-ID is an embedded
			// message whose header was read as the part's.
			s.originalID = FirstMessageID(p.Header.Get("Message-Id"))
		}
		if s.originalID == "" {
			switch p.ContentType {
			case "message/rfc822", "message/rfc822-headers", "text/rfc822-headers", "message/global", "message/global-headers", "text/rfc822":
				s.originalID = messageIDFromHeaderBytes(p.Content)
			}
		}
		// Some servers put the report in a text part.
		if p.ContentType == "text/plain" && len(s.bounce) == 0 && hasStatusFields(reportHead(p.Content)) {
			s.bounce = append(s.bounce, "delivery-status fields in part "+p.PartID)
		}
	})
	if len(s.bounce) == 0 && root.FirstChild == nil {
		c := reportHead(root.Content)
		if bytes.Contains(c, []byte("notificationType")) || bytes.Contains(c, []byte("eventType")) {
			if m := sesNotification.FindSubmatch(c); m != nil {
				s.bounce = append(s.bounce, "Amazon SES "+strings.ToLower(string(m[1]))+" notification")
			}
		}
		if hasStatusFields(c) {
			s.bounce = append(s.bounce, "delivery-status fields in the body")
		}
	}
}

// reportHead is the start of a body, where notifications say what they
// are: their fields are not searched for through megabytes of text.
func reportHead(b []byte) []byte {
	return b[:min(len(b), 64<<10)]
}

// hasStatusFields reports the fields of a delivery-status report.
func hasStatusFields(b []byte) bool {
	return bytes.Contains(b, []byte("Final-Recipient:")) && bytes.Contains(b, []byte("Status:")) && bytes.Contains(b, []byte("Action:"))
}

// sesNotification finds the type of an Amazon SES notification, as SES
// sends it and as SNS wraps it: a JSON document escaped as a string
// inside another ("{\"notificationType\":\"Bounce\", ...").
var sesNotification = regexp.MustCompile(`\\*"(?:notificationType|eventType)\\*"\s*:\s*\\*"(Bounce|Complaint|Delivery|Reject|DeliveryDelay)\\*"`)

// bodyBounceText are what non-standard bounces say in their first lines,
// in several languages.
var bodyBounceText = regexp.MustCompile(`(?i)(undeliverable message|message (?:was |could )not (?:be )?delivered|could not be delivered to (?:one or more|the following) recipients?|delivery (?:to the following recipients? )?(?:has )?failed|delivery has failed to these recipients|this is an automatically generated delivery status notification|i'm sorry to have to inform you that your message could not|your message (?:wasn't|was not|couldn't be|could not be) delivered|address (?:not found|couldn't be found|was not found)|mailbox (?:unavailable|is full|not found|does not exist)|user unknown|no such user|recipient address rejected|permanent(?:ly)? (?:error|failure|fatal errors?)|unzustellbar|konnte nicht zugestellt werden|nicht zugestellt werden konnte|la remise (?:du message )?a échoué|n'a pas pu être remis|no (?:se )?(?:pudo|ha podido) (?:ser )?entregar|non è stato possibile recapitare|impossibile recapitare|kon niet worden bezorgd|kunde inte levereras|kunne ikke leveres|não (?:foi possível|pôde ser) entreg|nie (?:może|mogła|można) (?:zostać )?dostarcz|не (?:может быть|удалось|был) доставлен)`)

// body looks for what a non-standard bounce says in the first lines of
// its text.
func (s *signals) body(text string) {
	if len(s.auto) == 0 || len(s.bounce) > 0 {
		return // the text counts only in automatic mail, and is not needed for a bounce
	}
	head := text
	if len(head) > 2000 {
		head = head[:2000]
	}
	if m := bodyBounceText.FindString(head); m != "" {
		s.bodyBounce = append(s.bodyBounce, "body: "+m)
	}
}

// messageIDFromHeaderBytes reads the Message-ID of an attached message or
// header block.
func messageIDFromHeaderBytes(b []byte) string {
	b = trimLeadingBlank(b)
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(b))).ReadMIMEHeader()
	if id := FirstMessageID(h.Get("Message-Id")); id != "" {
		return id
	}
	return quotedMessageID(string(b), "")
}

var messageIDLine = regexp.MustCompile(`(?im)^[\s>]*(?:original-)?message-id\s*:\s*(.+)$`)

// quotedMessageID finds a Message-ID header line quoted in a body, other
// than own.
func quotedMessageID(text, own string) string {
	for _, m := range messageIDLine.FindAllStringSubmatch(text, 20) {
		if id := FirstMessageID(m[1]); id != "" && id != own {
			return id
		}
	}
	return ""
}

// originalFromParts searches every text-like part for a quoted
// Message-ID, for bounces that quote the message in a part of their own.
func originalFromParts(root *enmime.Part, own string) string {
	var id string
	walkParts(root, func(p *enmime.Part) {
		if id != "" || strings.HasPrefix(p.ContentType, "multipart/") {
			return
		}
		if strings.HasPrefix(p.ContentType, "text/") || strings.HasPrefix(p.ContentType, "message/") || p.ContentType == "" {
			id = quotedMessageID(string(p.Content), own)
		}
	})
	return id
}
