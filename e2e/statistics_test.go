package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestStatisticsException: with Google Analytics under the statistics
// exception, a first visit loads it at once, with statistics-only Consent
// Mode, and nothing else; "Object to statistics" reloads the page without
// it and without its cookies, and the banner still asks about the rest.
func TestStatisticsException(t *testing.T) {
	e := newEnvWith(t, "statistics_exception google-analytics {\n\tassessed_by \"Jo Evans, DPO\"\n\tassessed_on 2026-03-01\n}", "")
	e.open("/")
	statistics := [][2]string{
		{"www.googletagmanager.com", "/gtag/js"},
		{"www.google-analytics.com", "/analytics.js"},
		{"www.google-analytics.com", "/ga.js"},
	}
	e.waitRequests(5*time.Second, statistics...)
	for _, r := range append([][2]string{{"www.googletagmanager.com", "/gtm.js"}, {"static.hotjar.com", "/"}}, otherRequests...) {
		if n := e.stubs.count(r[0], r[1]); n > 0 {
			t.Errorf("before any choice %s%s was requested %d times: only the exempt statistics may load", r[0], r[1], n)
		}
	}
	e.waitFor("the analytics cookies", 5*time.Second, func() (bool, string) {
		names := e.cookieNames(siteHost)
		return slices.Contains(names, "_ga"), fmt.Sprint(names)
	})
	// Statistics-only Consent Mode: analytics_storage granted, ads denied,
	// Google signals and ad personalisation off.
	cm := evalJS[string](e, `JSON.stringify(dataLayer.filter(a => a[0] === 'consent' || a[0] === 'set').map(a => [].slice.call(a)))`)
	for _, want := range []string{
		`["consent","update",{"analytics_storage":"granted","ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied"}]`,
		`["set","allow_google_signals",false]`, `["set","allow_ad_personalization_signals",false]`,
	} {
		if !strings.Contains(cm, want) {
			t.Errorf("Consent Mode commands %s lack %s", cm, want)
		}
	}
	if s := e.bannerState(); s != "visible" {
		t.Fatalf("banner is %s, want visible: statistics need no consent, the rest does", s)
	}
	if txt := evalJS[string](e, `document.querySelector('#cg-banner .cg-stats').textContent`); !strings.Contains(txt, "you can object") {
		t.Errorf("the first layer says %q about statistics", txt)
	}
	// Objecting is as easy as rejecting: the same control, as prominent.
	bs := controlStyles(t, e, `#cg-banner .cg-actions > *`)
	var reject, object *controlStyle
	for i := range bs {
		switch bs[i].Text {
		case "Reject all cookies":
			reject = &bs[i]
		case "Object to statistics":
			object = &bs[i]
		}
	}
	if reject == nil || object == nil {
		t.Fatalf("banner controls %+v: want Reject all and Object to statistics", bs)
	}
	if o, r := *object, *reject; o.Tag != r.Tag || o.Class != r.Class || o.FontWeight != r.FontWeight || o.FontSize != r.FontSize ||
		o.Color != r.Color || o.Background != r.Background || !within(o.Width, r.Width, 0.10) || !within(o.Height, r.Height, 0.10) {
		t.Errorf("Object to statistics %+v is not as prominent as Reject all %+v", o, r)
	}
	axeCheck(t, e, "banner with statistics", "", "#cg-root")
	e.openSettingsFromBanner()
	if !evalJS[bool](e, `document.getElementById('cg-c-statistics').checked && !document.getElementById('cg-c-analytics').checked`) {
		t.Error("the settings layer does not show statistics on and analytics off before any choice")
	}
	axeCheck(t, e, "settings layer with statistics", "", "#cg-root")
	e.key(kb.Escape)
	e.waitSettings(false)

	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.stubs.reset()
	e.click(`#cg-banner button[value="object"]`)
	e.waitReload(10 * time.Second)
	e.stubs.reset() // what the old page did in its last moments does not count
	time.Sleep(quiet)

	e.noStubTraffic("after objecting and the reload")
	names := e.cookieNames("")
	for _, c := range []string{"_ga", "_ga_DEMO12345", "__utma"} {
		if slices.Contains(names, c) {
			t.Errorf("cookie %s survived the objection; cookies now: %s", c, describeCookies(e.cookies()))
		}
	}
	if s := e.bannerState(); s != "visible" {
		t.Errorf("after objecting the banner is %s, want still visible: no consent choice was made", s)
	}
	if txt := evalJS[string](e, `document.querySelector('#cg-banner .cg-stats').textContent`); !strings.Contains(txt, "objected") {
		t.Errorf("after objecting the first layer says %q", txt)
	}
	if n := evalJS[int](e, `document.querySelectorAll('#cg-banner button[value="object"]').length`); n != 0 {
		t.Error("after objecting the banner still offers the objection")
	}

	// Accept all brings everything back in place, statistics included.
	e.stubs.reset()
	check := e.clickInPlace(acceptButton)
	e.waitRequests(5*time.Second, append(statistics, otherRequests...)...)
	check()
	e.noExceptions()
}

// TestStatisticsNotice: with notice_only the first visit gets a notice, not
// the banner, and Google Analytics loads; Hide this message hides it in
// place, without a reload, and the next page has none.
func TestStatisticsNotice(t *testing.T) {
	e := newEnvWith(t, "statistics_exception google-analytics {\n\tassessed_by \"Jo Evans, DPO\"\n\tassessed_on 2026-03-01\n\tnotice_only\n}", "")
	e.open("/")
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"})
	if n := evalJS[int](e, `document.querySelectorAll('#cg-banner.cg-notice button[value="dismiss"]').length`); n != 1 {
		t.Fatalf("no notice with Hide this message (found %d)", n)
	}
	axeCheck(t, e, "statistics notice", "", "#cg-root")
	check := e.clickInPlace(`#cg-banner button[value="dismiss"]`)
	e.waitBannerGone()
	check()
	if focused := evalJS[string](e, `document.activeElement.className`); focused != "cg-reopen" {
		t.Errorf("after hiding the notice focus is on %q, want the Cookie settings control", focused)
	}
	e.open("/services/bins.html")
	if s := e.bannerState(); s != "absent" {
		t.Errorf("the next page's notice is %s, want absent", s)
	}
	e.noExceptions()
}

// TestStatisticsPhone: at 390×844 the notice stays under a third of the
// screen, as the banner without statistics does, in English and Welsh. The
// banner with the statistics sentence and a fourth button is taller (37%,
// 40% in Welsh): it must stay under 45%. With UPDATE_SCREENSHOTS=1 they go
// to testdata/screenshots.
func TestStatisticsPhone(t *testing.T) {
	dir := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("testdata", "screenshots")
	}
	for _, mode := range []struct {
		name, opt string
		most      float64 // of the screen's height
	}{{"statistics", "", 0.45}, {"notice", "\tnotice_only\n", 1.0 / 3}} {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnvWith(t, "statistics_exception google-analytics {\n\tassessed_by \"Jo Evans, DPO\"\n\tassessed_on 2026-03-01\n"+mode.opt+"}", "")
			e.viewport(390, 844, true, 2)
			for _, tc := range []struct{ name, page string }{{"390", "/"}, {"cy-390", "/cy/index.html"}} {
				e.load(tc.page)
				h := evalJS[float64](e, `document.getElementById('cg-banner').getBoundingClientRect().height`)
				vh := evalJS[float64](e, `innerHeight`)
				t.Logf("%s %s: the banner is %.0fpx of %.0fpx, %.1f%% of the screen", mode.name, tc.page, h, vh, 100*h/vh)
				if h >= vh*mode.most {
					t.Errorf("%s: at 390×844 the %s banner is %.0fpx of %.0fpx, want under %.0f%%", tc.page, mode.name, h, vh, 100*mode.most)
				}
				shoot(t, e, filepath.Join(dir, mode.name+"-"+tc.name+".png"))
			}
		})
	}
}
