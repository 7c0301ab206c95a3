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
	"github.com/consentgate/consentgate/trackers"
)

// guardSite serves e2e/testdata/guard/ at /guard/: pages whose first-party
// scripts load trackers at run time, every way they can.
var guardSite = "handle_path /guard/* {\n\troot * " + quoteCaddy(filepath.Join(testcaddy.RepoRoot(), "e2e", "testdata", "guard")) +
	"\n\tfile_server\n}"

// heldLoad is one load that routes.js (or the frame) starts at run time.
type heldLoad struct {
	name, host, path, query string
	category                string
	logged                  bool // an element the guard releases itself: its URL shows in window.__log, in held order
}

// YouTube embeds come back as youtube-nocookie (rule 21), whichever layer
// held them.

func (l heldLoad) url() string { return "https://" + l.host + l.path + "?" + l.query }

// runTimeLoads, in the order routes.js starts them.
var runTimeLoads = []heldLoad{
	{"createElement+src+appendChild", "www.googletagmanager.com", "/gtm.js", "id=GTM-CREATE", "analytics", true},
	{"setAttribute", "static.hotjar.com", "/c/hotjar-1.js", "sv=attr", "analytics", true},
	{"$.getScript", "www.google-analytics.com", "/analytics.js", "r=getscript", "analytics", true},
	{"new Image().src", "www.facebook.com", "/tr", "id=1&ev=image", "marketing", true},
	{"document.write script", "www.google-analytics.com", "/analytics.js", "r=write", "analytics", true},
	{"document.write split tag", "www.facebook.com", "/tr", "id=1&ev=split", "marketing", true},
	{"innerHTML", "www.youtube-nocookie.com", "/embed/inner", "", "media", true},
	{"insertAdjacentHTML", "www.facebook.com", "/tr", "id=1&ev=adjacent", "marketing", true},
	{"outerHTML", "www.youtube-nocookie.com", "/embed/outer", "", "media", true},
	{"src of an existing iframe", "www.youtube-nocookie.com", "/embed/existing", "", "media", true},
	{"fetch", "www.google-analytics.com", "/g/collect", "v=2&en=fetch", "analytics", false},
	{"XMLHttpRequest", "www.google-analytics.com", "/g/collect", "v=2&en=xhr", "analytics", false},
	{"sendBeacon", "www.google-analytics.com", "/g/collect", "v=2&en=beacon", "analytics", false},
	{"link preload", "www.googletagmanager.com", "/gtag/js", "id=G-PRELOAD", "analytics", true},
	{"social script", "platform.twitter.com", "/widgets.js", "r=create", "social", true},
	{"Range.createContextualFragment", "www.facebook.com", "/tr", "id=1&ev=fragment", "marketing", true},
	{"DOMParser output inserted", "www.facebook.com", "/tr", "id=1&ev=parser", "marketing", true},
	{"SVG image setAttributeNS", "www.facebook.com", "/tr", "id=1&ev=svg", "marketing", true},
	{"img srcset", "www.facebook.com", "/tr", "id=1&ev=srcset", "marketing", false},
	{"iframe srcdoc", "www.facebook.com", "/tr", "id=1&ev=srcdoc", "marketing", false},
	{"cloned template", "www.youtube-nocookie.com", "/embed/tpl", "", "media", false},
	{"lazy loader data-src", "www.facebook.com", "/tr", "id=1&ev=lazy", "marketing", false},
	{"server-held script moved by the site", "www.googletagmanager.com", "/gtm.js", "id=GTM-SERVER", "analytics", false},
	{"run-time pixel in a framed page", "www.facebook.com", "/tr", "id=1&ev=frame", "marketing", false},
	{"server-held script in a framed page", "connect.facebook.net", "/en_US/fbevents.js", "", "marketing", false},
}

// countLoad is how many requests for l reached the stubs.
func (e *env) countLoad(l heldLoad) int {
	n := 0
	for _, r := range e.stubs.requests() {
		if r.Host == l.host && r.Path == l.path && (l.query == "" || r.Query == l.query) {
			n++
		}
	}
	return n
}

// openGuardPage opens the run-time loads page before any choice and
// checks that nothing reached a tracker while the site's own code ran.
func openGuardPage(t *testing.T, e *env) {
	t.Helper()
	e.open("/guard/routes.html")
	e.waitFor("the framed page", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `document.getElementById('framed').contentDocument.readyState`)
		return err == nil && s == "complete", s
	})
	e.noStubTraffic("run-time loads before any choice")
	if got := evalJS[string](e, `JSON.stringify(window.__log)`); got != "[]" {
		t.Errorf("before any choice, elements received tracker URLs: %s", got)
	}
	if !evalJS[bool](e, `!!window.__cg`) {
		t.Fatal("no run-time guard on the page of a visitor without consent")
	}
	// Held elements stay where the site put them, as the server marks them.
	for sel, cat := range map[string]string{"#split": "marketing", "#inner iframe": "media", "#existing": "media"} {
		got := evalJS[string](e, `(e => e ? e.getAttribute('data-consent') + ' ' + e.hasAttribute('src') : 'missing')(document.querySelector('`+sel+`'))`)
		if got != cat+" false" {
			t.Errorf("%s: data-consent and src present = %q, want %q", sel, got, cat+" false")
		}
	}
	if got := evalJS[string](e, `document.querySelector('script[data-consent-src*="GTM-CREATE"]').type`); got != "text/plain" {
		t.Errorf("held script has type %q, want text/plain", got)
	}
	if !evalJS[bool](e, `window.__beacon === true && window.__fetched === 0 && window.__xhr === undefined`) {
		t.Errorf("held requests: beacon %v, fetched %v, xhr %v; want true, 0, undefined",
			evalJS[any](e, `window.__beacon`), evalJS[any](e, `window.__fetched`), evalJS[any](e, `window.__xhr`))
	}
	// The site's own code ran, through the same APIs, and its inline
	// handler calling a vendor global works.
	if !evalJS[bool](e, `window.__siteInit === true`) {
		t.Error("site.js did not finish: a vendor global call threw")
	}
	if !evalJS[bool](e, `dataLayer.some(x => x[0] === 'consent' && x[1] === 'default' && x[2].region)`) {
		t.Error("the site's own gtag('consent', 'default', ...) did not reach dataLayer")
	}
	e.do("submit the lead form", chromedp.Evaluate[chromedp.Void](`document.getElementById('lead').requestSubmit()`))
	if !evalJS[bool](e, `window.__validated === true`) {
		t.Error(`onsubmit="fbq('track','Lead'); return validate(this)" did not reach validate`)
	}
	e.waitFor("the site's own loads", 5*time.Second, func() (bool, string) {
		var got []string
		s, _ := tryJS[string](e, `JSON.stringify(window.__first)`)
		_ = json.Unmarshal([]byte(s), &got)
		return containsAll(got, "create", "attr", "write", "image", "inner", "fetch", "xhr"), s
	})
}

// TestGuardHoldsAndReleasesInOrder: every run-time route to a tracker is
// held before any choice (zero requests) while first-party loads through
// the same APIs go ahead; after Accept all each held item loads exactly
// once, the elements the guard held come back in held order, in place (the
// site's onload handlers fire), and nothing runs twice.
func TestGuardHoldsAndReleasesInOrder(t *testing.T) {
	e := newEnv(t, guardSite)
	openGuardPage(t, e)

	inPlace := e.clickInPlace(acceptButton)
	e.waitFor("every held load", 8*time.Second, func() (bool, string) {
		var missing []string
		for _, l := range runTimeLoads {
			if e.countLoad(l) == 0 {
				missing = append(missing, l.name)
			}
		}
		return len(missing) == 0, fmt.Sprintf("missing %v; requested %v", missing, e.stubs.requests())
	})
	e.waitFor("the held requests to settle", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `window.__fetched + ' ' + window.__xhr + ' ' + window.__loaded.length`)
		return err == nil && s == "1 204 5", s
	})
	time.Sleep(quiet)
	inPlace()
	for _, l := range runTimeLoads {
		if n := e.countLoad(l); n != 1 {
			t.Errorf("%s: %s requested %d times after Accept all, want 1", l.name, l.url(), n)
		}
	}
	var loaded []string
	_ = json.Unmarshal([]byte(evalJS[string](e, `JSON.stringify(window.__loaded)`)), &loaded)
	slices.Sort(loaded)
	if got := strings.Join(loaded, " "); got != "attr create getscript widgets write" {
		t.Errorf("onload handlers of held scripts fired for %q, want attr create getscript widgets write", got)
	}
	var log, order []string
	_ = json.Unmarshal([]byte(evalJS[string](e, `JSON.stringify(window.__log)`)), &log)
	for _, l := range runTimeLoads {
		if l.logged {
			order = append(order, strings.TrimSuffix(l.url(), "?"))
		}
	}
	var got []string
	for _, u := range log {
		if slices.Contains(order, u) {
			got = append(got, u)
		}
	}
	if !slices.Equal(got, order) {
		t.Errorf("held elements got their URLs back in the order\n  %s\nwant the order they were held\n  %s", strings.Join(got, "\n  "), strings.Join(order, "\n  "))
	}
	for name, n := range map[string]int{"gtm": 2, "analyticsjs": 2, "hotjar": 1, "widgets": 1} {
		if got := evalJS[int](e, `window.__count_`+name+` || 0`); got != n {
			t.Errorf("stub %s ran %d times, want %d", name, got, n)
		}
	}
	if n := evalJS[int](e, `document.querySelectorAll('[data-consent]').length`); n != 0 {
		t.Errorf("%d elements still held after Accept all", n)
	}
	// Clones of the template made now are live too.
	e.do("clone the template again", chromedp.Evaluate[chromedp.Void](`document.getElementById('cloned').appendChild(document.getElementById('tpl').content.cloneNode(true))`))
	e.waitFor("the second clone to load", 5*time.Second, func() (bool, string) {
		n := e.countLoad(heldLoad{host: "www.youtube-nocookie.com", path: "/embed/tpl"})
		return n == 2, fmt.Sprint(n)
	})
	// So are held elements that arrive later, as a fragment or page
	// snapshot served before the choice (Turbo's cache, htmx history).
	e.do("swap in a fragment held before the choice", chromedp.Evaluate[chromedp.Void](`document.body.insertAdjacentHTML('beforeend',
		'<div><iframe title="late" data-consent="media" data-consent-vendor="youtube" data-consent-src="https://www.youtube.com/embed/late" loading="lazy"></iframe></div>')`))
	e.waitRequests(5*time.Second, [2]string{"www.youtube-nocookie.com", "/embed/late"})
	if !evalJS[bool](e, `document.querySelector('iframe[title=late]').getAttribute('loading') === 'lazy'`) {
		t.Error("the late frame lost loading=lazy")
	}
	e.noExceptions()

	// Consented to everything, the visitor gets no guard at all: the page
	// as the site made it (YouTube as the site wrote it; the lazy loader
	// waits for a scroll).
	var want [][2]string
	for _, l := range runTimeLoads {
		if l.query != "id=1&ev=lazy" {
			want = append(want, [2]string{strings.Replace(l.host, "youtube-nocookie", "youtube", 1), l.path})
		}
	}
	e.stubs.reset()
	e.open("/guard/routes.html")
	if evalJS[bool](e, `'__cg' in window`) {
		t.Error("a visitor who consented to everything still got the run-time guard")
	}
	e.waitRequests(5*time.Second, want...)
}

// TestGuardCategoryOnly: consenting to one category releases exactly the
// held loads of that category; the others stay held, and their vendors'
// stubs keep absorbing calls.
func TestGuardCategoryOnly(t *testing.T) {
	e := newEnv(t, guardSite)
	openGuardPage(t, e)
	e.openSettingsFromBanner()
	e.click(`#cg-c-marketing`)
	inPlace := e.clickInPlace(`#cg-settings button[value="save"]`)
	var marketing []heldLoad
	for _, l := range runTimeLoads {
		if l.category == "marketing" {
			marketing = append(marketing, l)
		}
	}
	e.waitFor("the marketing loads", 8*time.Second, func() (bool, string) {
		for _, l := range marketing {
			if e.countLoad(l) == 0 {
				return false, l.name
			}
		}
		return true, ""
	})
	time.Sleep(quiet)
	inPlace()
	for _, l := range runTimeLoads {
		n, want := e.countLoad(l), 0
		if l.category == "marketing" {
			want = 1
		}
		if n != want {
			t.Errorf("%s (%s): requested %d times with only marketing consented, want %d", l.name, l.category, n, want)
		}
	}
	for _, h := range []string{"www.googletagmanager.com", "www.google-analytics.com", "static.hotjar.com", "platform.twitter.com", "www.youtube.com", "www.youtube-nocookie.com"} {
		if n := e.stubs.count(h, "/"); n > 0 {
			t.Errorf("%s requested %d times with only marketing consented", h, n)
		}
	}
	if !evalJS[bool](e, `window.__fetched === 0 && window.__xhr === undefined && typeof ga === 'function' && typeof hj === 'function'`) {
		t.Error("analytics requests released, or analytics stubs removed, with only marketing consented")
	}
	if evalJS[bool](e, `window.fbq !== undefined && !window.__count_fbevents`) {
		t.Error("the guard's fbq stub is still there once marketing is consented, and no Meta script replaced it")
	}
	e.noExceptions()
}

// guardCSPSite serves the same directory at /csp/ with a strict policy: a
// nonce and 'strict-dynamic' for scripts, no inline styles.
var guardCSPSite = "handle_path /csp/* {\n\theader Content-Security-Policy \"script-src 'nonce-e2eNonce123' 'strict-dynamic'; style-src 'self'; object-src 'none'; base-uri 'none'\"\n\troot * " +
	quoteCaddy(filepath.Join(testcaddy.RepoRoot(), "e2e", "testdata", "guard")) + "\n\tfile_server\n}"

// TestGuardStrictCSP: under script-src 'nonce-…' 'strict-dynamic' and
// style-src without 'unsafe-inline' the guard runs (it carries the nonce),
// holds what the page's trusted script starts, and everything comes back
// after Accept all, with zero CSP violations before or after.
func TestGuardStrictCSP(t *testing.T) {
	e := newEnv(t, guardCSPSite)
	e.addScriptOnNewDocument(`window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber), true);`)
	e.open("/csp/csp.html")
	e.noStubTraffic("strict-CSP page before any choice")
	if !evalJS[bool](e, `!!window.__cg`) {
		t.Fatal("the guard did not run under the page's strict CSP")
	}
	if !evalJS[bool](e, `document.querySelector('script[data-granted]').nonce === 'e2eNonce123'`) {
		t.Error("the guard does not carry the page's nonce")
	}
	if s := e.bannerState(); s != "visible" {
		t.Errorf("banner is %s on the strict-CSP page, want visible", s)
	}
	if got := evalJS[string](e, `JSON.stringify(window.__csp)`); got != "[]" {
		t.Errorf("CSP violations before any choice: %s", got)
	}
	inPlace := e.clickInPlace(acceptButton)
	e.waitRequests(8*time.Second,
		[2]string{"static.hotjar.com", "/c/hotjar-2.js"},
		[2]string{"www.googletagmanager.com", "/gtm.js"},
		[2]string{"www.facebook.com", "/tr"},
		[2]string{"www.google-analytics.com", "/g/collect"})
	e.waitFor("the held script's onload", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `JSON.stringify(window.__loaded)`)
		return err == nil && s == `["hotjar"]`, s
	})
	time.Sleep(quiet)
	inPlace()
	if got := evalJS[string](e, `JSON.stringify(window.__csp)`); got != "[]" {
		t.Errorf("CSP violations after Accept all: %s", got)
	}
	e.noExceptions()
}

// TestGuardXHTML: on an application/xhtml+xml page the guard (in CDATA)
// runs, and the HTML strings it rewrites stay well-formed XML, so the
// site's innerHTML and insertAdjacentHTML calls still work.
func TestGuardXHTML(t *testing.T) {
	e := newEnv(t, guardSite)
	e.open("/guard/page.xhtml")
	if got := evalJS[string](e, `document.contentType + ' ' + !!window.__cg + ' ' + !!window.__xhtmlDone`); got != "application/xhtml+xml true true" {
		t.Fatalf("content type, guard, site script done = %q, want application/xhtml+xml true true", got)
	}
	e.noStubTraffic("XHTML page before any choice")
	if got := evalJS[int](e, `document.querySelectorAll('#inner p, #adjacent p').length`); got != 2 {
		t.Errorf("the markup after the held elements: %d paragraphs, want 2", got)
	}
	inPlace := e.clickInPlace(acceptButton)
	e.waitRequests(8*time.Second,
		[2]string{"www.googletagmanager.com", "/gtm.js"},
		[2]string{"www.youtube-nocookie.com", "/embed/xhtml"},
		[2]string{"www.facebook.com", "/tr"})
	time.Sleep(quiet)
	inPlace()
	if got := evalJS[string](e, `JSON.stringify(window.__loaded)`); got != `["xhtml"]` {
		t.Errorf("onload of the held script: %s", got)
	}
	e.noExceptions()
}

// TestGuardMatchesLikeTheServer: the guard's copy of trackers.MatchURL,
// on the browser's own URL parser, names the same vendor as the server's
// for every URL form browsers accept (before any choice, so every
// category is held and only necessary exemptions pass).
func TestGuardMatchesLikeTheServer(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, guardSite)
	e.open("/guard/blank.html")
	for _, u := range []string{
		"https://www.googletagmanager.com/gtm.js?id=GTM-1",
		"//www.googletagmanager.com/gtag/js?id=AW-123",
		"https://www.googletagmanager.com/gtag/js?id=G-1",
		"https://www.googletagmanager.com/%67tm.js",
		"HTTPS://WWW.Google-Analytics.COM/analytics.js",
		"https://stats.g.doubleclick.net/g/collect",
		"https://www.face\tbook.com/tr?id=1",
		"https:\\\\www.facebook.com\\tr?id=1",
		"https://www.facebook.com/tr/",
		"https://www.facebook.com/travel",
		"https://connect.facebook.net/en_US/sdk.js",
		"https://connect.facebook.net/en_US/fbevents.js",
		"https://ww%77.hotjar.com/c/hotjar-1.js",
		"https://platform.twitter.com./widgets.js",
		"https://www.youtube.com/embed/x",
		"https://www.google.com/recaptcha/api.js",
		"https://example.org/gtm.js",
		"/guard/first.js",
		"javascript:void(0)",
		"data:image/gif;base64,R0lGODlh",
	} {
		want := ""
		if v := cat.MatchURL(u); v != nil && v.Category != trackers.Necessary {
			want = v.ID
		}
		q, _ := json.Marshal(u)
		if got := evalJS[string](e, `__cg.match(`+string(q)+`)`); got != want {
			t.Errorf("%q: the guard names %q, the server %q", u, got, want)
		}
	}
}

// TestGuardLateReleases: what Accept all brings back after the page has
// loaded comes back in place, as it would have loaded during parsing. A
// held inline script's document.write goes in after it (the page is not
// blanked by a new document) and the script it writes runs; a script WP
// Rocket delays runs although Rocket's loader already ran; frames whose
// lazy loader already ran get their src.
func TestGuardLateReleases(t *testing.T) {
	e := newEnv(t, guardSite)
	e.open("/guard/late.html")
	if !evalJS[bool](e, `window.__loaderRan === true`) {
		t.Fatal("the page's loader did not run at load")
	}
	inPlace := e.clickInPlace(acceptButton)
	loads := []heldLoad{
		{"document.write after load", "www.googletagmanager.com", "/gtag/js", "id=G-WRITE1", "analytics", false},
		{"rocketlazyloadscript", "www.googletagmanager.com", "/gtag/js", "id=G-ROCKET1", "analytics", false},
		{"data-lazy-src frame", "www.youtube.com", "/embed/LateRocket1", "", "media", false},
		{"data-src frame", "www.youtube-nocookie.com", "/embed/LateA3Lazy1", "", "media", false},
	}
	e.waitFor("the late releases", 8*time.Second, func() (bool, string) {
		for _, l := range loads {
			if e.countLoad(l) == 0 {
				return false, l.name
			}
		}
		return true, ""
	})
	inPlace()
	for _, l := range loads {
		if n := e.countLoad(l); n != 1 {
			t.Errorf("%s: requested %d times, want 1", l.name, n)
		}
	}
	if got := evalJS[string](e, `document.readyState + ' ' + !!document.getElementById('cg-root') + ' ' +
		(document.getElementById('written') || {}).previousElementSibling?.src`); got != "complete true https://www.googletagmanager.com/gtag/js?id=G-WRITE1" {
		t.Errorf("after Accept all: readyState, banner kept, element before the written <p> = %q; want the page kept and the written script before it", got)
	}
	e.noExceptions()
}
