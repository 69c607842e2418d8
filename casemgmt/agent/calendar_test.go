package agent

import (
	"strings"
	"testing"
	"time"
)

// Waits counted in a business calendar, across weekends, holidays and
// both changes of daylight saving time in Lisbon (29 March and 25 October
// 2026).
func TestCalendarWaits(t *testing.T) {
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	office := &Calendar{TimeZone: "Europe/Lisbon", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Hours: "09:00-18:00",
		Holidays: []string{"2026-12-25"}}
	allDay := &Calendar{TimeZone: "Europe/Lisbon", Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, lisbon) }
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		wait  string
		want  time.Time
	}{
		{"within the day", office, at(2026, 3, 4, 10, 0), "4h", at(2026, 3, 4, 14, 0)},
		{"over the evening", office, at(2026, 3, 4, 16, 0), "4h", at(2026, 3, 5, 11, 0)},
		{"before opening", office, at(2026, 3, 2, 7, 0), "1h", at(2026, 3, 2, 10, 0)},
		{"over a weekend and the spring change", office, at(2026, 3, 27, 17, 0), "4h", at(2026, 3, 30, 12, 0)},
		{"from a Saturday", office, at(2026, 3, 28, 10, 0), "2h", at(2026, 3, 30, 11, 0)},
		{"over a holiday and a weekend", office, at(2026, 12, 24, 16, 0), "4h", at(2026, 12, 28, 11, 0)},
		{"over the autumn change", office, at(2026, 10, 23, 17, 0), "2h", at(2026, 10, 26, 10, 0)},
		{"working days", office, at(2026, 3, 4, 10, 0), "2d", at(2026, 3, 6, 10, 0)},
		{"a working day from a Friday", office, at(2026, 3, 6, 10, 0), "1d", at(2026, 3, 9, 10, 0)},
		{"24h is a working day", office, at(2026, 3, 6, 17, 30), "24h", at(2026, 3, 9, 17, 30)},
		{"a working day over a holiday", office, at(2026, 12, 24, 10, 0), "1d", at(2026, 12, 28, 10, 0)},
		{"working days from a Sunday", office, at(2026, 3, 1, 20, 0), "1d", at(2026, 3, 3, 9, 0)},
		{"whole days across the spring change", allDay, at(2026, 3, 28, 23, 0), "3h", at(2026, 3, 29, 3, 0)},
		{"whole days keep the clock over the change", allDay, at(2026, 3, 28, 10, 0), "1d", at(2026, 3, 29, 10, 0)},
		{"no calendar", nil, at(2026, 3, 28, 10, 0), "1d", at(2026, 3, 29, 11, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := ParseDuration(tt.wait)
			if err != nil {
				t.Fatal(err)
			}
			p := &FollowUpPolicy{Calendar: tt.cal}
			if got := p.waitAfter(tt.start, w); !got.Equal(tt.want) {
				t.Errorf("%s + %s = %s, want %s", tt.start, tt.wait, got.In(lisbon), tt.want)
			}
		})
	}
}

// A calendar that cannot be counted in is refused when the configuration
// is loaded.
func TestCalendarValidated(t *testing.T) {
	tests := []struct {
		cal, want string
	}{
		{`{"time_zone": "Europe/Atlantis"}`, "unknown zone"},
		{`{"days": ["mon", "funday"]}`, `"funday" is not a day`},
		{`{"hours": "18:00-09:00"}`, "is not opening-closing"},
		{`{"hours": "9-5"}`, "is not opening-closing"},
		{`{"holidays": ["25/12/2026"]}`, "is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			cfg := `{"fields": [{"name": "title", "type": "text"}],
  "follow_up": [{"name": "wait", "waits": ["2d"], "calendar": ` + tt.cal + `}]}`
			_, err := ParseConfig([]byte(cfg))
			if err == nil || !strings.Contains(err.Error(), "follow_up[0].calendar") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want follow_up[0].calendar: ...%s", err, tt.want)
			}
		})
	}
	if _, err := ParseConfig([]byte(`{"fields": [{"name": "title", "type": "text"}],
  "follow_up": [{"name": "wait", "waits": ["2d"], "calendar": {"time_zone": "Europe/Lisbon", "days": ["mon","tue"], "hours": "09:00-18:00", "holidays": ["2026-12-25"]}}]}`)); err != nil {
		t.Errorf("a good calendar: %v", err)
	}
}
