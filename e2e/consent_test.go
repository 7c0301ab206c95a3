package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// What the demo site (testdata/site/index.html) loads, by category.
var (
	analyticsRequests = [][2]string{
		{"www.googletagmanager.com", "/gtm.js"},
		{"www.googletagmanager.com", "/gtag/js"},
		{"www.google-analytics.com", "/analytics.js"},
		{"www.google-analytics.com", "/ga.js"},
		{"static.hotjar.com", "/c/hotjar-1234567.js"},
	}
	otherRequests = [][2]string{
		{"connect.facebook.net", "/en_US/fbevents.js"},     // marketing
		{"connect.facebook.net", "/en_GB/sdk.js"},          // social
		{"www.facebook.com", "/plugins/page.php"},          // social
		{"platform.twitter.com", "/widgets.js"},            // social
		{"www.youtube-nocookie.com", "/embed/dQw4w9WgXcQ"}, // media
	}
	// The first-party cookies the analytics stubs set, as the real tags do.
	analyticsCookies = []string{"_ga", "_ga_DEMO12345", "__utma", "_hjSessionUser_1234567"}
)

const (
	acceptButton   = `#cg-banner button[value="accept_all"]`
	rejectButton   = `#cg-banner button[value="reject_all"]`
	settingsButton = `#cg-banner button[value="settings"]`
	youtubeIframe  = `iframe[title="YouTube video player"]`
)

// TestBeforeChoice: a first visit, to the home page or straight to a deep
// link, loads nothing from a tracker, sets no cookie at all, shows the banner
// with three equal buttons and leaves the site's own scripts working.
func TestBeforeChoice(t *testing.T) {
	e := newEnv(t, "")
	for _, tc := range []struct{ name, path string }{{"home", "/"}, {"deep_link", "/services/bins.html"}} {
		path := tc.path
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			e.open(path)

			e.noStubTraffic("before any choice on " + path)
			if cs := e.cookies(); len(cs) > 0 {
				t.Errorf("before any choice on %s the browser holds cookies: %s", path, describeCookies(cs))
			}
			if s := e.bannerState(); s != "visible" {
				t.Errorf("banner on %s is %s, want visible", path, s)
			}
			checkBannerButtons(t, e)

			if path == "/" {
				if !evalJS[bool](e, `window.firstPartyAnalyticsLoaded === true`) {
					t.Error("the site's own /js/analytics.js did not run (matching must be by host, not file name)")
				}
				if !evalJS[bool](e, `window.appModuleLoaded === true`) {
					t.Error("the site's own ES module /js/app.js did not run")
				}
				if cls := evalJS[string](e, `document.documentElement.className`); !slices.Contains(strings.Fields(cls), "js") {
					t.Errorf("the site's inline script did not run: <html class=%q>, want it to contain js", cls)
				}
				if src := evalJS[string](e, `String(document.querySelector('`+youtubeIframe+`').getAttribute('src'))`); src != "null" {
					t.Errorf("YouTube iframe has src %q before consent, want none", src)
				}
			}
		})
	}
	e.t = t
	e.noExceptions()
}

type buttonInfo struct {
	Tag, Class, Text string
	Visible          bool
}

func checkBannerButtons(t *testing.T, e *env) {
	t.Helper()
	raw := evalJS[string](e, `JSON.stringify([...document.querySelectorAll('#cg-banner button, #cg-banner [role=button], #cg-banner input[type=submit], #cg-banner a.cg-btn')].map(b => ({
		Tag: b.tagName, Class: b.className, Text: b.textContent.trim(), Visible: b.getClientRects().length > 0 && getComputedStyle(b).visibility !== 'hidden'})))`)
	var bs []buttonInfo
	if err := json.Unmarshal([]byte(raw), &bs); err != nil {
		t.Fatal(err)
	}
	want := []string{"Accept all", "Reject all", "Cookie settings"}
	if len(bs) != len(want) {
		t.Fatalf("banner has %d controls %+v, want 3: %v", len(bs), bs, want)
	}
	for i, b := range bs {
		if !strings.HasPrefix(b.Text, want[i]) {
			t.Errorf("banner control %d reads %q, want %q…", i+1, b.Text, want[i])
		}
		if b.Tag != "BUTTON" || b.Tag != bs[0].Tag || b.Class != bs[0].Class {
			t.Errorf("banner control %q is <%s class=%q>, want the same <button> and class as %q (<%s class=%q>)",
				b.Text, strings.ToLower(b.Tag), b.Class, bs[0].Text, strings.ToLower(bs[0].Tag), bs[0].Class)
		}
		if !b.Visible {
			t.Errorf("banner control %q is not visible", b.Text)
		}
	}
}

// TestAcceptAll: accepting brings every tracker back in place, without a
// reload, and later pages are served with the trackers as the site wrote them.
func TestAcceptAll(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	e.noStubTraffic("before any choice")

	inPlace := e.clickInPlace(acceptButton)
	e.waitBannerGone()
	e.waitRequests(5*time.Second, append(slices.Clone(analyticsRequests), otherRequests...)...)
	e.waitFor("tracker cookies", 5*time.Second, func() (bool, string) {
		names := e.cookieNames(siteHost)
		return containsAll(names, "_ga", "_fbp", "_hjSessionUser_1234567", "consentgate"), fmt.Sprint(names)
	})
	inPlace()
	if got := e.location(); got != "/" {
		t.Errorf("after Accept all the page is %s, want /", got)
	}
	if src := evalJS[string](e, `String(document.querySelector('`+youtubeIframe+`').getAttribute('src'))`); src != "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" {
		t.Errorf("YouTube iframe src after Accept all = %q, want the video through youtube-nocookie.com", src)
	}
	if n := evalJS[int](e, `[...document.querySelectorAll('[data-consent]')].filter(el => !document.getElementById('cg-root').contains(el)).length`); n != 0 {
		t.Errorf("%d element(s) still inert after Accept all", n)
	}
	if s := e.bannerState(); s == "visible" {
		t.Error("banner still visible after Accept all")
	}
	e.noExceptions()

	// The next page comes from the server with the trackers untouched.
	e.stubs.reset()
	e.open("/services/bins.html")
	if s := e.bannerState(); s != "absent" {
		t.Errorf("banner on the next page is %s, want absent (the server knows the choice)", s)
	}
	if n := evalJS[int](e, `document.querySelectorAll('[data-consent], [data-consent-src], [type="text/plain"]').length`); n != 0 {
		html := evalJS[string](e, `[...document.querySelectorAll('[data-consent], [data-consent-src], [type="text/plain"]')].map(el => el.outerHTML.slice(0, 160)).join('\n')`)
		t.Errorf("after Accept all the server still neutralised %d element(s) on /services/bins.html:\n%s", n, html)
	}
	if !evalJS[bool](e, `!!document.querySelector('script[src^="https://www.googletagmanager.com/gtag/js"]:not([type])')`) {
		t.Error("gtag.js is not a plain script on /services/bins.html after Accept all")
	}
	if got := evalJS[string](e, `String(document.querySelector('iframe.lazyload').getAttribute('data-src'))`); got != "https://www.youtube-nocookie.com/embed/abc123" {
		t.Errorf("lazy YouTube iframe data-src = %q after Accept all, want the site's own", got)
	}
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"})
	if !evalJS[bool](e, `!!document.querySelector('.cg-reopen')`) {
		t.Error("no Cookie settings control on the next page")
	}
	e.noExceptions()
}

// TestRejectAll: rejecting loads nothing, sets nothing but the consent
// cookie, and the choice holds on other pages and after a reload.
func TestRejectAll(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	e.click(rejectButton)
	e.waitBannerGone()
	e.waitFor("the consent cookie", 5*time.Second, func() (bool, string) {
		names := e.cookieNames("")
		return slices.Contains(names, "consentgate"), fmt.Sprint(names)
	})
	time.Sleep(quiet)
	e.noStubTraffic("after Reject all")
	checkOnlyConsentCookie(t, e, "after Reject all")

	for _, path := range []string{"/", "/services/bins.html", "reload"} {
		if path == "reload" {
			e.do("reload", chromedp.Reload())
			e.settle()
		} else {
			e.open(path)
		}
		where := "after Reject all, on " + path
		e.noStubTraffic(where)
		checkOnlyConsentCookie(t, e, where)
		if s := e.bannerState(); s != "absent" {
			t.Errorf("%s: banner is %s, want absent", where, s)
		}
		if !evalJS[bool](e, `(() => { const r = document.querySelector('.cg-reopen'); return !!r && r.getClientRects().length > 0; })()`) {
			t.Errorf("%s: no visible .cg-reopen Cookie settings control", where)
		}
	}
	e.noExceptions()
}

func checkOnlyConsentCookie(t *testing.T, e *env, where string) {
	t.Helper()
	cs := e.cookies()
	if len(cs) != 1 || cs[0].Name != "consentgate" {
		t.Errorf("%s: cookies are %s, want only consentgate", where, describeCookies(cs))
	}
}

// TestSettingsAnalyticsOnly: the settings layer grants exactly the ticked
// category.
func TestSettingsAnalyticsOnly(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	e.click(settingsButton)
	e.waitFor("the settings panel", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `(() => { const p = document.getElementById('cg-settings'); return p ? (p.hidden ? 'hidden' : 'shown') : 'absent'; })()`)
		return err == nil && s == "shown", s
	})
	if got := e.location(); got != "/" {
		t.Fatalf("Cookie settings navigated to %s; with JavaScript it should open in place", got)
	}
	e.click(`#cg-c-analytics`)
	if !evalJS[bool](e, `document.getElementById('cg-c-analytics').checked`) {
		t.Fatal("analytics switch not ticked after clicking it")
	}
	inPlace := e.clickInPlace(`#cg-settings button[value="save"]`)
	e.waitRequests(5*time.Second, analyticsRequests...)
	e.waitFor("analytics cookies", 5*time.Second, func() (bool, string) {
		names := e.cookieNames(siteHost)
		return containsAll(names, append([]string{"consentgate"}, analyticsCookies...)...), fmt.Sprint(names)
	})
	time.Sleep(quiet)
	for _, r := range otherRequests {
		if n := e.stubs.count(r[0], r[1]); n > 0 {
			t.Errorf("%s%s requested %d time(s) with only analytics consented", r[0], r[1], n)
		}
	}
	for _, h := range []string{"connect.facebook.net", "www.facebook.com", "platform.twitter.com", "www.youtube.com", "www.youtube-nocookie.com"} {
		if n := e.stubs.count(h, "/"); n > 0 {
			t.Errorf("%s requested %d time(s) with only analytics consented", h, n)
		}
	}
	allowed := append([]string{"consentgate"}, analyticsCookies...)
	for _, c := range e.cookies() {
		if !slices.Contains(allowed, c.Name) {
			t.Errorf("cookie %s (domain %s) set with only analytics consented", c.Name, c.Domain)
		}
	}
	inPlace()
	if s := e.bannerState(); s == "visible" {
		t.Error("banner still visible after saving the settings")
	}
	if evalJS[bool](e, `(() => { const p = document.getElementById('cg-settings'); return !!p && !p.hidden; })()`) {
		t.Error("settings panel still open after saving")
	}
	if src := evalJS[string](e, `String(document.querySelector('`+youtubeIframe+`').getAttribute('src'))`); src != "null" {
		t.Errorf("YouTube iframe got src %q with only analytics consented", src)
	}
	e.noExceptions()
}

// TestNoJavaScript: the banner is a plain form that works without scripts.
func TestNoJavaScript(t *testing.T) {
	e := newEnv(t, "")
	e.disableJS()
	e.open("/services/bins.html")
	if s := e.bannerState(); s != "visible" {
		t.Fatalf("banner without JavaScript is %s, want visible", s)
	}
	// Chromium really runs no page script: <noscript> content is parsed
	// (the GTM iframe and the Meta pixel are elements now) and must be inert.
	e.noStubTraffic("without JavaScript, before any choice")

	// DevTools can still evaluate with page scripts off.
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(rejectButton)
	e.waitReload(10 * time.Second) // the POST, then the 303 back
	e.settle()
	if got := e.location(); got != "/services/bins.html" {
		t.Errorf("after Reject all without JavaScript the browser is on %s, want /services/bins.html", got)
	}
	checkOnlyConsentCookie(t, e, "after Reject all without JavaScript")
	if s := e.bannerState(); s != "absent" {
		t.Errorf("banner after Reject all without JavaScript is %s, want absent", s)
	}
	e.noStubTraffic("after Reject all without JavaScript")

	e.open("/")
	e.noStubTraffic("without JavaScript, on / after rejecting")
	if n := evalJS[int](e, `document.querySelectorAll('noscript').length`); n == 0 {
		t.Error("the home page has no <noscript>; the no-JS check of the GTM iframe and the pixel proves nothing")
	}
	if evalJS[bool](e, `window.firstPartyAnalyticsLoaded === true`) {
		t.Error("page scripts ran although script execution is disabled; this test proves nothing")
	}
}

// TestWithdrawal: withdrawing consent from the settings reloads the page
// without the trackers and with their cookies gone.
func TestWithdrawal(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	e.click(acceptButton)
	e.waitRequests(5*time.Second, append(slices.Clone(analyticsRequests), otherRequests...)...)
	e.waitFor("tracker cookies", 5*time.Second, func() (bool, string) {
		names := e.cookieNames(siteHost)
		return containsAll(names, "_ga", "_fbp"), fmt.Sprint(names)
	})
	time.Sleep(300 * time.Millisecond)

	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(`.cg-reopen`)
	e.waitFor("the settings panel", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `String(document.getElementById('cg-settings').hidden)`)
		return err == nil && s == "false", s
	})
	if !evalJS[bool](e, `document.getElementById('cg-c-analytics').checked && document.getElementById('cg-c-marketing').checked`) {
		t.Error("the settings panel does not show the categories just accepted as ticked")
	}
	e.stubs.reset()
	e.click(`#cg-settings button[value="reject_all"]`)
	e.waitReload(10 * time.Second)
	e.stubs.reset() // what the old page did in its last moments does not count
	time.Sleep(quiet)

	if got := e.location(); got != "/" {
		t.Errorf("after withdrawing the page is %s, want /", got)
	}
	names := e.cookieNames("")
	for _, c := range []string{"_ga", "_ga_DEMO12345", "__utma", "_hjSessionUser_1234567", "_fbp"} {
		if slices.Contains(names, c) {
			t.Errorf("cookie %s survived the withdrawal; cookies now: %s", c, describeCookies(e.cookies()))
		}
	}
	if !slices.Contains(names, "consentgate") {
		t.Error("no consent cookie after withdrawing")
	}
	e.noStubTraffic("after withdrawing and the reload")
	if s := e.bannerState(); s != "absent" {
		t.Errorf("banner after withdrawing is %s, want absent", s)
	}
	if n := evalJS[int](e, `document.querySelectorAll('[data-consent]').length`); n == 0 {
		t.Error("after withdrawing the server did not neutralise the trackers again")
	}
}

// TestActivationRunsEachScriptOnce: after Accept all every tracker script
// and every inline snippet has run exactly once.
func TestActivationRunsEachScriptOnce(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	inPlace := e.clickInPlace(acceptButton)
	e.waitRequests(5*time.Second, append(slices.Clone(analyticsRequests), otherRequests...)...)
	time.Sleep(quiet)
	inPlace()

	for _, name := range []string{"gtm", "gtagjs", "analyticsjs", "gajs", "hotjar", "fbevents", "fbsdk", "widgets"} {
		if n := evalJS[int](e, `window.__count_`+name+` || 0`); n != 1 {
			t.Errorf("stub %s ran %d time(s), want 1", name, n)
		}
	}
	for _, r := range append(slices.Clone(analyticsRequests), otherRequests...) {
		if n := e.stubs.count(r[0], r[1]); n != 1 {
			t.Errorf("%s%s requested %d time(s), want 1", r[0], r[1], n)
		}
	}
	inline := map[string]string{
		"GTM bootstrap pushed gtm.js once": `dataLayer.filter(x => x && x.event === 'gtm.js').length`,
		"gtag('config') called once":       `dataLayer.filter(x => x && x[0] === 'config').length`,
		"gtag('js') called once":           `dataLayer.filter(x => x && x[0] === 'js').length`,
		"ga() queued create+send once":     `(window.ga && window.ga.q || []).length / 2`,
		"_gaq pushed once":                 `(window._gaq || []).length / 2`,
		"fbq queued init+track once":       `(window.fbq && window.fbq.queue || []).length / 2`,
	}
	for what, expr := range inline {
		if n := evalJS[float64](e, expr); n != 1 {
			t.Errorf("%s: got %v", what, n)
		}
	}
	if !evalJS[bool](e, `window._hjSettings && window._hjSettings.hjid === 1234567`) {
		t.Error("the Hotjar bootstrap did not run")
	}
	// The Consent Mode update reached the dataLayer before the tags.
	if s := evalJS[string](e, `JSON.stringify(dataLayer.filter(x => x && x[0] === 'consent').map(x => [x[1], x[2].analytics_storage, x[2].ad_storage]))`); s != `[["default","denied","denied"],["update","granted","granted"]]` {
		t.Errorf("Consent Mode commands in dataLayer = %s, want default denied then update granted", s)
	}
	e.noExceptions()
}

// TestActivationOrder: consented blocking scripts are awaited one by one in
// document order, as the parser would have run them, so each inline snippet
// finds the library before it.
func TestActivationOrder(t *testing.T) {
	e := newEnv(t, extraPages)
	want := `["analyticsjs","inline-ga","gtagjs","inline-gtag","hotjar","inline-hj"]`
	// The inline scripts only call the vendors' APIs: they run before
	// consent against the guard's queue stubs (their calls are absorbed),
	// and only the loaders wait for consent, then load in document order.
	const calls = `["inline-ga","inline-gtag","inline-hj"`

	e.open("/e2e/order.html")
	e.noStubTraffic("order page before any choice")
	if got := evalJS[string](e, `JSON.stringify(window.__order)`); got != calls+"]" {
		t.Fatalf("before consent the scripts that only call a vendor ran %s, want %s]", got, calls)
	}
	inPlace := e.clickInPlace(acceptButton)
	e.waitFor("all six scripts to run", 8*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `JSON.stringify(window.__order)`)
		return err == nil && strings.Count(s, ",") >= 5, s
	})
	time.Sleep(quiet)
	inPlace()
	if got, want := evalJS[string](e, `JSON.stringify(window.__order)`), calls+`,"analyticsjs","gtagjs","hotjar"]`; got != want {
		t.Errorf("after Accept all scripts ran in the order %s, want the loaders in document order %s", got, want)
	}
	e.noExceptions()

	// The page as the parser runs it, now that it is served untouched: the
	// fixture itself gives the same order.
	e.open("/e2e/order.html")
	if got := evalJS[string](e, `JSON.stringify(window.__order)`); got != want {
		t.Errorf("served untouched, the order page ran %s, want %s (fixture broken?)", got, want)
	}
}

// extraPages serves e2e/testdata/site/e2e/ at /e2e/ as it is, and at
// /moved/ through handle_path, which rewrites the request path internally.
var extraPages = "handle /e2e/* {\n\troot * " + quoteCaddy(filepath.Join(testcaddy.RepoRoot(), "e2e", "testdata", "site")) +
	"\n\tfile_server\n}\nhandle_path /moved/* {\n\troot * " + quoteCaddy(filepath.Join(testcaddy.RepoRoot(), "e2e", "testdata", "site", "e2e")) +
	"\n\tfile_server\n}"

// TestReturnToAfterInternalRewrite: a choice made on a page that Caddy
// serves through an internal rewrite (handle_path, uri strip_prefix,
// try_files, rewrite) brings the visitor back to the URL they were on, not
// to the rewritten internal path.
func TestReturnToAfterInternalRewrite(t *testing.T) {
	e := newEnv(t, extraPages)
	e.disableJS() // the plain form path, independent of banner.js
	e.open("/moved/order.html")
	if got := evalJS[string](e, `document.querySelector('#cg-banner input[name=return_to]').value`); got != "/moved/order.html" {
		t.Errorf("banner return_to on /moved/order.html is %q, want /moved/order.html (the URL before handle_path rewrote it)", got)
	}
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(rejectButton)
	e.waitReload(10 * time.Second)
	if got := e.location(); got != "/moved/order.html" {
		t.Errorf("after Reject all on /moved/order.html the visitor is on %s, want /moved/order.html", got)
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
