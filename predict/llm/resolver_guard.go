package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/instruct"
	"github.com/caseagent/caseagent/predict/resolve"
)

// echoWords is how many consecutive words of an instruction in the
// customer's text a message may not repeat (unless an article shown says
// them too).
const echoWords = 4

// resolveGuard holds what the customer's text orders (the instruction
// spans the shared detector finds) and what the articles shown say, to
// judge a model's decision.
type resolveGuard struct {
	// instructions are the instruction spans of the customer's text,
	// as word sequences (" w1 w2 ... ").
	instructions []string
	// quoted are the phrases the instructions put in quotes.
	quoted []string
	// articles is the text of the articles shown (" w1 w2 ... "), and
	// raw their folded text with URLs, for links and addresses.
	articles, raw string
	// senders are the addresses of the conversation's senders.
	senders []string
}

var (
	quotedRe = regexp.MustCompile(`'([^'\n]{3,200})'|"([^"\n]{3,200})"|“([^”\n]{3,200})”|‘([^’\n]{3,200})’|«([^»\n]{3,200})»|„([^“\n]{3,200})“`)
	urlRe    = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"')\]]+`)
	emailRe  = regexp.MustCompile(`(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b`)
)

func newResolveGuard(req *resolve.Request, f *frame) *resolveGuard {
	g := &resolveGuard{}
	var fields []predict.Field
	for _, a := range req.Intent.Attributes {
		fields = append(fields, predict.Field{Name: a.Name, Type: predict.TypeText, Description: a.Label})
	}
	det := instruct.ForFields(fields)
	for i := range req.Messages {
		m := &req.Messages[i]
		if m.From.Email != "" {
			g.senders = append(g.senders, strings.ToLower(m.From.Email))
		}
		// Representatives' and the agent's words order nothing.
		if m.Role == channel.RoleRepresentative || m.Role == channel.RoleAgent {
			continue
		}
		for _, part := range []string{m.Subject, m.Text, m.Signature} {
			for _, sp := range det.Spans(part) {
				if sp.Kind != instruct.Instruction {
					continue
				}
				s := part[sp.Start:sp.End]
				g.instructions = append(g.instructions, wordSeq(s))
				for _, m := range quotedRe.FindAllStringSubmatch(s, -1) {
					for _, q := range m[1:] {
						if w := wordSeq(q); len(strings.Fields(w)) >= 2 {
							g.quoted = append(g.quoted, w)
						}
					}
				}
			}
		}
	}
	var arts, raw strings.Builder
	for _, h := range f.hits {
		for _, s := range append([]string{h.art.Title, h.art.URL, h.art.Text()}, h.passages...) {
			arts.WriteString(wordSeq(s))
			raw.WriteString(strings.ToLower(s))
			raw.WriteByte('\n')
		}
	}
	g.articles, g.raw = arts.String(), raw.String()
	return g
}

// found reports whether the customer's text holds instructions.
func (g *resolveGuard) found() bool { return len(g.instructions) > 0 }

// refuse says why d must not go out, or "".
func (g *resolveGuard) refuse(d *resolve.Decision) string {
	if g.found() && (d.Kind == resolve.ResolveCase || d.Kind == resolve.NoAction) {
		// Closing or ignoring a case whose customer text gives orders
		// is for a person to decide.
		return fmt.Sprintf("the decision %s follows a customer text that holds instructions to the system", d.Kind)
	}
	for _, u := range urlRe.FindAllString(d.Message, -1) {
		u = strings.ToLower(strings.TrimRight(u, ".,;:!?"))
		if !strings.Contains(g.raw, u) {
			return fmt.Sprintf("the message gives the link %q, which no article shown gives", clip(u, 80))
		}
	}
	for _, e := range emailRe.FindAllString(d.Message, -1) {
		e = strings.ToLower(e)
		if !strings.Contains(g.raw, e) && !slices.Contains(g.senders, e) {
			return fmt.Sprintf("the message gives the address %q, which no article shown gives", clip(e, 80))
		}
	}
	msg := wordSeq(d.Message)
	for _, q := range g.quoted {
		if strings.Contains(msg, q) && !strings.Contains(g.articles, q) {
			return fmt.Sprintf("the message repeats %q, which an instruction in the customer's text dictates", clip(strings.TrimSpace(q), 80))
		}
	}
	if len(g.instructions) > 0 {
		w := strings.Fields(msg)
		for i := 0; i+echoWords <= len(w); i++ {
			gram := " " + strings.Join(w[i:i+echoWords], " ") + " "
			if strings.Contains(g.articles, gram) {
				continue
			}
			for _, in := range g.instructions {
				if strings.Contains(in, gram) {
					return fmt.Sprintf("the message repeats %q from an instruction in the customer's text", clip(strings.TrimSpace(gram), 80))
				}
			}
		}
	}
	return ""
}

// wordSeq is s as its lower-cased words (letters and digits) between
// single spaces, with a space before and after, so that word sequences
// compare with strings.Contains at word boundaries.
func wordSeq(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	in := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			in = true
			continue
		}
		if in {
			b.WriteByte(' ')
			in = false
		}
	}
	if in {
		b.WriteByte(' ')
	}
	return b.String()
}
