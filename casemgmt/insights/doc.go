// Package insights reports what the agent did over a period and how
// people received it, from what the store keeps: runs and their outcomes
// per day, the values the agent wrote and how many of them people later
// corrected or removed (the precision people saw), model calls and cost
// per day, the cases the agent followed up and what became of them, the
// time it takes to close cases, and, when the host has them, the drafts
// waiting for a person.
//
// Build reads the period's interaction records
// (casemgmt.Journal.ListInteractions), then the audit trail and the case
// of every case they concern, through Source, which every casemgmt.Store
// satisfies. The result is a Report: plain data for a host's own
// dashboard, JSON with WriteJSON, or one self-contained HTML page with
// WriteHTML, with inline SVG charts and CSS, no script and a
// Content-Security-Policy that forbids any network access, so it opens
// the same from a file, a mail attachment or an intranet page.
//
//	r, err := insights.Build(ctx, store,
//		insights.WithRange(since, until),
//		insights.WithLocation(paris),
//		insights.WithCurrency("EUR"))
//	...
//	err = r.WriteHTML(f)
//
// # How the figures are read
//
// A value the agent wrote is an audit entry by the agent on a schema
// field. What became of it is the next audit entry on the same field of
// the same case, up to the end of the period: none (kept), a person's
// other value (corrected), a person clearing the field (rejected), or a
// newer value from the agent or the system (revised). The precision
// people saw is kept / (kept + corrected + rejected); revised values
// are left out, since no person judged them. Values count on the day the
// agent wrote them, so a day's bar shows what became of that day's work.
//
// Runs are interaction records; a representative's own edits
// (agent.TriggerHumanEdit) are not runs. A follow-up is a follow-up run
// that sent or drafted a message; the run that closes a case after the
// last one is a closure, not a follow-up. A closure is a change of status
// to resolved or closed; its time to close runs from the case's creation.
// Days are cut in the report's time zone (WithLocation), UTC by default.
//
// The cases read are those named by the period's interaction records,
// and those a CaseLister adds (WithCases): a case a person closed in the
// period with no agent run in it is seen only through a lister.
//
// # The example command
//
// examples/insights writes the report of a SQLite store; with the
// quickstart's data:
//
//	go run ./examples/quickstart -db /tmp/quickstart.db
//	go run ./examples/insights -db /tmp/quickstart.db -from 2026-02-24 -to 2026-03-02 -o insights.html
//
// The package's test opens the page in headless Chromium (Debian's
// chromium package, at /usr/bin/chromium), fails on any console error or
// refused load, and keeps a screenshot (go test -artifacts); it skips
// when the browser is absent.
package insights
