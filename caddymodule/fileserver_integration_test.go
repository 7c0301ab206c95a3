package caddymodule_test

// file_server and its sendfile path.

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestFileServerRewritesHTMLAndSendsAssetsVerbatim(t *testing.T) {
	orig := itReadSite(t, "index.html")
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)

	for _, path := range []string{"/", "/index.html"} {
		t.Run("page"+path, func(t *testing.T) {
			resp, body := itGet(t, c, base+path, map[string]string{"Accept": "text/html"})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, h := range []string{"ETag", "Accept-Ranges"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("rewritten page keeps %s: %q", h, v)
				}
			}
			if !itVaryHas(resp, "Cookie") {
				t.Errorf("Vary %q lacks Cookie", resp.Header.Values("Vary"))
			}
			if !bytes.Contains(body, []byte(`data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"`)) {
				t.Error("gtag.js loader not neutralised")
			}
			if !bytes.Contains(body, []byte(`<script src="/js/analytics.js"></script>`)) {
				t.Error("first-party /js/analytics.js script was touched")
			}
			if live := itLiveTrackers(body); len(live) > 0 {
				t.Errorf("trackers a browser would still load: %q", live)
			}
			if got := itNeutralised(body); !slices.Equal(got, indexNeutralised) {
				t.Errorf("neutralised elements\n got %q\nwant %q", got, indexNeutralised)
			}
			itAssertUntouchedLines(t, orig, body)
			itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)
		})
	}
	for _, asset := range []string{"style.css", "js/analytics.js", "js/app.js"} {
		t.Run("asset/"+asset, func(t *testing.T) {
			want := itReadSite(t, asset)
			resp, body := itGet(t, c, base+"/"+asset, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("status %d; %s is not byte-identical to the file", resp.StatusCode, asset)
			}
			if resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
				t.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(want))
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("asset lost its ETag")
			}
		})
	}
}
