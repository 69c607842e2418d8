package budget

import (
	"fmt"
	"time"
)

// Unit is the length of a budget period.
type Unit int

// The period units.
const (
	// Day periods start at midnight in the period's time zone.
	Day Unit = iota + 1
	// Month periods start at midnight on the first of the month.
	Month
)

// String returns "day" or "month".
func (u Unit) String() string {
	switch u {
	case Day:
		return "day"
	case Month:
		return "month"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// Period is the span usage is counted over: a calendar day or month in a
// time zone. It is a value, safe for concurrent use.
type Period struct {
	Unit Unit
	// Location is the time zone the periods start in; nil means UTC.
	// Processes that share a counter must agree on it.
	Location *time.Location
}

// Daily returns calendar days in loc (nil for UTC).
func Daily(loc *time.Location) Period { return Period{Unit: Day, Location: loc} }

// Monthly returns calendar months in loc (nil for UTC).
func Monthly(loc *time.Location) Period { return Period{Unit: Month, Location: loc} }

func (p Period) valid() bool { return p.Unit == Day || p.Unit == Month }

// Bounds returns the period that holds t: its start (inclusive), its end
// (exclusive), both in the period's time zone, and its label, such as
// "2026-12-02" for a day or "2026-12" for a month. Days of a daylight
// saving change are 23 or 25 hours long.
func (p Period) Bounds(t time.Time) (start, end time.Time, label string) {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	y, m, d := t.Date()
	if p.Unit == Month {
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 1, 0), start.Format("2006-01")
	}
	start = time.Date(y, m, d, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1), start.Format("2006-01-02")
}
