package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// siteHost is the name the demo site is reached by, so that cookies behave
// as on a real domain (not an IP address or localhost).
const siteHost = "council.test"

// quiet is how long a page is left after its load event before a test
// asserts that something did not happen.
const quiet = 1200 * time.Millisecond

// chromiumPath finds Chromium. Without it the tests fail rather than skip:
// a missing browser must never pass the build silently (make test installs
// Debian's chromium when run as root).
func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("CHROMIUM_BIN"), "/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	t.Fatal("Chromium not found (looked for $CHROMIUM_BIN, /usr/bin/chromium and chromium/google-chrome on PATH): " +
		"install Debian's chromium (make test does, as root) or set CHROMIUM_BIN")
	return ""
}

// env is one test's world: the vendor stubs, Caddy serving the demo site
// through cookie_consent, and a fresh headless Chromium profile.
type env struct {
	t     *testing.T
	ctx   context.Context // the chromedp tab
	base  string          // http://council.test:PORT
	stubs *stubServer

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newEnv starts everything for one test. extraSite is added to the site
// block before the demo site's root and file_server.
func newEnv(t *testing.T, extraSite string) *env {
	t.Helper()
	return newEnvWith(t, "", extraSite)
}

// newEnvWith is newEnv with consentOpts added to the cookie_consent block
// (one subdirective a line, such as "gpc off" or "consent_mode advanced").
func newEnvWith(t *testing.T, consentOpts, extraSite string) *env {
	t.Helper()
	bin := chromiumPath(t)
	stubs := startStubServer(t)
	e := &env{t: t, stubs: stubs}
	e.startCaddy(consentOpts, extraSite)

	var rules []string
	for _, h := range vendorHosts {
		rules = append(rules, "MAP "+h+" "+stubs.addr)
	}
	opts := chromiumOptions(bin, t.TempDir(), append(rules, "MAP "+siteHost+" 127.0.0.1")...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(tabCtx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc() // waits for Chromium to exit, before its profile is removed
		if t.Failed() {
			e.mu.Lock()
			for _, m := range e.console {
				t.Logf("browser console: %s (%s:%d)", m, m.URL, m.Line+1)
			}
			e.mu.Unlock()
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	e.ctx = ctx
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			e.mu.Lock()
			e.console = append(e.console, m)
			e.mu.Unlock()
		}
	}()
	return e
}

// startCaddy (re)loads Caddy with the demo site behind cookie_consent and
// points e.base at it. Loading again replaces the running config: the port
// changes, but cookies belong to the host, so the browser keeps them.
func (e *env) startCaddy(consentOpts, extraSite string) {
	e.t.Helper()
	site := "cookie_consent {\n\tsite_name \"Llanwern County Council\"\n" + consentOpts + "\n}\n" + extraSite + "\n" +
		"root * " + quoteCaddy(filepath.Join(testcaddy.RepoRoot(), "testdata", "site")) + "\nfile_server\n"
	var lines []string // indented, so that Caddy does not warn about formatting
	for l := range strings.SplitSeq(site, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, "\t"+l)
		}
	}
	raw := testcaddy.Start(e.t, strings.Join(lines, "\n"), "http://"+siteHost+":{port}")
	u, err := url.Parse(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	e.base = "http://" + siteHost + ":" + u.Port()
}

func quoteCaddy(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// exceptions returns the uncaught exceptions the pages have thrown so far.
func (e *env) exceptions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, m := range e.console {
		if m.IsException() {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
		}
	}
	return out
}

func (e *env) noExceptions() {
	e.t.Helper()
	if ex := e.exceptions(); len(ex) > 0 {
		e.t.Errorf("the pages threw %d uncaught exception(s):\n  %s", len(ex), strings.Join(ex, "\n  "))
	}
}

func (e *env) do(desc string, steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(e.ctx, steps...); err != nil {
		e.t.Fatalf("%s: %v", desc, err)
	}
}

// open navigates to path on the site, waits for the load event and then for
// the page to go quiet.
func (e *env) open(path string) {
	e.t.Helper()
	e.do("open "+path, chromedp.Navigate(e.base+path))
	e.settle()
}

// settle waits for the document to finish loading, then a little longer, so
// that anything a page would fetch late has had its chance.
func (e *env) settle() {
	e.t.Helper()
	e.waitFor("the page to finish loading", 10*time.Second, func() (bool, string) {
		s, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.readyState`))
		return err == nil && s == "complete", "readyState " + s
	})
	time.Sleep(quiet)
}

// waitFor polls cond until it holds or timeout passes; the string cond
// returns says what was seen last, for the failure message.
func (e *env) waitFor(what string, timeout time.Duration, cond func() (bool, string)) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %v waiting for %s; last seen: %s", timeout, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// evalJS evaluates expr in the page and decodes its result.
func evalJS[T any](e *env, expr string) T {
	e.t.Helper()
	v, err := chromedp.Run(e.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		e.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// tryJS is evalJS for polling, across navigations: errors are returned.
func tryJS[T any](e *env, expr string) (T, error) {
	return chromedp.Run(e.ctx, chromedp.Evaluate[T](expr))
}

func (e *env) click(sel string) {
	e.t.Helper()
	e.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// location is the path (and query) of the current page.
func (e *env) location() string {
	e.t.Helper()
	// The history entry, unlike location.href, keeps the URL of a page
	// that failed to load (Chromium shows chrome-error://chromewebdata/).
	h, err := chromedp.Run(e.ctx, chromedp.NavigationEntries())
	if err != nil {
		e.t.Fatal(err)
	}
	if h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
		e.t.Fatalf("no current navigation entry: %+v", h)
	}
	// The fragment is left out: a choice posted without JavaScript returns
	// to #cg-saved, its message, and the tests ask which page it was.
	u, _, _ := strings.Cut(h.Entries[h.CurrentIndex].URL, "#")
	return strings.TrimPrefix(u, e.base)
}

// cookies returns every cookie in the browser profile, for every site.
func (e *env) cookies() []*network.Cookie {
	e.t.Helper()
	res, err := chromedp.CallBrowser(e.ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		e.t.Fatalf("Storage.getCookies: %v", err)
	}
	return res.Cookies
}

// cookieNames lists the names of the cookies for domain (host-only or
// domain cookies), or of every cookie when domain is empty, sorted.
func (e *env) cookieNames(domain string) []string {
	e.t.Helper()
	var names []string
	for _, c := range e.cookies() {
		if domain == "" || strings.TrimPrefix(c.Domain, ".") == domain {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return names
}

func describeCookies(cs []*network.Cookie) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%q (domain %s, path %s)", c.Name, c.Value, c.Domain, c.Path))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// disableJS turns script execution off for the tab, before navigating.
func (e *env) disableJS() {
	e.t.Helper()
	if _, err := chromedp.Call(e.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		e.t.Fatalf("Emulation.setScriptExecutionDisabled: %v", err)
	}
}

// bannerState reports how the consent banner is shown: "visible", "hidden"
// (in the DOM but not rendered), "offscreen" or "absent".
func (e *env) bannerState() string {
	e.t.Helper()
	return evalJS[string](e, bannerStateJS)
}

const bannerStateJS = `(() => {
	const b = document.getElementById('cg-banner');
	if (!b) return 'absent';
	const cs = getComputedStyle(b);
	if (b.hidden || cs.display === 'none' || cs.visibility === 'hidden' || b.getClientRects().length === 0) return 'hidden';
	const r = b.getBoundingClientRect();
	// On screen means inside the visual viewport: what the visitor sees.
	const v = window.visualViewport || {offsetTop: 0, offsetLeft: 0, height: innerHeight, width: innerWidth};
	return r.height > 0 && r.width > 0 && r.bottom > v.offsetTop && r.top < v.offsetTop + v.height &&
		r.right > v.offsetLeft && r.left < v.offsetLeft + v.width ? 'visible' : 'offscreen';
})()`

// waitBannerGone waits until the banner is no longer shown.
func (e *env) waitBannerGone() {
	e.t.Helper()
	e.waitFor("the banner to hide", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, bannerStateJS)
		return err == nil && (s == "hidden" || s == "absent"), s
	})
}

// waitRequests waits until every host/path prefix in want has been requested
// from the stubs.
func (e *env) waitRequests(timeout time.Duration, want ...[2]string) {
	e.t.Helper()
	e.waitFor("requests to the vendor stubs", timeout, func() (bool, string) {
		var missing []string
		for _, w := range want {
			if e.stubs.count(w[0], w[1]) == 0 {
				missing = append(missing, w[0]+w[1])
			}
		}
		return len(missing) == 0, fmt.Sprintf("missing %v; requested %v", missing, e.stubs.requests())
	})
}

// noStubTraffic fails the test if anything reached the vendor stubs.
func (e *env) noStubTraffic(when string) {
	e.t.Helper()
	if reqs := e.stubs.requests(); len(reqs) > 0 {
		e.t.Errorf("%s: %d request(s) reached tracker hosts: %v", when, len(reqs), reqs)
	} else if n := e.stubs.connections(); n > 0 {
		e.t.Errorf("%s: the browser opened %d connection(s) to tracker hosts (no request was sent, but the vendor saw the visitor's IP)", when, n)
	}
}

// clickInPlace clicks a consent control whose choice should apply in place,
// without a reload, and returns a check that it did.
func (e *env) clickInPlace(sel string) (checkNoReload func()) {
	e.t.Helper()
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(sel)
	return func() {
		e.t.Helper()
		if kept, err := tryJS[bool](e, `window.__marker === 1`); err != nil || !kept {
			e.t.Errorf("clicking %s reloaded the page instead of applying the choice in place", sel)
		}
	}
}

// waitReload waits for a navigation that drops window.__marker to finish.
func (e *env) waitReload(timeout time.Duration) {
	e.t.Helper()
	e.waitFor("the page to reload", timeout, func() (bool, string) {
		s, err := tryJS[string](e, `(window.__marker === undefined ? 'new' : 'old') + ' ' + document.readyState`)
		if err != nil {
			return false, err.Error()
		}
		return s == "new complete", s
	})
}

// load navigates to path and waits for the load event, without the quiet
// period of open: for pages where nothing is asserted not to happen.
func (e *env) load(path string) {
	e.t.Helper()
	e.do("open "+path, chromedp.Navigate(e.base+path))
	e.waitFor("the page to finish loading", 10*time.Second, func() (bool, string) {
		s, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.readyState`))
		return err == nil && s == "complete", "readyState " + s
	})
}

// contextTimeout bounds one slow step in the tab.
func contextTimeout(e *env, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(e.ctx, d)
}

// settingsOpen reports whether the settings layer is shown.
const settingsOpenJS = `(() => { const p = document.getElementById('cg-settings'); return !!p && !p.hidden && p.getClientRects().length > 0; })()`

// waitSettings waits for the settings layer to be shown (open) or hidden.
func (e *env) waitSettings(open bool) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("the settings layer open=%v", open), 5*time.Second, func() (bool, string) {
		s, err := tryJS[bool](e, settingsOpenJS)
		return err == nil && s == open, fmt.Sprint(s, err)
	})
}

// openSettingsFromBanner clicks the banner's Settings button and waits for
// the settings layer, in place.
func (e *env) openSettingsFromBanner() {
	e.t.Helper()
	e.click(settingsButton)
	e.waitSettings(true)
}

// key presses one key (kb constants) in the page.
func (e *env) key(k string, opts ...chromedp.KeyOption) {
	e.t.Helper()
	e.do("press key", chromedp.KeyEvent(k, opts...))
}

// consentCookie returns the consent cookie, or nil.
func (e *env) consentCookie() *network.Cookie {
	e.t.Helper()
	for _, c := range e.cookies() {
		if c.Name == "consentgate" {
			return c
		}
	}
	return nil
}

// waitConsentCookie waits for the consent cookie to be set.
func (e *env) waitConsentCookie() *network.Cookie {
	e.t.Helper()
	var c *network.Cookie
	e.waitFor("the consent cookie", 5*time.Second, func() (bool, string) {
		c = e.consentCookie()
		return c != nil, describeCookies(e.cookies())
	})
	return c
}

// addScriptOnNewDocument runs src in every document before its own scripts.
func (e *env) addScriptOnNewDocument(src string) {
	e.t.Helper()
	if _, err := chromedp.Call(e.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		e.t.Fatalf("Page.addScriptToEvaluateOnNewDocument: %v", err)
	}
}

// viewport emulates a window of width×height CSS pixels.
func (e *env) viewport(width, height int64, mobile bool, scale float64) {
	e.t.Helper()
	if _, err := chromedp.Call(e.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: width, Height: height, DeviceScaleFactor: scale, Mobile: mobile,
	}); err != nil {
		e.t.Fatalf("Emulation.setDeviceMetricsOverride: %v", err)
	}
}
