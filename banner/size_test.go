package banner

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"strings"
	"testing"
)

// TestAssetBudget: the banner's JS and CSS stay within 8 KB gzipped as
// served (rule 20), the run-time guard within 3.5 KB of its own, and they
// fetch nothing from anywhere: no URL, no font, no image. The guard is
// counted apart: it is not the banner but the wall before consent, inlined
// only for visitors who have not consented to everything; its
// configuration is the site's data, not code, and is not counted. The
// total a visitor before consent gets is logged, for the README.
func TestAssetBudget(t *testing.T) {
	check := func(name string, b []byte, allowed ...string) {
		for _, bad := range []string{"http:", "https:", "//cdn", "url(", "@import", "eval(", "new Function", "innerHTML", "localStorage", "sessionStorage", "indexedDB"} {
			if strings.Contains(string(b), bad) && !strings.Contains(strings.Join(allowed, " "), bad) {
				t.Errorf("%s contains %q: the banner must fetch nothing, run no eval and store nothing but its cookie", name, bad)
			}
		}
	}
	var bannerAssets bytes.Buffer
	for _, name := range []string{"banner.js", "banner.css", "consent-mode.js"} {
		b, err := fs.ReadFile(Assets, name)
		if err != nil {
			t.Fatal(err)
		}
		var allowed []string
		if name == "banner.js" {
			// The discovery report reads localStorage's key names for the
			// cookie table; the banner stores nothing there.
			allowed = []string{"localStorage"}
		}
		check(name, b, allowed...)
		bannerAssets.Write(b)
	}
	// The guard intercepts the HTML-string setters; it writes no markup of
	// its own.
	guard := []byte(guardText(Page{Guard: "{}"}))
	check("the guard", guard, "innerHTML")
	b, g, all := gzipLen(bannerAssets.Bytes()), gzipLen(guard), gzipLen(append(bannerAssets.Bytes(), guard...))
	t.Logf("banner.js + banner.css + consent-mode.js: %d bytes gzipped; the guard: %d; together: %d", b, g, all)
	if b > 8<<10 {
		t.Errorf("the banner's assets are %d bytes gzipped, over the 8 KB budget", b)
	}
	if g > 3584 {
		t.Errorf("the guard is %d bytes gzipped, over its 3.5 KB budget", g)
	}
}

func gzipLen(b []byte) int {
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return gz.Len()
}
