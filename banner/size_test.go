package banner

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"strings"
	"testing"
)

// TestAssetBudget: the banner's JS and CSS and the run-time guard together
// stay within 8 KB gzipped as served (rule 20), and fetch nothing from
// anywhere: no URL, no font, no image. The guard's configuration is the
// site's data, not code, and is not counted.
func TestAssetBudget(t *testing.T) {
	var all bytes.Buffer
	add := func(name string, b []byte, allowed ...string) {
		all.Write(b)
		for _, bad := range []string{"http:", "https:", "//cdn", "url(", "@import", "eval(", "new Function", "innerHTML", "localStorage", "sessionStorage", "indexedDB"} {
			if strings.Contains(string(b), bad) && !strings.Contains(strings.Join(allowed, " "), bad) {
				t.Errorf("%s contains %q: the banner must fetch nothing, run no eval and store nothing but its cookie", name, bad)
			}
		}
	}
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
		add(name, b, allowed...)
	}
	// The guard intercepts the HTML-string setters; it writes no markup of
	// its own.
	add("the guard", []byte(guardText(Page{Guard: "{}"})), "innerHTML")
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(all.Bytes())
	w.Close()
	t.Logf("banner.js + banner.css + consent-mode.js + guard: %d bytes, %d gzipped", all.Len(), gz.Len())
	if gz.Len() > 8<<10 {
		t.Errorf("banner assets are %d bytes gzipped, over the 8 KB budget", gz.Len())
	}
}
