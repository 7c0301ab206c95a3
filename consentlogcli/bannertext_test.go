package consentlogcli_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consentlog"
)

func TestCLIBannerText(t *testing.T) {
	dsn, st := cliSQLite(t)
	const text = `{"title":"Cookies on Llanwern County Council","categories":{"analytics":{"name":"Analytics","desc":"Count visits\nand pages."}}}`
	ctx := context.Background()
	hash, err := st.KeepBannerText(ctx, "en", text)
	if err != nil {
		t.Fatal(err)
	}
	kept, _, err := st.BannerText(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	out, _, status := cliRun(t, "banner-text", "--store", dsn, strings.ToUpper(hash))
	cliExpect(t, "banner-text", out, status, ""+
		"Hash:        "+hash+"\n"+
		"Language:    en\n"+
		"First kept:  "+kept.First.UTC().Format(time.RFC3339)+"\n"+
		"\n"+
		"title: Cookies on Llanwern County Council\n"+
		"categories.analytics.name: Analytics\n"+
		"categories.analytics.desc: Count visits\n"+
		"    and pages.\n", 0)

	// JSON is the kept text byte for byte: its SHA-256 is the hash.
	out, _, status = cliRun(t, "banner-text", "--store", dsn, "--format", "json", hash)
	sum := sha256.Sum256([]byte(out))
	if status != 0 || out != text || hex.EncodeToString(sum[:]) != hash {
		t.Errorf("banner-text --format json: exit %d\n%q", status, out)
	}

	// A text that is not an object of strings is written as it is.
	plain, err := st.KeepBannerText(ctx, "cy", "Cwcis ar Gyngor Sir Llanwern")
	if err != nil {
		t.Fatal(err)
	}
	if out, _, status := cliRun(t, "banner-text", "--store", dsn, plain); status != 0 ||
		!strings.Contains(out, "Language:    cy\n") || !strings.HasSuffix(out, "\n\nCwcis ar Gyngor Sir Llanwern\n") {
		t.Errorf("plain text: exit %d\n%s", status, out)
	}

	old := consentlog.HashBannerText("never kept")
	_, stderr, status := cliRun(t, "banner-text", "--store", dsn, old)
	if status != 1 || !strings.Contains(stderr, "no banner text is kept under hash "+old) {
		t.Errorf("unknown hash: exit %d, %q", status, stderr)
	}
	for _, args := range [][]string{{"not-a-hash"}, {hash[:63]}, {}, {hash, hash}, {"--format", "csv", hash}} {
		_, stderr, status := cliRun(t, append([]string{"banner-text", "--store", dsn}, args...)...)
		if status != 1 || stderr == "" {
			t.Errorf("banner-text %v: exit %d, %q", args, status, stderr)
		}
	}
	cliWantAudit(t, st, "banner_text hash="+hash, "banner_text format=json&hash="+hash, "banner_text hash="+plain, "banner_text hash="+old)
}
