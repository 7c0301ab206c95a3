package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// corpusExtraHosts are hosts the corpus pages load from besides vendorHosts:
// more tracker hosts, and third parties that are not trackers but must not
// be reached either (reCAPTCHA's gstatic, the AMP runtime).
var corpusExtraHosts = []string{
	"www.gstatic.com",
	"cdn.ampproject.org",
	"securepubads.g.doubleclick.net",
	"stats.g.doubleclick.net",
	"region1.google-analytics.com",
	"syndication.twitter.com",
}

// originHost is the name of the council's origin reached directly, without
// the module: the baseline each page is graded against.
const originHost = "origin.test"

// classify names the consent category a request to host+path needs, or ""
// for a host that is no tracker (reCAPTCHA, the AMP runtime, the site).
// It is written from REQUIREMENTS section G, independently of the catalogue.
func classify(host, p string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	in := func(domains ...string) bool {
		for _, d := range domains {
			if host == d || strings.HasSuffix(host, "."+d) {
				return true
			}
		}
		return false
	}
	switch {
	case in("googletagmanager.com"):
		return "analytics"
	case in("google-analytics.com", "analytics.google.com", "stats.g.doubleclick.net", "hotjar.com", "hotjar.io", "contentsquare.net"):
		return "analytics"
	case in("doubleclick.net", "googlesyndication.com", "googleadservices.com", "ads-twitter.com"):
		return "marketing"
	case in("youtube.com", "youtube-nocookie.com", "ytimg.com", "googlevideo.com"):
		return "media"
	case in("connect.facebook.net"):
		if path.Base(p) == "sdk.js" {
			return "social"
		}
		return "marketing"
	case in("facebook.com"):
		if p == "/tr" || strings.HasPrefix(p, "/tr/") {
			return "marketing"
		}
		return "social"
	case in("facebook.net"):
		return "marketing"
	case in("fbcdn.net", "twitter.com", "twimg.com", "x.com"):
		return "social"
	}
	return ""
}

// hostCategories are the categories any request to host could need: a TLS
// connection (which carries only the host name) is fine when one is granted.
func hostCategories(host string) []string {
	switch host = strings.ToLower(host); {
	case strings.HasSuffix(host, "connect.facebook.net"):
		return []string{"marketing", "social"}
	case host == "facebook.com" || strings.HasSuffix(host, ".facebook.com"):
		return []string{"marketing", "social"}
	}
	if c := classify(host, "/"); c != "" {
		return []string{c}
	}
	return nil
}

// trackerCookies maps the cookies the stubs (and the corpus origin) set to
// the categories that allow them: one is enough (Meta's fr comes from the
// social plugins and from the pixel).
func cookieCategories(name string) []string {
	switch {
	case name == "_ga" || strings.HasPrefix(name, "_ga_") || name == "_gid" || strings.HasPrefix(name, "_gat") ||
		strings.HasPrefix(name, "__utm") || strings.HasPrefix(name, "_hj") || name == "AMP_TOKEN" ||
		strings.HasPrefix(name, "_cs_") || strings.HasPrefix(name, "_dc_gtm_"):
		return []string{"analytics"}
	case name == "YSC" || name == "VISITOR_INFO1_LIVE" || name == "VISITOR_PRIVACY_METADATA" || name == "PREF":
		return []string{"media"}
	case name == "_fbp" || name == "_fbc" || strings.HasPrefix(name, "_gac_") || name == "IDE" || name == "test_cookie" || name == "_gcl_au":
		return []string{"marketing"}
	case name == "fr" || name == "datr":
		return []string{"marketing", "social"}
	case name == "guest_id" || name == "personalization_id" || name == "muc_ads":
		return []string{"social"}
	}
	return nil
}

// corpusStubs is the vendor stub server with the corpus's extra answers and
// a count of TLS connections per server name (SNI): a connection that
// sends no request still tells the vendor the visitor's address.
type corpusStubs struct {
	*stubServer
	sniMu sync.Mutex
	sni   map[string]int
	// inflight counts the requests being answered, so that a quiet wait
	// can tell an idle network from a slow answer.
	inflight atomic.Int32
}

func startCorpusStubs(t *testing.T) *corpusStubs {
	t.Helper()
	cs := &corpusStubs{stubServer: &stubServer{}, sni: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(cs.serve))
	cfg := stubTLSConfig(t)
	cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		cs.sniMu.Lock()
		cs.sni[strings.ToLower(h.ServerName)]++
		cs.sniMu.Unlock()
		return nil, nil
	}
	srv.Listener = newSniffListener(srv.Listener, cfg, cs.countConn)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	cs.srv = srv
	cs.addr = srv.Listener.Addr().String()
	t.Cleanup(srv.Close)
	return cs
}

func (cs *corpusStubs) resetAll() {
	cs.reset()
	cs.sniMu.Lock()
	clear(cs.sni)
	cs.sniMu.Unlock()
}

func (cs *corpusStubs) tlsHosts() map[string]int {
	cs.sniMu.Lock()
	defer cs.sniMu.Unlock()
	out := make(map[string]int, len(cs.sni))
	for k, v := range cs.sni {
		out[k] = v
	}
	return out
}

// storageHTML is a vendor frame that uses the visitor's device as the real
// one does (YouTube writes yt-remote-device-id even in privacy-enhanced mode).
func storageHTML(w http.ResponseWriter, title, key string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s (stub)</title></head><body><p>%s</p>"+
		"<script>try{localStorage.setItem(%q,'stub');sessionStorage.setItem(%q,'1')}catch(e){}</script></body></html>\n", title, title, key, key+"-session")
}

// serve answers what the corpus needs beyond the shared stubs, recording
// those requests the same way; everything else goes to the shared stubs.
func (cs *corpusStubs) serve(w http.ResponseWriter, r *http.Request) {
	cs.inflight.Add(1)
	defer cs.inflight.Add(-1)
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p := r.URL.Path
	record := func() {
		cs.mu.Lock()
		cs.reqs = append(cs.reqs, stubRequest{Host: host, Path: p, Query: r.URL.RawQuery, TLS: r.TLS != nil})
		cs.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	switch {
	case (host == "www.youtube.com" || host == "www.youtube-nocookie.com") && strings.HasPrefix(p, "/embed/"):
		record()
		http.SetCookie(w, &http.Cookie{Name: "YSC", Value: "stub", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
		http.SetCookie(w, &http.Cookie{Name: "VISITOR_INFO1_LIVE", Value: "stub", Path: "/", Secure: true, MaxAge: 15552000, SameSite: http.SameSiteNoneMode})
		storageHTML(w, "YouTube "+strings.TrimPrefix(p, "/embed/"), "yt-remote-device-id")
	case host == "www.facebook.com" && strings.HasPrefix(p, "/plugins/"):
		record()
		http.SetCookie(w, &http.Cookie{Name: "fr", Value: "stub", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
		storageHTML(w, "Facebook plugin", "fb-plugin")
	case host == "platform.twitter.com" && strings.HasPrefix(p, "/embed/"):
		record()
		http.SetCookie(w, &http.Cookie{Name: "guest_id", Value: "v1%3Astub", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode})
		storageHTML(w, "X post", "__twttr")
	case host == "www.google-analytics.com" && p == "/urchin.js":
		record()
		serveJS(w, "urchin", cookieJS("__utma", "1.2.3.4.5.6", true)+cookieJS("__utmz", "1.2.1.1.utmcsr=(direct)", true)+
			`window.urchinTracker=function(){new Image().src='http://www.google-analytics.com/__utm.gif?utmwv=1&utmn='+Math.random();};`)
	case host == "www.google-analytics.com" && p == "/__utm.gif", host == "www.facebook.com" && p == "/tr/":
		record()
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(gif1x1)
	case strings.HasSuffix(host, "google-analytics.com") && (p == "/g/collect" || p == "/collect" || p == "/j/collect"),
		host == "stats.g.doubleclick.net", host == "securepubads.g.doubleclick.net":
		record()
		w.WriteHeader(http.StatusNoContent)
	case host == "www.googletagmanager.com" && p == "/gtag/amp":
		record()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"vars":{},"requests":{}}`)
	case host == "www.google.com" && p == "/recaptcha/api.js":
		record()
		// As the real api.js, it calls the page's ?onload= function.
		onload, _ := json.Marshal(r.URL.Query().Get("onload"))
		serveJS(w, "recaptcha", `window.grecaptcha={ready:function(f){f()},render:function(){return 0},execute:function(){return Promise.resolve('stub-token')}};`+
			`var s=document.createElement('script');s.src='https://www.gstatic.com/recaptcha/releases/stub/recaptcha__en.js';(document.head||document.documentElement).appendChild(s);`+
			`if(typeof window[`+string(onload)+`]==='function')window[`+string(onload)+`]();`)
	case host == "www.gstatic.com" && strings.HasPrefix(p, "/recaptcha/"):
		record()
		serveJS(w, "recaptcharelease", "")
	case host == "cdn.ampproject.org" && p == "/v0.js":
		record()
		serveJS(w, "ampruntime", ampEmulator)
	case host == "cdn.ampproject.org" && strings.HasPrefix(p, "/v0/"):
		record()
		serveJS(w, "ampext", "")
	default:
		cs.stubServer.serve(w, r)
	}
}

// ampEmulator stands in for the AMP runtime, which the tests cannot reach:
// it makes each tracker component load what the real one loads, skips
// components marked data-block-on-consent (as amp-consent does while no
// consent is given), and watches for components added or unblocked later.
// Like the real runtime when its script is slow, it leaves the boilerplate
// hiding <body> in place.
const ampEmulator = `var done=new WeakSet();
function frame(el,src){var f=document.createElement('iframe');f.src=src;f.width=el.getAttribute('width')||300;f.height=el.getAttribute('height')||150;f.setAttribute('frameborder','0');el.appendChild(f);}
function one(el){if(done.has(el)||el.hasAttribute('data-block-on-consent'))return;var n=el.localName,a=function(k){return el.getAttribute(k)||''};
if(n==='amp-pixel'&&a('src')){done.add(el);new Image().src=a('src').replace(/RANDOM/g,String(Math.random()).slice(2));}
else if(n==='amp-analytics'){done.add(el);var c={};try{c=JSON.parse(el.querySelector('script[type="application/json"]').textContent)}catch(e){}
 if(a('type')==='gtag'){var id=(c.vars&&c.vars.gtag_id)||'';fetch('https://www.googletagmanager.com/gtag/amp?id='+encodeURIComponent(id),{mode:'no-cors'});new Image().src='https://www.google-analytics.com/g/collect?v=2&tid='+encodeURIComponent(id)+'&en=page_view';}
 var rq=c.requests||{};for(var k in rq){new Image().src=String(rq[k]);}}
else if(n==='amp-youtube'&&a('data-videoid')){done.add(el);frame(el,'https://www.youtube.com/embed/'+a('data-videoid'));}
else if(n==='amp-iframe'&&a('src')){done.add(el);frame(el,a('src'));}
else if(n==='amp-twitter'&&a('data-tweetid')){done.add(el);frame(el,'https://platform.twitter.com/embed/Tweet.html?id='+a('data-tweetid'));}
else if(n==='amp-facebook-page'&&a('data-href')){done.add(el);frame(el,'https://www.facebook.com/plugins/page.php?href='+encodeURIComponent(a('data-href')));}
else if(n==='amp-ad'&&a('type')==='doubleclick'){done.add(el);fetch('https://securepubads.g.doubleclick.net/gampad/ads?iu='+encodeURIComponent(a('data-slot')),{mode:'no-cors'});}}
function scan(){document.querySelectorAll('amp-pixel,amp-analytics,amp-youtube,amp-iframe,amp-twitter,amp-facebook-page,amp-ad').forEach(one);}
if(document.readyState==='loading')document.addEventListener('DOMContentLoaded',scan);else scan();
new MutationObserver(scan).observe(document.documentElement,{subtree:true,childList:true,attributes:true,attributeFilter:['data-block-on-consent']});`

// chromiumOptions are the flags of every test browser: headless, no
// background traffic, http:// hosts kept http://, and the host rules
// (after which anything else resolves nowhere, so that no test reaches the
// real network).
func chromiumOptions(bin, userDir string, rules ...string) []chromedp.ExecAllocatorOption {
	rules = append(rules, "MAP * ~NOTFOUND", "EXCLUDE localhost", "EXCLUDE 127.0.0.1")
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDir),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("ignore-certificate-errors", true),
		// http://council.test must stay http://: no HTTPS-Upgrades probe.
		chromedp.Flag("disable-features", "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
	}
}

// corpusHostRules map every vendor and corpus host to stubAddr, the site to
// loopback and the origin to originAddr.
func corpusHostRules(stubAddr, originAddr string) []string {
	var rules []string
	for _, h := range append(append([]string{}, vendorHosts...), corpusExtraHosts...) {
		rules = append(rules, "MAP "+h+" "+stubAddr)
	}
	return append(rules, "MAP "+siteHost+" 127.0.0.1", "MAP "+originHost+" "+originAddr)
}

// corpusWorker is one Chromium with its own vendor stubs, so that what
// reaches the stubs can be put down to the one visit the worker runs.
type corpusWorker struct {
	id      int
	stubs   *corpusStubs
	browser context.Context // the first tab: keeps the browser up
	cancel  func()
}

func startCorpusWorker(t *testing.T, id int, bin, originAddr string) *corpusWorker {
	t.Helper()
	w := &corpusWorker{id: id, stubs: startCorpusStubs(t)}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromiumOptions(bin, t.TempDir(), corpusHostRules(w.stubs.addr, originAddr)...)...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(tab); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	w.browser = tab
	w.cancel = func() { cancelTab(); cancelAlloc() }
	t.Cleanup(w.cancel)
	return w
}

// visit is one new tab in a fresh browser context (profile) of a worker's
// Chromium; its context ends with the visit.
type visit struct {
	w      *corpusWorker
	ctx    context.Context
	cancel func()
	bcID   string

	mu        sync.Mutex
	exc       []string
	inflight  map[network.RequestID]bool // the tab's requests not answered yet
	netEvents int
}

// corpusInitJS runs first in every document: it records CSP violations,
// which the grader reads back.
const corpusInitJS = `window.__cspv = []; document.addEventListener('securitypolicyviolation', e => window.__cspv.push(e.disposition + ' ' + e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber), true);`

func (w *corpusWorker) newVisit(jsOff bool) (*visit, error) {
	ctx, cancel := chromedp.NewContext(w.browser, chromedp.WithNewBrowserContext())
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	v := &visit{w: w, ctx: ctx, cancel: func() { cancelT(); cancel() }, inflight: map[network.RequestID]bool{}}
	if err := chromedp.Do(ctx); err != nil {
		v.cancel()
		return nil, fmt.Errorf("new browser context: %w", err)
	}
	v.bcID = string(chromedp.FromContext(ctx).BrowserContextID)
	if err := chromedp.Listen(ctx, v.network); err != nil {
		v.cancel()
		return nil, err
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() {
				v.mu.Lock()
				v.exc = append(v.exc, fmt.Sprintf("%s (%s:%d)", firstLine(m.Text), m.URL, m.Line+1))
				v.mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: corpusInitJS}); err != nil {
		v.cancel()
		return nil, err
	}
	if jsOff {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			v.cancel()
			return nil, err
		}
	}
	return v, nil
}

// network keeps the tab's requests in flight (its top document and
// same-origin frames; cross-site frames are counted at the stubs).
func (v *visit) network(ev any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		// A frame's document is answered in the frame's own target when
		// the frame is cross-site; the load event waits for frames anyway.
		if ev.Type != network.ResourceTypeDocument {
			v.inflight[ev.RequestID] = true
		}
	case *network.EventLoadingFinished:
		delete(v.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		delete(v.inflight, ev.RequestID)
	default:
		return
	}
	v.netEvents++
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (v *visit) exceptions() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.exc...)
}

// close closes the tab and disposes of its browser context, then lets stray
// requests of its last moments land before the worker's stubs are reset
// for the next visit.
func (v *visit) close() {
	v.cancel()
	for range 20 {
		if v.w.stubs.inflight.Load() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	v.w.stubs.resetAll()
}

func visitJS[T any](v *visit, expr string) (T, error) {
	return chromedp.Run(v.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

func (v *visit) navigate(u string) error {
	ctx, cancel := context.WithTimeout(v.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("open %s: %w", u, err)
	}
	return v.settle()
}

func (v *visit) reload() error {
	ctx, cancel := context.WithTimeout(v.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	return v.settle()
}

// waitUntil polls cond every 25 ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok || time.Now().After(deadline) {
			return ok, last
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// settle waits for the load event, then scrolls (see scroll).
func (v *visit) settle() error {
	if ok, last := waitUntil(10*time.Second, func() (bool, string) {
		s, err := visitJS[string](v, `document.readyState`)
		return err == nil && s == "complete", fmt.Sprint(s, err)
	}); !ok {
		return fmt.Errorf("page did not finish loading: %s", last)
	}
	return v.scroll()
}

// scroll scrolls to the foot of the page and back (lazy frames far down
// must get their chance), then waits for the network to go quiet.
func (v *visit) scroll() error {
	// Scrolled from Go, not with timers in the page: with JavaScript off
	// the page's timers never fire.
	h, err := visitJS[int](v, `Math.max(document.documentElement ? document.documentElement.scrollHeight : 0, document.body ? document.body.scrollHeight : 0)`)
	if err != nil {
		return fmt.Errorf("read the page height: %w", err)
	}
	for y := 800; y <= h; y += 800 {
		_, _ = visitJS[bool](v, fmt.Sprintf(`scrollTo(0, %d), true`, y))
		time.Sleep(60 * time.Millisecond) // a few rendered frames: lazy loading starts on one
	}
	if h > 800 {
		_, _ = visitJS[bool](v, `scrollTo(0, 0), true`)
	}
	v.quiet()
	return nil
}

// quiet waits until the network is quiet (see quietUntil).
func (v *visit) quiet() { v.quietUntil(func() bool { return false }) }

// quietUntil waits until done holds, or until nothing is in flight, in the
// tab or at the stubs, and nothing new has started for 250 ms; it gives up
// after 2 s (a request that never ends).
func (v *visit) quietUntil(done func() bool) {
	const idle, limit = 250 * time.Millisecond, 2 * time.Second
	last, since, start := -1, time.Now(), time.Now()
	for time.Since(start) < limit && !done() {
		v.mu.Lock()
		n, busy := v.netEvents, len(v.inflight) > 0
		v.mu.Unlock()
		n += len(v.w.stubs.requests()) + v.w.stubs.connections()
		busy = busy || v.w.stubs.inflight.Load() > 0
		if n != last || busy {
			last, since = n, time.Now()
		} else if time.Since(since) >= idle {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// click clicks sel with a DOM click, which works whatever covers the page
// (the AMP boilerplate hides <body>; whether the banner is visible is
// graded on its own).
func (v *visit) click(sel string) error {
	ok, err := visitJS[bool](v, `(() => { const el = document.querySelector(`+jsString(sel)+`); if (!el) return false; el.click(); return true; })()`)
	if err != nil || !ok {
		return fmt.Errorf("click %s: not found (%v)", sel, err)
	}
	return nil
}

// cookies lists the cookies of the visit's browser context.
func (v *visit) cookies() ([]*network.Cookie, error) {
	res, err := chromedp.CallBrowser(v.ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(v.ctx).BrowserContextID})
	if err != nil {
		return nil, err
	}
	return res.Cookies, nil
}

func (v *visit) waitConsentCookie() error {
	ok, last := waitUntil(6*time.Second, func() (bool, string) {
		cs, err := v.cookies()
		if err != nil {
			return false, err.Error()
		}
		for _, c := range cs {
			if c.Name == "consentgate" {
				return true, ""
			}
		}
		return false, describeCookies(cs)
	})
	if !ok {
		return fmt.Errorf("no consent cookie after the choice; cookies: %s", last)
	}
	return nil
}

// frameStorage reports the local and session storage entries of each
// cross-site frame (a separate target) on a tracker host, by URL. A frame
// whose storage cannot be read is an error unless it has gone meanwhile.
func (v *visit) frameStorage() (map[string]int, error) {
	out := map[string]int{}
	ts, err := chromedp.Targets(v.ctx)
	if err != nil {
		return nil, fmt.Errorf("list the frames: %w", err)
	}
	for _, ti := range ts {
		if ti.Type != "iframe" || string(ti.BrowserContextID) != v.bcID {
			continue
		}
		u, err := url.Parse(ti.URL)
		if err != nil || hostCategories(u.Hostname()) == nil {
			continue
		}
		k, err := v.frameStorageKeys(ti.TargetID)
		if err != nil {
			k, err = v.frameStorageKeys(ti.TargetID)
		}
		if err != nil {
			if now, lerr := chromedp.Targets(v.ctx); lerr == nil && !slices.ContainsFunc(now, func(n *target.Info) bool { return n.TargetID == ti.TargetID }) {
				continue
			}
			return nil, fmt.Errorf("read the storage of the frame %s: %w", ti.URL, err)
		}
		if k > 0 {
			out[ti.URL] += k
		}
	}
	return out, nil
}

// frameStorageKeys attaches a second session to the frame's target and
// detaches it again: by default chromedp closes a target it attached to
// when the context ends, and closing a frame's target closes the whole tab
// (which made every later read of the visit fail).
func (v *visit) frameStorageKeys(id target.ID) (int, error) {
	tctx, cancelT := context.WithTimeout(v.ctx, 3*time.Second)
	defer cancelT()
	fctx, cancel := chromedp.NewContext(tctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	defer cancel()
	return chromedp.Run(fctx, chromedp.Evaluate[int](`(() => { try { return localStorage.length + sessionStorage.length; } catch (e) { return 0; } })()`))
}
