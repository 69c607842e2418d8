package resolve

import (
	"strings"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// CustomerText is what the customer wrote in msgs, to retrieve articles
// with: the subject and new text of every message the customer wrote
// (Role customer, or inbound without a role), oldest first, without quoted
// history, signatures and automated messages.
func CustomerText(msgs []channel.Message) string {
	var b strings.Builder
	for i := range msgs {
		m := &msgs[i]
		if m.Automated() || !(m.Role == channel.RoleCustomer || m.Role == "" && m.Direction == channel.Inbound) {
			continue
		}
		for _, s := range []string{m.Subject, m.Text} {
			if s = strings.TrimSpace(s); s != "" {
				if b.Len() > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

// Query returns the knowledge query for an intent and a conversation: the
// customer's text (CustomerText), in language, limited to the intent's
// articles when it names some. Product, category, time and limit are the
// caller's to set.
func Query(intent *Intent, msgs []channel.Message, language string) knowledge.Query {
	q := knowledge.Query{Text: CustomerText(msgs), Language: language}
	if intent != nil && len(intent.Articles) > 0 {
		q.Articles = append([]string(nil), intent.Articles...)
	}
	return q
}
