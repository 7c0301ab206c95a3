package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const testSecret = "e2e-shared-secret-0123456789"

// TestRule15RepromptOnPolicyChange: a choice survives a restart with the
// same secret and policy version; a new policy_version asks again, and the
// renewed choice keeps the consent ID.
func TestRule15RepromptOnPolicyChange(t *testing.T) {
	opts := func(v string) string { return "secret " + testSecret + "\npolicy_version " + v }
	e := newEnvWith(t, opts("2024-05"), "")
	e.load("/")
	e.click(rejectButton)
	id := strings.Split(e.waitConsentCookie().Value, ".")[1]

	e.startCaddy(opts("2024-05"), "")
	e.load("/")
	if s := e.bannerState(); s != "absent" {
		t.Fatalf("after a restart with the same secret and policy version the banner is %s, want absent (the choice stands)", s)
	}

	e.startCaddy(opts("2024-06"), "")
	e.load("/")
	if s := e.bannerState(); s != "visible" {
		t.Errorf("after policy_version changed the banner is %s, want visible (ask again)", s)
	}
	e.noStubTraffic("after the policy changed, before a new choice")
	e.click(acceptButton)
	e.waitBannerGone()
	e.waitFor("the renewed choice", 5*time.Second, func() (bool, string) {
		c := e.consentCookie()
		return c != nil && strings.Split(c.Value, ".")[2] != "0", describeCookies(e.cookies())
	})
	if got := strings.Split(e.consentCookie().Value, ".")[1]; got != id {
		t.Errorf("the renewed choice has consent ID %s, want the visitor's %s kept", got, id)
	}
	e.noExceptions()
}

// TestRule15ChoiceExpires: a stored choice older than the configured
// max-age counts as no choice on the server, even if the browser kept the
// cookie longer.
func TestRule15ChoiceExpires(t *testing.T) {
	e := newEnvWith(t, "reject_max_age 2s\naccept_max_age 1h", "")
	e.load("/")
	e.click(rejectButton)
	c := e.waitConsentCookie()
	if c.Expires <= 0 || c.Expires > float64(time.Now().Add(10*time.Second).Unix()) {
		t.Errorf("reject_max_age 2s: the cookie expires at %v, want about 2s from now", c.Expires)
	}
	// The browser keeps it for a year, as a browser with a wrong clock or a
	// copied cookie would.
	setCookie := func() {
		exp := cdp.TimeSinceEpoch(time.Now().Add(365 * 24 * time.Hour).Unix())
		if _, err := chromedp.Call(e.ctx, network.SetCookie, network.SetCookieParams{
			Name: c.Name, Value: c.Value, Domain: siteHost, Path: "/", HTTPOnly: new(true),
			SameSite: network.CookieSameSiteLax, Expires: exp,
		}); err != nil {
			t.Fatalf("Network.setCookie: %v", err)
		}
	}
	setCookie()
	e.load("/?probe")
	if s := e.bannerState(); s != "absent" {
		t.Fatalf("within max-age the banner is %s, want absent (this test proves nothing otherwise)", s)
	}
	time.Sleep(2500 * time.Millisecond)
	setCookie()
	e.load("/services/bins.html")
	if s := e.bannerState(); s != "visible" {
		t.Errorf("after reject_max_age passed the banner is %s, want visible", s)
	}
	if got := evalJS[string](e, `(document.querySelector('#cg-settings .cg-id code') || {}).textContent || ''`); got != "" {
		t.Errorf("an expired choice still shows consent ID %q as current", got)
	}
	e.noStubTraffic("after the choice expired")

	// A page seen while the choice stood must not come back from the
	// browser's cache once it has expired: the cookie is the same, so
	// Vary: Cookie does not help, and Last-Modified makes the page
	// heuristically fresh.
	e.load("/?probe")
	if s := e.bannerState(); s != "visible" {
		t.Errorf("revisiting /?probe after the choice expired: banner %s, want visible; response headers of the page: %s", s,
			evalJS[string](e, `JSON.stringify(performance.getEntriesByType('navigation').map(n => n.transferSize === 0 ? 'served from the browser cache' : 'fetched'))`))
	}
}

var consentValueRE = regexp.MustCompile(`^1\.[a-z2-7]{26}\.[0-9a-f]{1,2}\.[0-9a-f]{6}-[0-9a-f]{10}\.[0-9]{10}\.[A-Za-z0-9_-]{22}$`)

// TestRule16MinimalCookie: the consent cookie is host-only, Path=/,
// SameSite=Lax, HttpOnly, of the documented format, and the banner stores
// nothing else on the device.
func TestRule16MinimalCookie(t *testing.T) {
	e := newEnv(t, extraPages)
	e.load("/e2e/plain.html")
	e.openSettingsFromBanner()
	e.click(`#cg-c-analytics`)
	e.click(`#cg-settings button[value="save"]`)
	c := e.waitConsentCookie()
	if c.Path != "/" {
		t.Errorf("consent cookie Path=%s, want /", c.Path)
	}
	if c.SameSite != network.CookieSameSiteLax {
		t.Errorf("consent cookie SameSite=%s, want Lax", c.SameSite)
	}
	if !c.HTTPOnly {
		t.Error("consent cookie is not HttpOnly")
	}
	if c.Domain != siteHost {
		t.Errorf("consent cookie domain %q, want host-only %q (no Domain attribute)", c.Domain, siteHost)
	}
	if c.Secure {
		t.Error("consent cookie is Secure on an http:// site; the browser would drop it")
	}
	if c.Session {
		t.Error("consent cookie is a session cookie, want an expiry")
	} else if days := (c.Expires - float64(time.Now().Unix())) / 86400; days < 300 || days > 395 {
		t.Errorf("an acceptance is kept %.0f days, want the default 12 months", days)
	}
	if !consentValueRE.MatchString(c.Value) {
		t.Errorf("consent cookie value %q is not 1.<id>.<bits>.<version>.<unix>.<mac>", c.Value)
	} else if bits := strings.Split(c.Value, ".")[2]; bits != "1" {
		t.Errorf("analytics only: category bits %s, want 1", bits)
	}
	if s := evalJS[string](e, `document.cookie`); s != "" {
		t.Errorf("document.cookie reads %q; the consent cookie must not be readable by scripts", s)
	}
	stored, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`(async () => {
		const dbs = indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [];
		const caches_ = window.caches ? await caches.keys() : [];
		return JSON.stringify({local: Object.keys(localStorage), session: Object.keys(sessionStorage), idb: dbs, caches: caches_});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if stored != `{"local":[],"session":[],"idb":[],"caches":[]}` {
		t.Errorf("the banner stored something besides its cookie: %s", stored)
	}
	if names := e.cookieNames(""); len(names) != 1 {
		t.Errorf("cookies after the choice: %v, want only consentgate", names)
	}
	e.noExceptions()
}

// TestRule17NoJSSettingsPage: without JavaScript the banner's Settings
// button leads to the settings page, whose form saves a choice of
// categories and goes back (303) to the page the visitor was on.
func TestRule17NoJSSettingsPage(t *testing.T) {
	e := newEnv(t, "")
	e.disableJS()
	e.open("/services/bins.html")
	e.click(settingsButton)
	e.waitFor("the settings page", 10*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `location.pathname + ' ' + document.readyState`)
		return err == nil && s == "/_consent/settings complete", s
	})
	if n := evalJS[int](e, `document.querySelectorAll('form[method=post] input[type=checkbox][name=category]:not(:checked)').length`); n != 4 {
		t.Errorf("the settings page has %d unticked category boxes, want 4", n)
	}
	e.click(`#cg-c-media`)
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(`button[value="save"]`)
	e.waitReload(10 * time.Second)
	e.settle()
	if got := e.location(); got != "/services/bins.html" {
		t.Errorf("after saving the settings without JavaScript the browser is on %s, want /services/bins.html", got)
	}
	c := e.consentCookie()
	if c == nil {
		t.Fatal("no consent cookie after saving the settings page")
	}
	if bits := strings.Split(c.Value, ".")[2]; bits != "2" {
		t.Errorf("embedded video only: category bits %s, want 2", bits)
	}
	if s := e.bannerState(); s != "absent" {
		t.Errorf("banner after saving is %s, want absent", s)
	}
	e.noStubTraffic("without JavaScript, after allowing embedded video")
	if evalJS[bool](e, `window.firstPartyAnalyticsLoaded === true`) {
		t.Error("page scripts ran although script execution is disabled; this test proves nothing")
	}
}
