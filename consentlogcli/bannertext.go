package consentlogcli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/consentgate/consentgate/consentlog"
)

// bannerTextCommand is "banner-text <hash>": the words a record's visitor
// was shown, by the banner_hash the record carries, as the console's
// banner text page shows them.
func bannerTextCommand() *cobra.Command {
	c := &cobra.Command{
		Use:          "banner-text <hash>",
		Short:        "Shows the banner text a record's banner_hash names",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := parseCLIFlags(c, "banner-text")
			if err != nil {
				return err
			}
			hash := strings.ToLower(strings.TrimSpace(args[0]))
			if !consentlog.IsBannerHash(hash) {
				return fmt.Errorf("%q is not a banner text hash: a hash is 64 letters a-f and digits, as in a record's banner_hash", args[0])
			}
			ctx := c.Context()
			st, err := openCLIStore(ctx, f.store)
			if err != nil {
				return err
			}
			defer st.Close()
			return printBannerText(ctx, c.OutOrStdout(), st, cliActor(), hash, f.format)
		},
	}
	c.Flags().String("format", cliFormats["banner-text"][0], "output format: "+strings.Join(cliFormats["banner-text"], ", ")+" (json: the exact text the hash was computed from)")
	return c
}

// printBannerText writes the text kept under hash: its strings one per
// line as "key: value" (a value's further lines indented), or with
// --format json the kept text itself, byte for byte, so that its SHA-256
// is the hash.
func printBannerText(ctx context.Context, w io.Writer, st consentlog.Store, actor, hash, format string) error {
	detail := consentlog.AuditDetail("hash", hash)
	if format == "json" {
		detail = consentlog.AuditDetail("hash", hash, "format", format)
	}
	if err := cliAudit(ctx, st, actor, "banner_text", "", detail); err != nil {
		return err
	}
	t, ok, err := st.BannerText(ctx, hash)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no banner text is kept under hash %s: records from before texts were kept name one that was never stored", hash)
	}
	if format == "json" {
		_, err := io.WriteString(w, t.Text)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hash:        %s\nLanguage:    %s\nFirst kept:  %s\n\n", t.Hash, t.Locale, t.First.UTC().Format(time.RFC3339))
	strs, ok := t.Strings()
	if !ok {
		b.WriteString(strings.TrimSuffix(t.Text, "\n") + "\n")
	}
	for _, s := range strs {
		fmt.Fprintf(&b, "%s: %s\n", s.Key, strings.ReplaceAll(s.Value, "\n", "\n    "))
	}
	_, err = io.WriteString(w, b.String())
	return err
}
