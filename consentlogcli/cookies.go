package consentlogcli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/trackers"
)

// The cookies subcommand shows the web team what the site was seen to use
// and its declaration does not cover, with a Caddyfile block to paste for
// each; cookies import widens the suggestions with the Open Cookie Database.

// importCookiesCommand is "cookies import <file.csv>".
func importCookiesCommand() *cobra.Command {
	return &cobra.Command{
		Use:          "import <open-cookie-database.csv>",
		Short:        "Imports the Open Cookie Database CSV to suggest declarations from",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := parseCLIFlags(c, "cookies import")
			if err != nil {
				return err
			}
			ctx := c.Context()
			st, err := openCLIStore(ctx, f.store)
			if err != nil {
				return err
			}
			defer st.Close()
			return importCookies(ctx, c.OutOrStdout(), st, cliActor(), args[0])
		},
	}
}

// reviewCookies is the review of what the store says the site was seen to
// use against its latest declaration, with the built-in catalogue and the
// imported database. Without a recorded declaration (Caddy has not run
// with this store since it learnt to record one) everything is reviewed
// against an empty one, and notes says so.
func reviewCookies(ctx context.Context, st consentlog.Store, notes io.Writer) ([]cookieseen.Finding, error) {
	seen, err := st.Sightings(ctx)
	if err != nil {
		return nil, err
	}
	decl, ok, err := st.LatestDeclaration(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		fmt.Fprintln(notes, "No declaration is recorded in this consent log yet (Caddy records one when it starts with the cookie_consent handler): every name the catalogue does not know is shown as undeclared.")
	}
	known, err := st.KnownCookies(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		return nil, err
	}
	return cookieseen.Review(seen, decl, cat, known), nil
}

// printCookies writes the review as text (undeclared names in full, then
// the others in short) or as JSON, with a count of each status: on stdout
// after the text, on notes beside the JSON so that stdout stays JSON.
func printCookies(ctx context.Context, w, notes io.Writer, st consentlog.Store, actor, format string) error {
	if err := cliAudit(ctx, st, actor, "cookies", "", ""); err != nil {
		return err
	}
	fs, err := reviewCookies(ctx, st, notes)
	if err != nil {
		return err
	}
	count := map[cookieseen.Status]int{}
	for _, f := range fs {
		count[f.Status]++
	}
	summary := fmt.Sprintf("%d undeclared, %d declared, %d from the catalogue\n",
		count[cookieseen.StatusUndeclared], count[cookieseen.StatusDeclared], count[cookieseen.StatusCatalogue])
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cookieseen.Records(fs)); err != nil {
			return err
		}
		_, err := io.WriteString(notes, summary)
		return err
	}
	var b strings.Builder
	if n := count[cookieseen.StatusUndeclared]; n > 0 {
		fmt.Fprintf(&b, "Undeclared: the site was seen to use these, and nothing says what they are. Check each block, choose a category where it says CATEGORY, and add it to the cookie_consent block of the Caddyfile.\n\n")
	}
	var declared, catalogue []string
	for _, f := range fs {
		switch f.Status {
		case cookieseen.StatusDeclared:
			declared = append(declared, printable(f.Name))
		case cookieseen.StatusCatalogue:
			catalogue = append(catalogue, printable(f.Name)+" ("+printable(f.Vendor)+")")
		default:
			writeFinding(&b, f)
		}
	}
	if len(declared) > 0 {
		fmt.Fprintf(&b, "Declared: %s\n", strings.Join(declared, ", "))
	}
	if len(catalogue) > 0 {
		fmt.Fprintf(&b, "From the catalogue: %s\n", strings.Join(catalogue, ", "))
	}
	if len(declared)+len(catalogue) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(summary)
	_, err = io.WriteString(w, b.String())
	return err
}

// writeFinding writes one undeclared name in full.
func writeFinding(b *strings.Builder, f cookieseen.Finding) {
	where := make([]string, len(f.Sources))
	for i, s := range f.Sources {
		where[i] = s.Words()
	}
	fmt.Fprintf(b, "%s (%s)\n", printable(f.Name), f.Kind.Words())
	field := func(label, v string) { fmt.Fprintf(b, "  %-11s %s\n", label+":", printable(v)) }
	field("Seen", strings.Join(where, "; "))
	field("First seen", f.First.UTC().Format(cookieseen.ISOTime))
	field("Last seen", f.Last.UTC().Format(cookieseen.ISOTime))
	field("Hits", strconv.FormatInt(f.Hits, 10))
	field("Lifetime", cookieseen.Lifetime(f.MaxAge))
	if k := f.Suggestion; k != nil {
		category := k.Category
		if category == "" {
			category = "none suggested: choose one"
		}
		field("Suggested", "provider "+k.Provider+"; category "+category)
		field("Purpose", k.Purpose)
	} else {
		field("Suggested", "nothing: no known cookie has this name")
	}
	b.WriteString("  Caddyfile:\n")
	for _, l := range strings.SplitAfter(strings.TrimSuffix(f.Snippet, "\n"), "\n") {
		b.WriteString("    " + printable(strings.TrimSuffix(l, "\n")) + "\n")
	}
	b.WriteString("\n")
}

// printable escapes what a terminal would act on: names come from visitors'
// browsers, and an escape sequence in one must not reach the DPO's screen
// as one.
func printable(s string) string {
	if strings.IndexFunc(s, nonPrintable) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if nonPrintable(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func nonPrintable(r rune) bool { return r != '\t' && !unicode.IsGraphic(r) }

// importCookies replaces the store's imported cookie database with the
// Open Cookie Database CSV at path.
func importCookies(ctx context.Context, w io.Writer, st consentlog.Store, actor, path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cookies import: %w", err)
	}
	defer file.Close()
	known, err := cookieseen.ParseOpenCookieDatabase(file)
	if err != nil {
		return fmt.Errorf("cookies import %s: %w", path, err)
	}
	if err := cliAudit(ctx, st, actor, "cookies_import", "", consentlog.AuditDetail("file", filepath.Base(path), "cookies", strconv.Itoa(len(known)))); err != nil {
		return err
	}
	if err := st.ImportKnown(ctx, known); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "imported %d cookie descriptions from %s\n", len(known), path)
	return err
}
