package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// recordRequests collects the URL of every request the tab makes from now on.
func (e *env) recordRequests() func() []string {
	e.t.Helper()
	var mu sync.Mutex
	var urls []string
	ctx, cancel := context.WithCancel(e.ctx)
	e.t.Cleanup(cancel)
	evs := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range evs {
			if err != nil {
				return
			}
			mu.Lock()
			urls = append(urls, ev.Request.URL)
			mu.Unlock()
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}

// layoutShiftJS records every layout shift of the page from its start.
const layoutShiftJS = `window.__shifts = [];
new PerformanceObserver(list => { for (const s of list.getEntries()) window.__shifts.push({value: s.value, recent: s.hadRecentInput,
	sources: (s.sources || []).map(x => x.node ? (x.node.id || x.node.className || x.node.nodeName) : '?').join(',')}); })
	.observe({type: 'layout-shift', buffered: true});`

// TestRule20QuietBanner: the banner's own requests stay on the site's
// origin, and neither loading the page with the banner, nor showing it,
// nor making a choice moves the page's content (cumulative layout shift 0).
func TestRule20QuietBanner(t *testing.T) {
	e := newEnv(t, extraPages)
	e.addScriptOnNewDocument(layoutShiftJS)
	requests := e.recordRequests()
	for _, p := range []string{"/e2e/plain.html", "/"} {
		t.Run(strings.Trim(p, "/"), func(t *testing.T) {
			e.t = t
			e.open(p)
			e.openSettingsFromBanner()
			e.click(`#cg-settings .cg-close`)
			e.click(rejectButton)
			e.waitBannerGone()
			time.Sleep(500 * time.Millisecond)
			raw := evalJS[string](e, `JSON.stringify(window.__shifts)`)
			var shifts []struct {
				Value   float64
				Recent  bool
				Sources string
			}
			if err := json.Unmarshal([]byte(raw), &shifts); err != nil {
				t.Fatal(err)
			}
			total := 0.0
			for _, s := range shifts {
				total += s.Value
			}
			if total > 0 {
				t.Errorf("cumulative layout shift on %s through load, the banner and a choice is %.4f, want 0: %s", p, total, raw)
			}
			for _, u := range requests() {
				pu, err := url.Parse(u)
				if err != nil || pu.Scheme == "data" {
					continue
				}
				if pu.Scheme+"://"+pu.Host != e.base {
					t.Errorf("a request left the site's origin before consent: %s", u)
				}
			}
			// Clear the choice for the next page.
			if _, err := chromedp.Call(e.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	e.t = t
	e.noStubTraffic("banner shown and rejected")
	e.noExceptions()
}

// consentEntries lists the dataLayer as [kind, detail] pairs: consent
// commands with their analytics/ad state, other gtag commands and events.
const dataLayerJS = `JSON.stringify((window.dataLayer || []).map(x => {
	if (x && x[0] === 'consent') return 'consent ' + x[1] + ' a=' + x[2].analytics_storage + ' ad=' + x[2].ad_storage + ' ud=' + x[2].ad_user_data + ' ap=' + x[2].ad_personalization + (x[2].wait_for_update ? ' wait' : '');
	if (x && x.length !== undefined && x[0] !== undefined) return 'gtag ' + x[0];
	return 'event ' + (x && x.event);
}))`

func dataLayer(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(evalJS[string](e, dataLayerJS)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkConsentFirst: the entries up to the first non-consent one are
// exactly want.
func checkConsentFirst(t *testing.T, where string, dl []string, want ...string) {
	t.Helper()
	i := 0
	for i < len(dl) && strings.HasPrefix(dl[i], "consent ") {
		i++
	}
	if fmt.Sprint(dl[:i]) != fmt.Sprint(want) {
		t.Errorf("%s: Consent Mode commands before the first tag entry are %q, want %q (whole dataLayer %q)", where, dl[:i], want, dl)
	}
	if i == len(dl) && len(want) > 0 && strings.Contains(where, "after") {
		t.Errorf("%s: no Google tag entry in the dataLayer after the consent commands: %q", where, dl)
	}
}

const consentDefault = "consent default a=denied ad=denied ud=denied ap=denied wait"

// TestRule23ConsentModeBasic: the default (all denied, wait_for_update)
// comes before any Google tag entry; a choice adds an update mapped from
// the categories; the next page re-applies the stored state before its tags.
func TestRule23ConsentModeBasic(t *testing.T) {
	e := newEnv(t, "")
	e.open("/")
	checkConsentFirst(t, "before a choice", dataLayer(t, e), consentDefault)
	// The page's own gtag('js')/gtag('config') calls only queue in the
	// dataLayer (they run against the guard's stub); no Google tag loads.
	if dl := dataLayer(t, e); slices.ContainsFunc(dl, func(s string) bool { return strings.HasPrefix(s, "event gtm.") }) {
		t.Errorf("basic mode: before consent the dataLayer is %q: a Google tag ran", dl)
	}
	e.noStubTraffic("basic Consent Mode before a choice")

	e.openSettingsFromBanner()
	e.click(`#cg-c-analytics`)
	e.click(`#cg-settings button[value="save"]`)
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"})
	// The tag reads the queue when it loads: the update must be in it
	// before anything the tag itself pushed.
	dl := dataLayer(t, e)
	update, tag := slices.Index(dl, "consent update a=granted ad=denied ud=denied ap=denied"), slices.IndexFunc(dl, func(s string) bool { return strings.HasPrefix(s, "event gtm.") })
	if dl[0] != consentDefault || update < 0 || tag >= 0 && tag < update {
		t.Errorf("after saving analytics: want the default first and the analytics update before the tag's own entries, dataLayer %q", dl)
	}

	e.load("/services/bins.html")
	checkConsentFirst(t, "on the next page after analytics", dataLayer(t, e),
		consentDefault, "consent update a=granted ad=denied ud=denied ap=denied")

	e.load("/services/bins.html")
	e.click(`.cg-reopen`)
	e.waitSettings(true)
	e.click(`#cg-settings button[value="accept_all"]`)
	e.waitFor("the update", 5*time.Second, func() (bool, string) {
		dl := dataLayer(t, e)
		return strings.Contains(fmt.Sprint(dl), "a=granted ad=granted ud=granted ap=granted"), fmt.Sprint(dl)
	})
	e.noExceptions()
}

// TestRule23ConsentModeAdvanced: with consent_mode advanced the Google tags
// load before consent, but after the all-denied default; other trackers
// still wait.
func TestRule23ConsentModeAdvanced(t *testing.T) {
	e := newEnvWith(t, "consent_mode advanced", "")
	e.open("/")
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"}, [2]string{"www.googletagmanager.com", "/gtm.js"})
	dl := dataLayer(t, e)
	checkConsentFirst(t, "advanced, after the tags loaded without consent", dl, consentDefault)
	if strings.Contains(fmt.Sprint(dl), "granted") {
		t.Errorf("advanced mode granted something before a choice: %q", dl)
	}
	for _, h := range []string{"static.hotjar.com", "connect.facebook.net", "www.youtube.com", "www.youtube-nocookie.com", "platform.twitter.com"} {
		if n := e.stubs.count(h, "/"); n > 0 {
			t.Errorf("advanced mode loaded %s before consent (%d requests); only Google's tags may", h, n)
		}
	}
	e.noExceptions()
}

// TestRule24GPC: Sec-GPC: 1, and navigator.globalPrivacyControl alone, are
// each a Reject all: the banner says so, nothing loads, the next page has no
// banner.
func TestRule24GPC(t *testing.T) {
	t.Run("header", func(t *testing.T) {
		e := newEnv(t, "")
		if _, err := chromedp.Call(e.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
			t.Fatalf("Network.setExtraHTTPHeaders: %v", err)
		}
		checkGPC(t, e)
	})
	t.Run("navigator", func(t *testing.T) {
		e := newEnv(t, "")
		e.addScriptOnNewDocument(`Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true});`)
		checkGPC(t, e)
	})
}

func checkGPC(t *testing.T, e *env) {
	t.Helper()
	e.open("/")
	if got := evalJS[string](e, `(() => { const p = document.querySelector('#cg-banner .cg-gpc'); return p && !p.hidden && p.getClientRects().length ? p.textContent : ''; })()`); !strings.Contains(got, "Global Privacy Control") {
		t.Errorf("the banner does not show the GPC notice (got %q)", got)
	}
	c := e.waitConsentCookie()
	if bits := strings.Split(c.Value, ".")[2]; bits != "0" {
		t.Errorf("GPC: consent cookie grants %s, want nothing", bits)
	}
	e.noStubTraffic("with GPC")
	e.open("/services/bins.html")
	if s := e.bannerState(); s != "absent" {
		t.Errorf("GPC: the next page shows the banner (%s), want none", s)
	}
	e.noStubTraffic("with GPC, next page")
	e.noExceptions()
}

// TestStrictCSP: on a page whose CSP allows only nonce'd scripts
// ('strict-dynamic') and styles from 'self' or the nonce, the banner is
// styled, works, and triggers no CSP violation.
func TestStrictCSP(t *testing.T) {
	e := newEnv(t, extraPages+"\nheader /e2e/csp.html Content-Security-Policy \"script-src 'nonce-e2eNonce123' 'strict-dynamic'; style-src 'self' 'nonce-e2eNonce123'\"")
	e.addScriptOnNewDocument(`window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`)
	e.open("/e2e/csp.html")
	if got := evalJS[string](e, `getComputedStyle(document.getElementById('cg-banner')).position`); got != "fixed" {
		t.Errorf("under a strict CSP the banner is position:%s, want fixed (banner.css blocked?)", got)
	}
	if !evalJS[bool](e, `window.__pageScriptRan === true`) {
		t.Error("the page's own nonce'd script did not run: fixture broken")
	}
	e.click(acceptButton)
	e.waitBannerGone()
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"})
	time.Sleep(300 * time.Millisecond)
	if v := evalJS[string](e, `JSON.stringify(window.__csp)`); v != "[]" {
		t.Errorf("CSP violations: %s", v)
	}
	e.mu.Lock()
	for _, m := range e.console {
		if strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("console: %s", m.Text)
		}
	}
	e.mu.Unlock()
	e.noExceptions()
}
