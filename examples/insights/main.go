// Command insights writes the insights report of a SQLite store: one
// self-contained HTML page (or, with -json, the figures as JSON).
//
//	go run ./examples/quickstart -db /tmp/quickstart.db
//	go run ./examples/insights -db /tmp/quickstart.db -from 2026-02-24 -to 2026-03-02 -o insights.html
//
// (the quickstart's clock stands still on 2 March 2026). Without -from
// and -to the report covers the 30 days that end today.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/caseagent/caseagent/casemgmt/insights"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "insights:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("insights", flag.ContinueOnError)
	db := fs.String("db", "", "the SQLite `file` to report on (required)")
	out := fs.String("o", "insights.html", "where to write the report; - for standard output")
	asJSON := fs.Bool("json", false, "write the figures as JSON instead of HTML")
	from := fs.String("from", "", "first `day` of the report, YYYY-MM-DD")
	to := fs.String("to", "", "last `day` of the report, YYYY-MM-DD, included")
	tz := fs.String("tz", "UTC", "time `zone` days are counted in, such as Europe/Paris")
	currency := fs.String("currency", "", "currency `code` of the model costs, for labels")
	title := fs.String("title", "", "the report's title")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		return errors.New("-db is required")
	}
	if _, err := os.Stat(*db); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return err
	}
	store, err := sqlstore.OpenSQLite(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	since, until, err := period(*from, *to, loc)
	if err != nil {
		return err
	}
	opts := []insights.Option{insights.WithRange(since, until), insights.WithLocation(loc), insights.WithCurrency(*currency)}
	if *title != "" {
		opts = append(opts, insights.WithTitle(*title))
	}
	r, err := insights.Build(ctx, store, opts...)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if *asJSON {
		err = r.WriteJSON(w)
	} else {
		err = r.WriteHTML(w)
	}
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d runs, %d values written (%d kept, %d corrected, %d removed), %d cases read, %s to %s\n",
			*out, r.Runs.Total(), r.Values.Applied, r.Values.Kept, r.Values.Corrected, r.Values.Rejected, r.CasesRead,
			r.Days[0].Date, r.Days[len(r.Days)-1].Date)
	}
	return nil
}

// period turns the flags into a range: whole days in loc, the last one
// included. A missing end is today; a missing start, 30 days before the
// end.
func period(from, to string, loc *time.Location) (since, until time.Time, err error) {
	day := func(s string) (time.Time, error) { return time.ParseInLocation(time.DateOnly, s, loc) }
	y, m, d := time.Now().In(loc).Date()
	until = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	if to != "" {
		if until, err = day(to); err != nil {
			return since, until, err
		}
		until = until.AddDate(0, 0, 1)
	}
	since = until.AddDate(0, 0, -30)
	if from != "" {
		if since, err = day(from); err != nil {
			return since, until, err
		}
	}
	return since, until, nil
}
