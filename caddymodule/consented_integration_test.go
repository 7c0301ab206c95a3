package caddymodule_test

// What a visitor who consented gets.

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestConsentedVisitorGetsTheOriginalTags(t *testing.T) {
	orig := itReadSite(t, "index.html")
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	get := func(t *testing.T, cookie string) []byte {
		t.Helper()
		resp, body := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return body
	}

	t.Run("accept-all", func(t *testing.T) {
		body := get(t, itConsent(t, c, base, url.Values{"action": {"accept_all"}}))
		s := string(body)
		if !strings.Contains(s, gtagTag) {
			t.Errorf("gtag.js loader not verbatim: want %s", gtagTag)
		}
		if strings.Contains(s, `id="cg-banner"`) {
			t.Error("banner shown to a visitor who has chosen")
		}
		if !strings.Contains(s, `class="cg-reopen"`) {
			t.Error("no Cookie settings control (cg-reopen)")
		}
		if !strings.Contains(s, "data-cg-decided") {
			t.Error("banner root not marked as decided")
		}
		rest, _, _ := itUnrewrite(t, body)
		if n := len(itMarkerRE.FindAll(body, -1)); n != 0 {
			t.Errorf("%d elements neutralised for a visitor who accepted everything", n)
		}
		if !bytes.Equal(rest, orig) {
			t.Error("page with everything accepted differs from the original beyond the injections")
		}
		for _, want := range []string{"script www.googletagmanager.com", "iframe www.youtube.com", "script connect.facebook.net"} {
			if live := itLiveTrackers(body); !itHasLive(live, want) {
				t.Errorf("%s not live after accept all (live: %q)", want, live)
			}
		}
	})

	t.Run("analytics-only", func(t *testing.T) {
		body := get(t, itConsent(t, c, base, url.Values{"action": {"save"}, "category": {"analytics"}}))
		s := string(body)
		if !strings.Contains(s, gtagTag) {
			t.Errorf("gtag.js loader not verbatim with analytics consent")
		}
		if !strings.Contains(s, `data-consent-src="https://www.youtube.com/embed/dQw4w9WgXcQ"`) {
			t.Error("YouTube iframe not neutralised without media consent")
		}
		if strings.Contains(s, `id="cg-banner"`) {
			t.Error("banner shown to a visitor who has chosen")
		}
		live := itLiveTrackers(body)
		for _, want := range []string{"script www.googletagmanager.com", "inline-script static.hotjar.com"} {
			if !itHasLive(live, want) {
				t.Errorf("analytics tracker %s not live (live: %q)", want, live)
			}
		}
		for _, not := range []string{"youtube", "facebook", "twitter"} {
			if itHasLive(live, not) {
				t.Errorf("%s live without consent: %q", not, live)
			}
		}
		itAssertOnlyHandlerEdits(t, orig, body, hintLinks[1]) // the GA preconnect stays
	})
}
