package replay

import (
	"fmt"
	"strconv"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
)

// Labelled returns a story as a labelled case, to learn from: the
// messages of its conversation up to the last expectation of a created
// case, as the agent receives them (chat messages of the customer and the
// representative, emails parsed as a mailbox source parses them), and the
// field values that expectation holds exactly (a text to mention, or no
// value, is no label). A story that expects no created case gives no
// fields.
func (s *Scenario) Labelled() ([]channel.Message, map[string]string, error) {
	last := -1
	for i, st := range s.Steps {
		if st.Kind == StepExpect && st.Expect != nil && st.Expect.Case == "created" {
			last = i
		}
	}
	fields := map[string]string{}
	if last < 0 {
		return nil, fields, nil
	}
	for name, f := range s.Steps[last].Expect.Fields {
		switch v := f.Equals.(type) {
		case string:
			if v != "" {
				fields[name] = v
			}
		case float64:
			fields[name] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			fields[name] = strconv.FormatBool(v)
		}
	}
	var msgs []channel.Message
	for i, st := range s.Steps[:last] {
		id := s.ID + "-m" + strconv.Itoa(i+1)
		switch st.Kind {
		case StepCustomer:
			msgs = append(msgs, channel.Message{ID: id, Kind: channel.KindChat, Direction: channel.Inbound, Role: channel.RoleCustomer, Text: st.Text})
		case StepRep:
			msgs = append(msgs, channel.Message{ID: id, Kind: channel.KindChat, Direction: channel.Outbound, Role: channel.RoleRepresentative, Text: st.Text})
		case StepEmail:
			p, err := email.NewParser().ParseBytes([]byte(st.Email))
			if err != nil {
				return nil, nil, fmt.Errorf("replay: %s: step %d: %w", s.ID, i+1, err)
			}
			msgs = append(msgs, p.Message)
		}
	}
	return msgs, fields, nil
}
