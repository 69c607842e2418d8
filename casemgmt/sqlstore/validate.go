package sqlstore

import "github.com/caseagent/caseagent/casemgmt"

// storableText reports whether every s could have been stored
// (casemgmt.ValidateText): looking up text that could not be is answered
// without asking the database, which (PostgreSQL) would refuse it with an
// error.
func storableText(ss ...string) bool {
	for _, s := range ss {
		if casemgmt.ValidateText("", s) != nil {
			return false
		}
	}
	return true
}
