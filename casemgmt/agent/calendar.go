package agent

import (
	"fmt"
	"strings"
	"time"
)

// Calendar is the business time a follow-up policy's waits count in:
// working days and hours in a time zone, without holidays. Without one,
// waits count every hour of every day.
//
// In a calendar, a wait of whole days ("2d", "48h") counts working days:
// it ends at the same time of day, that many working days later (a start
// outside working hours counts from the next opening). Any other wait
// ("4h", "90m") counts working hours only. Days and hours are read in the
// calendar's time zone, so that a change of daylight saving time moves
// neither the opening hours nor the days.
type Calendar struct {
	// TimeZone is an IANA zone ("Europe/Lisbon"); UTC when empty.
	TimeZone string `json:"time_zone,omitempty"`
	// Days are the working days ("mon" ... "sun"); Monday to Friday when
	// empty.
	Days []string `json:"days,omitempty" jsonschema:"uniqueItems=true"`
	// Hours are the working hours of a working day, "09:00-18:00"; the
	// whole day when empty.
	Hours string `json:"hours,omitempty" jsonschema:"pattern=^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"`
	// Holidays are days off, "2026-12-25", in the time zone.
	Holidays []string `json:"holidays,omitempty"`
}

// calendar is a Calendar ready to count in.
type calendar struct {
	loc        *time.Location
	days       [7]bool
	open, shut time.Duration // since midnight
	holidays   map[string]bool
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// compile checks c and prepares it for counting.
func (c *Calendar) compile() (*calendar, error) {
	cal := &calendar{loc: time.UTC, shut: 24 * time.Hour, holidays: map[string]bool{}}
	if c.TimeZone != "" {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("time_zone %q: unknown zone", truncate(c.TimeZone, 60))
		}
		cal.loc = loc
	}
	if len(c.Days) == 0 {
		for d := time.Monday; d <= time.Friday; d++ {
			cal.days[d] = true
		}
	}
	for _, d := range c.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]
		if !ok || len(strings.TrimSpace(d)) < 3 {
			return nil, fmt.Errorf("days: %q is not a day (mon, tue, wed, thu, fri, sat, sun)", truncate(d, 20))
		}
		cal.days[wd] = true
	}
	if c.Hours != "" {
		from, to, ok := strings.Cut(c.Hours, "-")
		o, err1 := clockTime(from)
		s, err2 := clockTime(to)
		if !ok || err1 != nil || err2 != nil || s <= o {
			return nil, fmt.Errorf("hours: %q is not opening-closing, as 09:00-18:00", truncate(c.Hours, 20))
		}
		cal.open, cal.shut = o, s
	}
	for _, h := range c.Holidays {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("holidays: %q is not a date, as 2026-12-25", truncate(h, 20))
		}
		cal.holidays[d.Format(time.DateOnly)] = true
	}
	return cal, nil
}

func clockTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// working reports whether the day of t (in the zone) is a working day.
func (c *calendar) working(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, c.loc)
	return c.days[day.Weekday()] && !c.holidays[day.Format(time.DateOnly)]
}

// window is the working hours of the day of t, in the zone.
func (c *calendar) window(y int, m time.Month, d int) (open, shut time.Time) {
	mid := func(off time.Duration) time.Time {
		h, mn := int(off/time.Hour), int(off%time.Hour/time.Minute)
		return time.Date(y, m, d, h, mn, 0, 0, c.loc)
	}
	return mid(c.open), mid(c.shut)
}

// next is the first working moment at or after t.
func (c *calendar) next(t time.Time) time.Time {
	t = t.In(c.loc)
	for i := 0; i < 3660; i++ {
		y, m, d := t.Date()
		if c.working(y, m, d) {
			open, shut := c.window(y, m, d)
			if t.Before(open) {
				return open
			}
			if t.Before(shut) {
				return t
			}
		}
		t = time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
	}
	return t // no working time in ten years: a calendar validation lets none through
}

// add is t plus the wait w counted in the calendar.
func (c *calendar) add(t time.Time, w time.Duration) time.Time {
	if w <= 0 {
		return t
	}
	t = c.next(t)
	if w%(24*time.Hour) == 0 {
		n := int(w / (24 * time.Hour))
		y, m, d := t.Date()
		since := t.Sub(time.Date(y, m, d, 0, 0, 0, 0, c.loc))
		for n > 0 {
			d++
			if c.working(y, m, d) {
				n--
			}
		}
		day := time.Date(y, m, d, 0, 0, 0, 0, c.loc)
		h, mn, s := int(since/time.Hour), int(since%time.Hour/time.Minute), int(since%time.Minute/time.Second)
		y, m, d = day.Date()
		return time.Date(y, m, d, h, mn, s, t.Nanosecond(), c.loc)
	}
	for {
		y, m, d := t.Date()
		_, shut := c.window(y, m, d)
		left := shut.Sub(t)
		if w <= left {
			return t.Add(w)
		}
		w -= left
		t = c.next(shut)
	}
}

// checkCalendar reports a calendar that cannot be counted in.
func checkCalendar(ps *problems, at string, c *Calendar) {
	if c == nil {
		return
	}
	cal, err := c.compile()
	if err != nil {
		ps.add(at, err.Error())
		return
	}
	if !cal.hasWorkingDay() {
		ps.add(at+".days", "no working day")
	}
}

func (c *calendar) hasWorkingDay() bool {
	for _, ok := range c.days {
		if ok {
			return true
		}
	}
	return false
}

// waitAfter is when wait w after t ends under policy p: in its calendar
// when it has one.
func (p *FollowUpPolicy) waitAfter(t time.Time, w Duration) time.Time {
	if p.Calendar != nil {
		if cal, err := p.Calendar.compile(); err == nil && cal.hasWorkingDay() {
			return cal.add(t, time.Duration(w))
		}
	}
	return t.Add(time.Duration(w))
}
