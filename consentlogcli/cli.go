// Package consentlogcli is the `caddy consent-log` command: the DPO
// console's tools on the command line, working on the same store as the
// cookie_consent handler. Importing it registers the command.
package consentlogcli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/consentlog"
)

// The consent-log command gives the DPO the console's tools on the command
// line, for servers where the console is off and for scripts (a nightly
// verify, an export for the records office). Each subcommand parses its
// flags, opens the store and calls one function below that writes to an
// io.Writer; every action is audit-logged as "cli:<os user>" before it runs.
func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "consent-log",
		Usage: "export|history|banner-text|stats|verify|purge|erase|cookies [--store <path|postgres://...>]",
		Short: "Reads, checks and maintains the records of consent (for the DPO)",
		Long: `
Works on the records of consent that the cookie_consent handler keeps: the
SQLite file in Caddy's data directory unless --store names another file or
a PostgreSQL database (postgres://...). Every use is written to the log's
audit table as cli:<your user name>.

Dates are YYYY-MM-DD in UTC; --to includes that day.

  export   all records (or --id, --from/--to) as --format csv or json
  history  every record of one consent ID (--id): a subject access request
  banner-text <hash>
           the banner text a record's banner_hash names: what the visitor
           was shown (--format text or json, the exact text hashed)
  stats    decisions per day and language, and objections to statistics
           (--from/--to, default last 30 days)
  verify   checks that no record was altered or removed; exits 1 if one was
  purge    deletes records older than --older-than (default 24 months),
           keeping the daily counts
  erase    erases one consent ID (--id) from every record; needs --yes
  cookies  what the site was seen to use that its declaration does not
           cover, with a Caddyfile block for each (--format text or json)
  cookies import <open-cookie-database.csv>
           replaces the cookie descriptions suggestions are drawn from
`,
		CobraFunc: consentLogCommands,
	})
}

// errChainBroken makes verify exit non-zero after it printed the report.
var errChainBroken = errors.New("the consent log's hash chain is broken")

// consentLogCommands adds the subcommands to cmd.
func consentLogCommands(cmd *cobra.Command) {
	cmd.SilenceUsage = true
	cmd.PersistentFlags().String("store", consentlog.DefaultPath(caddy.AppDataDir()), "consent log: SQLite file path or postgres:// URL")
	type sub struct {
		use, short string
		flags      []string
		run        func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error
	}
	subs := []sub{
		{"export", "Writes records as CSV or JSON", []string{"id", "from", "to", "format"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return exportRecords(ctx, w, st, actor, f.format, f.query())
			}},
		{"history", "Lists every record of one consent ID", []string{"id", "format"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return printHistory(ctx, w, st, actor, f.id, f.format)
			}},
		{"stats", "Counts decisions per day and language", []string{"from", "to", "format"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return printStats(ctx, w, st, actor, f.from, f.to, f.format)
			}},
		{"verify", "Checks the hash chain; exits 1 if it is broken", []string{"format"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return verifyChain(ctx, w, st, actor, f.format)
			}},
		{"purge", "Deletes records past retention, keeping daily counts", []string{"older-than"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return purgeRecords(ctx, w, st, actor, f.cutoff)
			}},
		{"erase", "Erases one consent ID's personal data", []string{"id", "yes"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return eraseConsentID(ctx, w, st, actor, f.id, f.yes)
			}},
		{"cookies", "Lists the cookies the site was seen to use that nobody declared", []string{"format"},
			func(ctx context.Context, w io.Writer, st consentlog.Store, actor string, f cliFlags) error {
				return printCookies(ctx, w, f.notes, st, actor, f.format)
			}},
	}
	for _, s := range subs {
		c := &cobra.Command{Use: s.use, Short: s.short, Args: cobra.NoArgs, SilenceUsage: true}
		fs := c.Flags()
		for _, name := range s.flags {
			switch name {
			case "id":
				fs.String("id", "", "consent ID, as the visitor reads it in their cookie settings")
			case "from":
				fs.String("from", "", "first day, YYYY-MM-DD (UTC)")
			case "to":
				fs.String("to", "", "last day, YYYY-MM-DD (UTC), included")
			case "format":
				fs.String("format", cliFormats[s.use][0], "output format: "+strings.Join(cliFormats[s.use], ", "))
			case "older-than":
				fs.String("older-than", strconv.Itoa(consentlog.DefaultRetentionMonths), "age of the records to purge: months (24) or a duration (720h, 90d)")
			case "yes":
				fs.Bool("yes", false, "really erase")
			}
		}
		c.RunE = func(c *cobra.Command, _ []string) error {
			f, err := parseCLIFlags(c, s.use)
			if err != nil {
				return err
			}
			ctx := c.Context()
			st, err := openCLIStore(ctx, f.store)
			if err != nil {
				return err
			}
			defer st.Close()
			return s.run(ctx, c.OutOrStdout(), st, cliActor(), f)
		}
		if s.use == "cookies" {
			c.AddCommand(importCookiesCommand())
		}
		cmd.AddCommand(c)
	}
	cmd.AddCommand(bannerTextCommand())
}

// cliFormats are the output formats of each subcommand, default first.
var cliFormats = map[string][]string{
	"export":      {"csv", "json"},
	"history":     {"text", "csv", "json"},
	"banner-text": {"text", "json"},
	"stats":       {"text", "csv", "json"},
	"verify":      {"text", "json"},
	"cookies":     {"text", "json"},
}

// cliFlags are a subcommand's flags, parsed and checked.
type cliFlags struct {
	store    string
	id       string
	from, to time.Time // to is inclusive
	format   string
	cutoff   time.Time
	yes      bool
	notes    io.Writer // stderr: what is said beside the output, which stays parseable
}

// query selects whole days, as the console does.
func (f cliFlags) query() consentlog.Query {
	q := consentlog.Query{ConsentID: f.id, From: f.from}
	if !f.to.IsZero() {
		q.To = f.to.AddDate(0, 0, 1)
	}
	return q
}

func parseCLIFlags(c *cobra.Command, use string) (cliFlags, error) {
	fs := c.Flags()
	str := func(name string) string {
		if fl := fs.Lookup(name); fl != nil {
			return strings.TrimSpace(fl.Value.String())
		}
		return ""
	}
	f := cliFlags{store: str("store"), format: str("format"), yes: str("yes") == "true", notes: c.ErrOrStderr()}
	if f.store == "" {
		return f, errors.New("--store must name the consent log")
	}
	id := strings.ToLower(strings.Join(strings.Fields(str("id")), ""))
	if id != "" && !consent.ValidID(id) {
		return f, fmt.Errorf("--id %q is not a consent ID: a consent ID is 26 letters and digits", str("id"))
	}
	if id == "" && (use == "history" || use == "erase") {
		return f, fmt.Errorf("%s needs --id <consent id>", use)
	}
	f.id = id
	for _, d := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.from}, {"to", &f.to}} {
		if v := str(d.name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return f, fmt.Errorf("--%s %q is not a date: use YYYY-MM-DD", d.name, v)
			}
			*d.t = t
		}
	}
	if !f.from.IsZero() && !f.to.IsZero() && f.to.Before(f.from) {
		return f, errors.New("--to is before --from")
	}
	if formats := cliFormats[use]; formats != nil && !slices.Contains(formats, f.format) {
		return f, fmt.Errorf("--format %q: %s writes %s", f.format, use, strings.Join(formats, ", "))
	}
	if use == "purge" {
		var err error
		if f.cutoff, err = retentionCutoff(time.Now(), str("older-than")); err != nil {
			return f, err
		}
	}
	return f, nil
}

// retentionCutoff turns --older-than into the time before which records
// go: a whole number is months, as in the default of 24 (calendar months,
// as consentlog.DefaultRetentionMonths means); anything else is a Caddy
// duration such as 720h or 90d.
func retentionCutoff(now time.Time, v string) (time.Time, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return time.Time{}, fmt.Errorf("--older-than %q must be positive", v)
		}
		return now.AddDate(0, -n, 0), nil
	}
	d, err := caddy.ParseDuration(v)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("--older-than %q: give months (24) or a duration (720h, 90d)", v)
	}
	return now.Add(-d), nil
}

// openCLIStore opens the consent log, refusing to create an empty SQLite
// file where the DPO mistyped a path: verify would report "OK, 0 records".
// It works beside a running Caddy: SQLite reads are WAL reads that never
// wait for Caddy's appends, opening a store whose schema is current takes
// no write lock, and the one write each command makes (its audit entry)
// waits behind Caddy's short append transactions (busy_timeout 10s). The
// store is not opened read-only because every command audits first.
func openCLIStore(ctx context.Context, dsn string) (consentlog.Store, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:")); err != nil {
			return nil, fmt.Errorf("no consent log at %s (give its path with --store): %w", dsn, err)
		}
	}
	st, err := consentlog.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open consent log %s: %w", consentlog.RedactDSN(dsn), err)
	}
	return st, nil
}

// cliActor names the person at the terminal in the audit log.
func cliActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = strconv.Itoa(os.Getuid())
	}
	return "cli:" + name
}

func cliDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// cliAudit writes an action's audit entry as the console does: the consent
// ID, if any, is kept by the store only as a keyed hash.
func cliAudit(ctx context.Context, st consentlog.Store, actor, action, consentID, detail string) error {
	return st.Audit(ctx, consentlog.AuditEntry{Actor: actor, Action: action, ConsentID: consentID, Detail: detail})
}

// exportRecords writes the records q selects in format (csv or json).
func exportRecords(ctx context.Context, w io.Writer, st consentlog.Store, actor, format string, q consentlog.Query) error {
	to := ""
	if !q.To.IsZero() {
		to = cliDay(q.To.AddDate(0, 0, -1))
	}
	if err := cliAudit(ctx, st, actor, "export", q.ConsentID, consentlog.AuditDetail("format", format, "from", cliDay(q.From), "to", to)); err != nil {
		return err
	}
	return st.Export(ctx, w, consentlog.Format(format), q)
}

// printHistory lists one consent ID's records: a readable table, or the
// export columns with --format csv|json.
func printHistory(ctx context.Context, w io.Writer, st consentlog.Store, actor, id, format string) error {
	if err := cliAudit(ctx, st, actor, "history", id, ""); err != nil {
		return err
	}
	if format == "csv" || format == "json" {
		return st.Export(ctx, w, consentlog.Format(format), consentlog.Query{ConsentID: id})
	}
	recs, err := st.History(ctx, id)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return noRecords(ctx, w, st, id)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tEVENT\tMETHOD\tALLOWED\tGPC\tLANGUAGE\tPOLICY\tPAGE\tRECORD")
	for _, r := range recs {
		allowed := "none"
		if len(r.Granted) > 0 {
			s := make([]string, len(r.Granted))
			for i, c := range r.Granted {
				s[i] = string(c)
			}
			allowed = strings.Join(s, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\t%s\t%s\t%d %s\n", r.Time.UTC().Format(time.DateTime), r.Event, r.Method,
			allowed, r.GPC, r.Locale, r.PolicyVersion, r.Path, r.Seq, r.ID)
	}
	return tw.Flush()
}

// noRecords says a consent ID has no records, and when the audit log (which
// knows the ID only by its keyed hash) shows it erased, when and by whom.
func noRecords(ctx context.Context, w io.Writer, st consentlog.Store, id string) error {
	entries, err := st.AuditOf(ctx, id)
	if err != nil {
		return err
	}
	// The first erasure is the one that found records.
	if i := slices.IndexFunc(entries, func(e consentlog.AuditEntry) bool { return e.Action == "erase" }); i >= 0 {
		_, err := fmt.Fprintf(w, "No records of consent ID %s: it was erased on %s by %s.\n", id, entries[i].Time.UTC().Format(time.RFC3339), entries[i].Actor)
		return err
	}
	_, err = fmt.Fprintf(w, "No records of consent ID %s (erased, purged, or never recorded).\n", id)
	return err
}

// printStats writes decisions per day and language, the last 30 days
// unless a range is given, and beside them the objections to statistics
// and their withdrawals. The CSV columns of objections come last, so that
// scripts reading the earlier columns by position keep working.
func printStats(ctx context.Context, w io.Writer, st consentlog.Store, actor string, from, to time.Time, format string) error {
	if to.IsZero() && from.IsZero() {
		to = time.Now().UTC().Truncate(24 * time.Hour)
		from = to.AddDate(0, 0, -29)
	}
	if err := cliAudit(ctx, st, actor, "stats", "", consentlog.AuditDetail("from", cliDay(from), "to", cliDay(to))); err != nil {
		return err
	}
	stats, err := st.Stats(ctx, from, to)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		if stats == nil {
			stats = []consentlog.DayStats{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(stats)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"day", "locale", "accept", "reject", "custom", "withdraw", "gpc", "objection", "objection_withdrawn"})
		for _, d := range stats {
			_ = cw.Write([]string{d.Day, d.Locale, cliItoa(d.Accept), cliItoa(d.Reject), cliItoa(d.Custom), cliItoa(d.Withdraw), cliItoa(d.GPC),
				cliItoa(d.Objection), cliItoa(d.ObjectionWithdrawn)})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tLANGUAGE\tACCEPTED ALL\tREJECTED ALL\tCHOSE SOME\tWITHDREW\tWITH GPC\tOBJECTED\tWITHDREW OBJECTION")
	var total consentlog.DayStats
	for _, d := range stats {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", d.Day, d.Locale, d.Accept, d.Reject, d.Custom, d.Withdraw, d.GPC,
			d.Objection, d.ObjectionWithdrawn)
		total.Accept, total.Reject, total.Custom = total.Accept+d.Accept, total.Reject+d.Reject, total.Custom+d.Custom
		total.Withdraw, total.GPC = total.Withdraw+d.Withdraw, total.GPC+d.GPC
		total.Objection, total.ObjectionWithdrawn = total.Objection+d.Objection, total.ObjectionWithdrawn+d.ObjectionWithdrawn
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", total.Accept, total.Reject, total.Custom, total.Withdraw, total.GPC,
		total.Objection, total.ObjectionWithdrawn)
	return tw.Flush()
}

func cliItoa(n int64) string { return strconv.FormatInt(n, 10) }

// verifyChain checks the chain and reports it; a broken chain returns
// errChainBroken so that the command exits non-zero.
func verifyChain(ctx context.Context, w io.Writer, st consentlog.Store, actor, format string) error {
	if err := cliAudit(ctx, st, actor, "verify", "", ""); err != nil {
		return err
	}
	rep, err := st.Verify(ctx)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		if rep.Anchor != consentlog.GenesisHash {
			fmt.Fprintf(w, "The chain starts after purged records, at anchor %s.\n", rep.Anchor)
		}
		if rep.OK() {
			fmt.Fprintf(w, "OK: %d records verified (%d to %d).\nHead: %s\n", rep.Records, rep.FirstSeq, rep.LastSeq, rep.Head)
			fmt.Fprintln(w, "Write the head down with today's date, away from this server: it shows later whether the newest records were removed.")
		} else {
			fmt.Fprintf(w, "BROKEN at record %d (%s): %s\n", rep.Broken.Seq, rep.Broken.ID, rep.Broken.Reason)
			fmt.Fprintf(w, "Records verified before it: %d. Head of the verified part: %s\n", rep.Records, rep.Head)
			fmt.Fprintln(w, "Keep a copy of the database as it is now and report this.")
		}
	}
	if !rep.OK() {
		return errChainBroken
	}
	return nil
}

// purgeRecords deletes the records older than cutoff; daily counts stay.
func purgeRecords(ctx context.Context, w io.Writer, st consentlog.Store, actor string, cutoff time.Time) error {
	before := cutoff.UTC().Format(time.RFC3339)
	if err := cliAudit(ctx, st, actor, "purge", "", consentlog.AuditDetail("before", before)); err != nil {
		return err
	}
	res, err := st.Purge(ctx, cutoff)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "Purged %d records from before %s; their daily counts are kept. The chain now starts after record %d.\n",
		res.Deleted, before, res.ThroughSeq)
	return err
}

// eraseConsentID erases one consent ID; without yes it only says what
// would be erased.
func eraseConsentID(ctx context.Context, w io.Writer, st consentlog.Store, actor, id string, yes bool) error {
	action := "history"
	if yes {
		action = "erase"
	}
	if err := cliAudit(ctx, st, actor, action, id, ""); err != nil {
		return err
	}
	recs, err := st.History(ctx, id)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("no records of consent ID %s (already erased or purged?)", id)
	}
	if !yes {
		fmt.Fprintf(w, "Consent ID %s has %d records. Nothing was erased: run again with --yes to erase them.\n", id, len(recs))
		return errors.New("erase needs --yes")
	}
	rec, err := st.Erase(ctx, id)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "Erased consent ID %s from %d records: %s.\nThe erasure is recorded as %s at %s.\n",
		id, len(rec.ErasedIDs), strings.Join(rec.ErasedIDs, ", "), rec.ID, rec.Time.UTC().Format(time.RFC3339))
	return err
}
