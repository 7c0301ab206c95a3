package e2e

// These tests wait for the server side of embed placeholders (the rewriter
// giving a held-back tracker <iframe> srcdoc = banner.Placeholder(...) and
// data-consent-ph). banner.js already wires the buttons inside. Until the
// rewriter does its part they fail, by design, at requirePlaceholders.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const embedsPage = "/e2e/embeds.html"

// requirePlaceholders fails the test unless the served page has embed
// placeholders at all.
func requirePlaceholders(t *testing.T, e *env) {
	t.Helper()
	if n := evalJS[int](e, `document.querySelectorAll('iframe[data-consent-ph][srcdoc]').length`); n == 0 {
		t.Fatalf("no iframe[data-consent-ph][srcdoc] on %s: the rewriter does not render embed placeholders yet (rule 21)", embedsPage)
	}
}

// frameClick clicks, with the mouse, the element matching sel inside the
// same-origin frame matching frameSel, once it is rendered: the "Load this
// once" button stays hidden until banner.js has wired the frame, which can
// come after the page's load on a busy machine.
func (e *env) frameClick(frameSel, sel string) {
	e.t.Helper()
	var xy [2]float64
	e.waitFor(sel+" rendered in frame "+frameSel, 5*time.Second, func() (bool, string) {
		raw, err := tryJS[string](e, `(() => { const f = document.querySelector(`+jsString(frameSel)+`); if (!f || !f.contentDocument) return '';
			f.scrollIntoView({block: 'center'});
			const el = f.contentDocument.querySelector(`+jsString(sel)+`); if (!el) return '';
			const fr = f.getBoundingClientRect(), r = el.getBoundingClientRect(); if (!r.width || !r.height) return '';
			return JSON.stringify([fr.left + r.left + r.width / 2, fr.top + r.top + r.height / 2]); })()`)
		if err != nil || raw == "" {
			return false, fmt.Sprintf("not rendered (%v)", err)
		}
		return json.Unmarshal([]byte(raw), &xy) == nil, raw
	})
	e.do("click "+sel+" in "+frameSel, chromedp.MouseClickXY(xy[0], xy[1]))
}

// TestRule21PlaceholderBeforeConsent: a held-back embed keeps its size, names
// its provider, links to the content on the provider's site, fetches
// nothing from any vendor (thumbnails included), passes axe; tweet text is
// readable without consent.
func TestRule21PlaceholderBeforeConsent(t *testing.T) {
	e := newEnvWith(t, mapsRule, extraPages)
	e.open(embedsPage)
	requirePlaceholders(t, e)
	e.noStubTraffic("placeholders before consent")
	for _, f := range []struct {
		sel, provider, link string
		w, h                float64
	}{
		{"#yt1", "YouTube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", 560, 315},
		{"#yt2", "YouTube", "https://www.youtube.com/watch?v=abc123", 400, 225},
		{"#fb", "Facebook", "https://www.facebook.com/llanwerncouncil", 340, 500},
	} {
		raw := evalJS[string](e, `(() => { const f = document.querySelector(`+jsString(f.sel)+`), r = f.getBoundingClientRect(), doc = f.contentDocument;
			return JSON.stringify({w: r.width, h: r.height, ph: f.hasAttribute('data-consent-ph'), text: doc && doc.body ? doc.body.innerText : '',
				links: doc ? [...doc.querySelectorAll('a[href]')].map(a => a.href) : []}); })()`)
		var got struct {
			W, H  float64
			Ph    bool
			Text  string
			Links []string
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Ph {
			t.Errorf("%s has no placeholder", f.sel)
			continue
		}
		if !within(got.W, f.w, 0.01) || !within(got.H, f.h, 0.01) {
			t.Errorf("%s placeholder is %.0f×%.0f, want the frame's %.0f×%.0f", f.sel, got.W, got.H, f.w, f.h)
		}
		if !strings.Contains(got.Text, f.provider) {
			t.Errorf("%s placeholder does not name %s: %q", f.sel, f.provider, got.Text)
		}
		if !strings.Contains(strings.Join(got.Links, " "), f.link) {
			t.Errorf("%s placeholder links %v, want %s", f.sel, got.Links, f.link)
		}
		for _, w := range []string{"Load this once", "Always allow"} {
			if !strings.Contains(got.Text, w) {
				t.Errorf("%s placeholder has no %q button: %q", f.sel, w, got.Text)
			}
		}
	}
	if got := evalJS[string](e, `document.querySelector('blockquote.twitter-tweet').innerText`); !strings.Contains(got, "Bin collections are running as normal") {
		t.Errorf("the tweet's text is not readable before consent: %q", got)
	}
	axeCheck(t, e, "YouTube placeholder", "#yt1", "body")
	e.noStubTraffic("placeholders before consent, after axe")
	e.noExceptions()
}

// TestRule21LoadOnceAndAlwaysAllow: "Load this once" loads only that frame,
// through youtube-nocookie.com, and stores nothing; "Always allow" loads
// every frame of the category and records the choice.
func TestRule21LoadOnceAndAlwaysAllow(t *testing.T) {
	e := newEnvWith(t, mapsRule, extraPages)
	e.open(embedsPage)
	requirePlaceholders(t, e)
	e.frameClick("#yt1", "[data-cg-load]")
	e.waitRequests(5*time.Second, [2]string{"www.youtube-nocookie.com", "/embed/dQw4w9WgXcQ"})
	time.Sleep(quiet)
	if n := e.stubs.count("www.youtube-nocookie.com", "/embed/abc123") + e.stubs.count("www.youtube.com", "/"); n != 0 {
		t.Errorf("Load this once on one video loaded %d other YouTube frame(s) or www.youtube.com", n)
	}
	if n := e.stubs.count("www.facebook.com", "/"); n != 0 {
		t.Error("Load this once on a video loaded the Facebook frame")
	}
	if c := e.consentCookie(); c != nil {
		t.Errorf("Load this once stored a choice: %q", c.Value)
	}

	// After the first frame loads, Chromium routes CDP's synthetic mouse
	// input to that (now cross-origin) frame; the button's own click()
	// still goes through the form's submit event as a person's click does.
	e.do("click Always allow in #yt2", chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#yt2').contentDocument.querySelector('button[value="allow"]').click()`))
	e.waitRequests(5*time.Second, [2]string{"www.youtube-nocookie.com", "/embed/abc123"})
	e.waitFor("the media choice", 5*time.Second, func() (bool, string) {
		c := e.consentCookie()
		return c != nil && strings.Split(c.Value, ".")[2] == "2", describeCookies(e.cookies())
	})
	if n := e.stubs.count("www.facebook.com", "/"); n != 0 {
		t.Error("Always allow embedded video loaded the Facebook frame")
	}
	e.noExceptions()
}

// TestRule22SiteConfiguredFrames: a third-party frame the site configures
// (here Google Maps as media) is held back like the built-in embeds, with a
// placeholder, until its category is allowed.
// mapsRule holds the embeds page's Google Maps frame back as a site would:
// third-party frames outside the catalogue follow the site's configuration.
const mapsRule = "rule www.google.com/maps/embed media"

func TestRule22SiteConfiguredFrames(t *testing.T) {
	e := newEnvWith(t, mapsRule, extraPages)
	e.open(embedsPage)
	if n := e.stubs.count("www.google.com", "/maps/embed"); n != 0 {
		t.Errorf("the configured Google Maps frame loaded before consent (%d requests)", n)
	}
	requirePlaceholders(t, e)
	if !evalJS[bool](e, `document.getElementById('map').hasAttribute('data-consent-ph')`) {
		t.Error("the Google Maps frame has no placeholder")
	}
	e.frameClick("#map", "[data-cg-load]")
	e.waitRequests(5*time.Second, [2]string{"www.google.com", "/maps/embed"})
}
