package agent

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
)

// A use is where a template is filled in; each placeholder has a value in
// some uses only.
type use uint8

const (
	useIntakeValue use = 1 << iota // an intake rule's initial values
	useAcknowledgement
	useFollowUp
	useAnswer // messages of resolution: questions and answers
)

func (u use) String() string {
	switch u {
	case useIntakeValue:
		return "an intake rule's values"
	case useAcknowledgement:
		return "an acknowledgement"
	case useFollowUp:
		return "a follow-up"
	case useAnswer:
		return "a resolution message"
	}
	return "a template"
}

// placeholder is one name templates may use, and where it has a value.
type placeholder struct {
	name string
	uses use
}

const (
	useAfterCreation = useAcknowledgement | useFollowUp | useAnswer
	useEmail         = useIntakeValue | useAcknowledgement
)

// placeholders are every name a template may use besides the schema's
// field names. The package documentation lists them ("Templates"); a test
// keeps the two in step.
var placeholders = []placeholder{
	{"case_number", useAfterCreation},
	{"title", useAfterCreation},
	{"contact_name", useAfterCreation},
	{"subject", useEmail | useAnswer},
	{"from", useEmail},
	{"from_email", useEmail},
	{"from_name", useEmail},
	{"body", useEmail},
	{"mailbox", useEmail},
	{"date", useEmail},
	{"step", useFollowUp},
	{"steps", useFollowUp},
	{"questions", useAnswer},
	{"answer", useAnswer},
	{"citations", useAnswer},
}

// templateNames returns what a template of the given use may name: the
// placeholders that have a value there and, once the case exists, the
// schema's fields.
func templateNames(u use, fields []casemgmt.Field) []string {
	var names []string
	for _, p := range placeholders {
		if p.uses&u != 0 {
			names = append(names, p.name)
		}
	}
	if u&useAfterCreation != 0 {
		for _, f := range fields {
			if !slices.Contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
	}
	return names
}

// checkTemplate reports what is wrong in template s of the given use: an
// unclosed or empty placeholder, a name that is not a placeholder or a
// field, or one that has no value there.
func checkTemplate(s string, u use, fields []casemgmt.Field) error {
	names := templateNames(u, fields)
	var bad []string
	err := scanTemplate(s, func(name string) {
		if !slices.Contains(names, name) && !slices.Contains(bad, name) {
			bad = append(bad, name)
		}
	})
	if err != nil {
		return err
	}
	if len(bad) == 0 {
		return nil
	}
	var why []string
	for _, n := range bad {
		known := slices.ContainsFunc(placeholders, func(p placeholder) bool { return p.name == n }) ||
			slices.ContainsFunc(fields, func(f casemgmt.Field) bool { return f.Name == n })
		if known {
			why = append(why, fmt.Sprintf("{{%s}} has no value in %s", n, u))
		} else {
			why = append(why, fmt.Sprintf("unknown placeholder {{%s}}", truncate(n, 40)))
		}
	}
	return fmt.Errorf("%s (known here: %s)", strings.Join(why, "; "), strings.Join(names, ", "))
}

// scanTemplate calls fn with the name of every placeholder in s, and
// returns an error for one that is not closed or is empty.
func scanTemplate(s string, fn func(name string)) error {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return fmt.Errorf("a placeholder opened with {{ is not closed with }}")
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		if name == "" {
			return fmt.Errorf("an empty placeholder {{}}")
		}
		fn(name)
		s = s[i+j+2:]
	}
}

// renderTemplate replaces each {{name}} (spaces allowed inside the
// braces) with vars[name]. Configurations are checked when they are
// loaded, so every name has a value where the template is used. Values
// are inserted as they are, never evaluated again.
func renderTemplate(s string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteString(vars[strings.TrimSpace(s[i+2:i+j])])
		s = s[i+j+2:]
	}
	return strings.TrimSpace(b.String())
}

// emailVars are the placeholders of an inbound email.
func emailVars(mailbox string, m *channel.Message) map[string]string {
	return map[string]string{
		"subject": m.Subject, "from": m.From.Email, "from_email": m.From.Email,
		"from_name": m.From.Name, "body": m.Text, "mailbox": mailbox,
		"date": m.Time.Format("2006-01-02"),
	}
}

// addCaseVars adds the placeholders of a case to vars: its number, title,
// contact's name and every field's value.
func addCaseVars(vars map[string]string, c *casemgmt.Case, contactName string) map[string]string {
	if vars == nil {
		vars = map[string]string{}
	}
	for name, v := range c.Fields {
		vars[name] = formatValue(v)
	}
	vars["case_number"] = c.Number
	vars["title"] = c.Title
	vars["contact_name"] = contactName
	return vars
}

// formatValue writes a field's value as text for a message.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// Placeholders returns the names templates may use besides the schema's
// fields, for editors and documentation.
func Placeholders() []string {
	out := make([]string, len(placeholders))
	for i, p := range placeholders {
		out[i] = p.name
	}
	return out
}
