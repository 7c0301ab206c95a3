package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// corpusPage is one entry of testdata/corpus/corpus.json: what a page is
// and what its own code does, so that the grader can tell breakage from
// blocking.
type corpusPage struct {
	Name string `json:"name"`
	// Path is the page's URL path (and query) on the site.
	Path string `json:"path"`
	// Kind: "document" (HTML), "xhtml", "amp" or "svg" (a top-level SVG
	// image, which gets no banner; choices are made on /corpus/blank.html).
	Kind string `json:"kind"`
	// Markers are the names the page's first-party scripts push to
	// window.__marks (in the page or a same-origin frame): each must be
	// there in every visit with JavaScript on.
	Markers []string `json:"markers"`
	// Categories are those of the trackers the page loads as the site made
	// it; the baseline visit must load exactly these.
	Categories []string `json:"categories"`
	// Action is run in the page after it settles, in the baseline and in
	// every visit with JavaScript on (submitting a form, say).
	Action string `json:"action,omitempty"`
	// Fragments are requests a script of the page makes for a fragment,
	// checked on the wire too: "path|Header: value".
	Fragments []string `json:"fragments,omitempty"`
	// PreloadOnly are trackers (host+path) that the site only preloads in
	// a Link header: a choice made in place cannot load them (nothing in
	// the page asks for them); a reload does.
	PreloadOnly []string `json:"preloadOnly,omitempty"`
}

type corpusManifest struct {
	Pages []corpusPage `json:"pages"`
}

var allCategories = []string{"analytics", "media", "social", "marketing"}

// TestCorpus grades every corpus page in every scenario in Chromium, with
// cookie_consent alone in front of reverse_proxy to the council's origin,
// against the same page served by the origin directly (the baseline).
// Each failed check is reported with the page, the scenario and what was
// seen; the last line counts the checks.
func TestCorpus(t *testing.T) {
	bin := chromiumPath(t)
	raw, err := os.ReadFile(filepath.Join(corpusDir(), "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m corpusManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("corpus.json: %v", err)
	}
	if only := os.Getenv("CORPUS_PAGES"); only != "" {
		want := strings.Split(only, ",")
		m.Pages = slices.DeleteFunc(m.Pages, func(p corpusPage) bool { return !slices.Contains(want, p.Name) })
	}

	origin := startCorpusOrigin(t)
	site := "cookie_consent {\n\tsite_name \"Llanwern County Council\"\n}\nreverse_proxy " + origin.addr() + "\n"
	var lines []string
	for l := range strings.SplitSeq(site, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, "\t"+l)
		}
	}
	_, port, _ := strings.Cut(strings.TrimPrefix(startCaddyRaw(t, strings.Join(lines, "\n")), "http://"), ":")
	g := &grader{t: t, base: "http://" + siteHost + ":" + port, origin: "http://" + originHost + ":" + strings.Split(origin.addr(), ":")[1]}
	g.t.Logf("corpus: %d pages; site %s, origin %s", len(m.Pages), g.base, g.origin)

	for _, p := range m.Pages {
		g.serverChecks(p)
	}

	workers := 3
	if n, err := strconv.Atoi(os.Getenv("CORPUS_WORKERS")); err == nil && n > 0 {
		workers = n
	}
	jobs := make(chan corpusPage)
	var wg sync.WaitGroup
	for i := range workers {
		w := startCorpusWorker(t, i, bin, "127.0.0.1:"+strings.Split(origin.addr(), ":")[1])
		wg.Go(func() {
			for p := range jobs {
				g.gradePage(w, p)
			}
		})
	}
	start := time.Now()
	for _, p := range m.Pages {
		jobs <- p
	}
	close(jobs)
	wg.Wait()

	g.mu.Lock()
	defer g.mu.Unlock()
	byPage := map[string][]string{}
	for _, r := range g.results {
		if !r.ok {
			byPage[r.page] = append(byPage[r.page], r.scenario+"/"+r.check)
		}
	}
	names := make([]string, 0, len(byPage))
	for n := range byPage {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("corpus: %s fails %s", n, strings.Join(byPage[n], ", "))
	}
	summary := fmt.Sprintf("corpus: %d passed, %d failed", g.passed, g.failed)
	t.Logf("%d pages, browser part %v", len(m.Pages), time.Since(start).Round(time.Second))
	t.Log(summary)
	fmt.Println(summary)
	if g.failed > 0 {
		t.Fail()
	}
}

// startCaddyRaw starts Caddy with site as the body of the council.test site
// block and returns its base URL.
func startCaddyRaw(t *testing.T, site string) string {
	t.Helper()
	return testcaddy.Start(t, site, "http://"+siteHost+":{port}")
}

type checkResult struct {
	page, scenario, check string
	ok                    bool
}

// grader collects the checks of every visit.
type grader struct {
	t            *testing.T
	base, origin string

	mu             sync.Mutex
	results        []checkResult
	passed, failed int
}

// check records one check; a failure is reported with t.Errorf naming the
// page, the scenario and what happened.
func (g *grader) check(page, scenario, name string, ok bool, format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.results = append(g.results, checkResult{page, scenario, name, ok})
	if ok {
		g.passed++
		return
	}
	g.failed++
	g.t.Errorf("corpus %s [%s] %s: %s", page, scenario, name, fmt.Sprintf(format, args...))
}

// observation is what one visit saw, graded against the page's baseline.
type observation struct {
	requests    map[string]int // host+path at the stubs
	tlsHosts    map[string]int
	cookies     map[string]string // name → domain
	storage     map[string]int
	marks       []string
	exceptions  []string
	csp         []string
	banners     int // #cg-root in the top document
	frameBanner int // #cg-root in same-origin frames
	bannerState string
	held        int // <cg-held> elements: AMP components held back
	readyState  string
	dom         snapshot
	inPlace     bool
}

type snapshot struct {
	Lines       []string `json:"lines"`
	ParserError bool     `json:"parsererror"`
	NS          string   `json:"ns"`
}

// baseline is the page served by the origin directly, with and without
// JavaScript.
type baseline struct {
	js, nojs      *observation
	trackers      map[string]int // host+path → count, JS on
	necessary     []string       // non-tracker third-party host+path, JS on
	domNorm, noJS snapshot
}

func requestKey(r stubRequest) string { return r.Host + r.Path }

func keyCategory(k string) string {
	host, p, _ := strings.Cut(k, "/")
	return classify(host, "/"+p)
}

// observe reads everything the grader needs from the visit's current page.
// Any read that fails is an error, never an empty result: a check must not
// pass because nothing could be read.
func (v *visit) observe(mode string, jsOn bool) (*observation, error) {
	o := &observation{requests: map[string]int{}, cookies: map[string]string{}}
	var page struct {
		Marks       []string `json:"marks"`
		CSP         []string `json:"csp"`
		InPlace     bool     `json:"inPlace"`
		Banners     int      `json:"banners"`
		FrameBanner int      `json:"frameBanner"`
		BannerState string   `json:"bannerState"`
		Held        int      `json:"held"`
		ReadyState  string   `json:"readyState"`
		DOM         snapshot `json:"dom"`
	}
	s, err := visitJS[string](v, `JSON.stringify({marks: JSON.parse(`+marksJS+`), csp: JSON.parse(`+cspJS+`), inPlace: window.__cgInPlace === 1,
		banners: document.querySelectorAll('#cg-root').length, frameBanner: `+frameBannersJS+`, bannerState: `+bannerStateJS+`,
		held: document.getElementsByTagName('cg-held').length, readyState: document.readyState, dom: JSON.parse((`+snapshotJS+`)(`+jsString(mode)+`))})`)
	if err != nil {
		return nil, fmt.Errorf("read the page: %w", err)
	}
	if err := json.Unmarshal([]byte(s), &page); err != nil {
		return nil, fmt.Errorf("read the page: %w", err)
	}
	if len(page.DOM.Lines) == 0 {
		return nil, fmt.Errorf("read the page: the DOM snapshot is empty")
	}
	if jsOn {
		o.marks, o.csp, o.inPlace = page.Marks, page.CSP, page.InPlace
	}
	o.banners, o.frameBanner, o.bannerState, o.held, o.readyState, o.dom = page.Banners, page.FrameBanner, page.BannerState, page.Held, page.ReadyState, page.DOM
	cs, err := v.cookies()
	if err != nil {
		return nil, fmt.Errorf("read the cookies: %w", err)
	}
	for _, c := range cs {
		o.cookies[c.Name] = c.Domain
	}
	if o.storage, err = v.frameStorage(); err != nil {
		return nil, err
	}
	// The wire last: whatever the reads above caused is counted too.
	for _, r := range v.w.stubs.requests() {
		o.requests[requestKey(r)]++
	}
	o.tlsHosts = v.w.stubs.tlsHosts()
	o.exceptions = v.exceptions()
	return o, nil
}

// marksJS gathers window.__marks from the page and every same-origin frame
// (iframe, object, embed), recursively.
const marksJS = `(() => { const out = []; const walk = w => { try { for (const m of (w.__marks || [])) out.push(String(m)); } catch (e) { return; }
	for (let i = 0; i < w.length; i++) walk(w[i]); }; walk(window); return JSON.stringify(out); })()`

const cspJS = `(() => { const out = []; const walk = w => { try { for (const m of (w.__cspv || [])) out.push(String(m)); } catch (e) { return; }
	for (let i = 0; i < w.length; i++) walk(w[i]); }; walk(window); return JSON.stringify(out); })()`

// frameBannersJS counts banners in same-origin frames. A held embed's
// placeholder (an iframe with data-consent-ph, whose srcdoc holds the
// consent form) is the de-tracked frame, not a banner.
const frameBannersJS = `(() => { let n = 0; const walk = (w, top) => { try { if (!top) { if (w.frameElement && w.frameElement.hasAttribute('data-consent-ph')) return; n += w.document.querySelectorAll('#cg-root').length; } } catch (e) { return; }
	for (let i = 0; i < w.length; i++) walk(w[i], false); }; walk(window, true); return n; })()`

// snapshotJS serialises the DOM outside the module's own elements (#cg-root,
// anything cg-/data-cg, /_consent/ assets) one node a line. In mode "norm"
// it leaves out what consent may legitimately change: elements that point
// at a tracker host (in any attribute, as browsers parse URLs) and the AMP
// tracker components, data-consent* attributes, srcdoc, a script's type,
// comments and the content of <noscript> and <template>.
const snapshotJS = `(mode) => {
	const TRACK = /(googletagmanager\.com|google-analytics\.com|analytics\.google\.com|doubleclick\.net|hotjar\.(com|io)|contentsquare\.net|youtube(-nocookie)?\.com|ytimg\.com|googlevideo\.com|facebook\.(com|net)|fbcdn\.net|twitter\.com|twimg\.com|platform\.x\.com|googlesyndication\.com|googleadservices\.com)/i;
	const AMPT = /amp-(analytics|pixel|youtube|iframe|twitter|facebook|ad\b)/;
	const norm = mode === 'norm';
	const hash = s => { let x = 0x811c9dc5; for (let i = 0; i < s.length; i++) { x ^= s.charCodeAt(i); x = Math.imul(x, 0x01000193) >>> 0; } return x.toString(16); };
	const short = s => s.length > 100 ? s.slice(0, 100) + '…#' + hash(s) + '/' + s.length : s;
	const clean = s => s.replace(/[\t\r\n]/g, '').replace(/\\/g, '/');
	const own = el => (el.id || '').startsWith('cg-') || [...el.attributes].some(a => a.name.startsWith('data-cg')) ||
		[...(el.classList || [])].some(c => c.startsWith('cg-')) || /\/_consent\//.test(el.getAttribute('src') || el.getAttribute('href') || '');
	const tracky = el => AMPT.test(el.localName) || el.localName === 'cg-held' || el.hasAttribute('data-consent-ph') || [...el.attributes].some(a => TRACK.test(clean(a.value)));
	const lines = [];
	const walk = (node, depth) => {
		const pad = '  '.repeat(depth);
		for (const c of node.childNodes) {
			if (c.nodeType === 3) { const t = c.data.replace(/\s+/g, ' ').trim(); if (t) lines.push(pad + JSON.stringify(short(t))); continue; }
			if (c.nodeType === 8) { if (!norm) lines.push(pad + '<!--' + short(c.data) + '-->'); continue; }
			if (c.nodeType !== 1 || own(c) || (norm && tracky(c))) continue;
			const tag = c.namespaceURI === 'http://www.w3.org/1999/xhtml' ? c.localName : (c.namespaceURI === 'http://www.w3.org/2000/svg' ? 'svg:' : c.namespaceURI + ':') + c.localName;
			const attrs = [...c.attributes].filter(a => a.name !== 'nonce' && !(norm && (a.name.startsWith('data-consent') || a.name === 'srcdoc' || (c.localName === 'script' && a.name === 'type'))) && !(a.name === 'style' && (c === document.documentElement || c === document.body)))
				.map(a => a.name + '=' + JSON.stringify(short(a.value.replace(/'nonce-[^']*'/g, "'nonce-*'")))).sort();
			lines.push(pad + '<' + tag + (attrs.length ? ' ' + attrs.join(' ') : '') + '>');
			if (c.localName === 'noscript' && norm) continue;
			if (c.localName === 'template') { if (!norm && c.content) walk(c.content, depth + 1); continue; }
			walk(c, depth + 1);
		}
	};
	walk(document, 0);
	return JSON.stringify({lines, parsererror: !!document.querySelector('parsererror'), ns: document.documentElement ? document.documentElement.namespaceURI : ''});
}`

// runAction runs the page's action, then waits for the traffic it causes.
func (v *visit) runAction(p corpusPage) error {
	if p.Action == "" {
		return nil
	}
	if _, err := visitJS[bool](v, `(() => { try { `+p.Action+` } catch (e) { setTimeout(() => { throw e; }); } return true; })()`); err != nil {
		return fmt.Errorf("run the page's action: %w", err)
	}
	v.quiet()
	return nil
}

// retried runs fn in a fresh visit, and once more in another if the grader
// itself failed (the browser, not the page under test).
func retried[T any](w *corpusWorker, jsOff bool, fn func(*visit) (T, error)) (T, error) {
	var out T
	var err error
	for range 2 {
		var v *visit
		if v, err = w.newVisit(jsOff); err != nil {
			continue
		}
		out, err = fn(v)
		v.close()
		if err == nil {
			return out, nil
		}
	}
	return out, err
}

// takeBaseline visits the page on the origin directly, with JavaScript and
// then, in the same profile (the origin's HTML does not depend on cookies),
// without.
func (g *grader) takeBaseline(w *corpusWorker, p corpusPage) (*baseline, error) {
	return retried(w, false, func(v *visit) (*baseline, error) {
		b := &baseline{trackers: map[string]int{}}
		if err := v.navigate(g.origin + p.Path); err != nil {
			return nil, err
		}
		if err := v.runAction(p); err != nil {
			return nil, err
		}
		o, err := v.observe("norm", true)
		if err != nil {
			return nil, err
		}
		// b.js.dom is the exact snapshot, b.domNorm the normalised one.
		b.js, b.domNorm = o, o.dom
		s, err := visitJS[string](v, "("+snapshotJS+")('exact')")
		if err != nil {
			return nil, fmt.Errorf("read the page: %w", err)
		}
		o.dom = snapshot{}
		if err := json.Unmarshal([]byte(s), &o.dom); err != nil || len(o.dom.Lines) == 0 {
			return nil, fmt.Errorf("read the page: empty or unreadable exact snapshot (%v)", err)
		}
		for k, n := range o.requests {
			if keyCategory(k) != "" {
				b.trackers[k] = n
			} else {
				b.necessary = append(b.necessary, k)
			}
		}
		if _, err := chromedp.Call(v.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			return nil, err
		}
		if err := v.navigate(g.origin + p.Path); err != nil {
			return nil, err
		}
		if b.nojs, err = v.observe("norm", false); err != nil {
			return nil, fmt.Errorf("without JavaScript: %w", err)
		}
		b.noJS = b.nojs.dom
		return b, nil
	})
}

// scenario is one way a visitor meets the page.
type scenario struct {
	name    string
	jsOff   bool
	granted []string // categories granted when the page is graded
	exact   bool     // the DOM must match the baseline exactly
	want    bool     // the granted categories' trackers must load
	inPlace bool     // the choice applies without a reload
	cookies string   // "all", or "first-party" after a withdrawal
}

// chain is scenarios played one after the other in one visit, each graded
// on the state the one before left: a first visit is where a rejection
// starts, an accepted page is reloaded and then withdrawn from.
type chain []scenario

// chainsFor are the page's scenarios. One category at a time is graded on
// pages with trackers of two categories or more: with one, it is "accept".
func chainsFor(p corpusPage, cats []string) []chain {
	all := allCategories
	accept := chain{}
	if p.Kind != "svg" {
		accept = append(accept, scenario{name: "accept", granted: all, want: true, inPlace: true})
	}
	accept = append(accept,
		scenario{name: "accept-reload", granted: all, want: true, exact: true},
		scenario{name: "withdraw", cookies: "first-party"})
	out := []chain{
		{{name: "js-off", jsOff: true}},
		{{name: "first-visit"}, {name: "reject-reload"}},
		accept,
	}
	if len(cats) >= 2 {
		for _, c := range cats {
			out = append(out, chain{{name: "only-" + c, granted: []string{c}, want: true, inPlace: p.Kind != "svg"}})
		}
	}
	return out
}

// gradePage takes the page's baseline, then runs and grades every scenario.
func (g *grader) gradePage(w *corpusWorker, p corpusPage) {
	start := time.Now()
	b, err := g.takeBaseline(w, p)
	if err != nil {
		g.check(p.Name, "baseline", "grader", false, "grader error (after a retry): %v", err)
		return
	}
	var cats []string
	for k := range b.trackers {
		if c := keyCategory(k); !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	sort.Strings(cats)
	want := slices.Clone(p.Categories)
	sort.Strings(want)
	g.check(p.Name, "baseline", "corpus-categories", slices.Equal(cats, want),
		"the page served without the module loads trackers of %v (%v), corpus.json says %v: fix the corpus", cats, keys(b.trackers), want)
	missing := missingMarks(p.Markers, b.js.marks)
	g.check(p.Name, "baseline", "corpus-markers", len(missing) == 0 && len(b.js.exceptions) == 0,
		"without the module: markers %v did not run (ran %v), exceptions %v: fix the corpus", missing, b.js.marks, b.js.exceptions)

	for _, ch := range chainsFor(p, cats) {
		obs, err := retried(w, ch[0].jsOff, func(v *visit) ([]*observation, error) {
			return g.play(v, p, ch, b)
		})
		if err != nil {
			g.check(p.Name, ch[len(obs)].name, "grader", false, "grader error (after a retry): %v", err)
		}
		for i, o := range obs {
			g.grade(p, ch[i], b, o)
		}
	}
	if d := time.Since(start); d > 30*time.Second {
		g.t.Logf("corpus %s took %v", p.Name, d.Round(time.Millisecond))
	}
}

const (
	cgAccept   = `#cg-banner button[value="accept_all"]`
	cgReject   = `#cg-banner button[value="reject_all"]`
	cgSettings = `#cg-banner button[value="settings"]`
)

// play runs a chain's steps in one fresh profile and observes the page
// after each scenario. On an error it returns the observations so far,
// which are whole.
func (g *grader) play(v *visit, p corpusPage, ch chain, b *baseline) ([]*observation, error) {
	page := g.base + p.Path
	choicePage := page
	if p.Kind == "svg" {
		choicePage = g.base + "/corpus/blank.html"
	}
	openForChoice := func() error {
		if err := v.navigate(choicePage); err != nil {
			return err
		}
		if choicePage == page {
			if err := v.runAction(p); err != nil {
				return err
			}
		}
		_, err := visitJS[bool](v, `window.__cgInPlace = 1, true`)
		return err
	}
	// reopen shows the page again after a choice: a reload, or the SVG
	// after the page where the choice was made.
	reopen := func() error {
		if choicePage != page {
			return v.navigate(page)
		}
		if err := v.reload(); err != nil {
			return err
		}
		return v.runAction(p)
	}
	// waitTrackers waits until the granted trackers of the baseline have
	// loaded, or the network has gone quiet without them.
	waitTrackers := func(granted []string) {
		v.quietUntil(func() bool {
			seen := map[string]bool{}
			for _, r := range v.w.stubs.requests() {
				seen[requestKey(r)] = true
			}
			for k := range b.trackers {
				if slices.Contains(granted, keyCategory(k)) && !seen[k] {
					return false
				}
			}
			return true
		})
		v.quiet()
	}
	choose := func(sel string) error {
		if err := v.click(sel); err != nil {
			return err
		}
		return v.waitConsentCookie()
	}
	var out []*observation
	for _, sc := range ch {
		if err := g.step(v, p, sc, page, choicePage, openForChoice, reopen, waitTrackers, choose); err != nil {
			return out, fmt.Errorf("%s: %w", sc.name, err)
		}
		mode := "norm"
		if sc.exact {
			mode = "exact"
		}
		o, err := v.observe(mode, !sc.jsOff)
		if err != nil {
			return out, fmt.Errorf("%s: %w", sc.name, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// step brings the visit from where the chain's previous scenario left it
// to the state sc grades.
func (g *grader) step(v *visit, p corpusPage, sc scenario, page, choicePage string,
	openForChoice, reopen func() error, waitTrackers func([]string), choose func(string) error) error {
	switch {
	case sc.name == "js-off":
		return v.navigate(page)
	case sc.name == "first-visit":
		if err := v.navigate(page); err != nil {
			return err
		}
		return v.runAction(p)
	case sc.name == "reject-reload":
		// After first-visit: everything since the first visit counts.
		if choicePage != page {
			if err := v.navigate(choicePage); err != nil {
				return err
			}
		}
		if err := choose(cgReject); err != nil {
			return err
		}
		return reopen()
	case sc.name == "accept":
		if err := openForChoice(); err != nil {
			return err
		}
		if err := choose(cgAccept); err != nil {
			return err
		}
		// The held items come back; lazy ones far down the page need a scroll.
		v.quiet()
		if err := v.scroll(); err != nil {
			return err
		}
		waitTrackers(sc.granted)
	case sc.name == "accept-reload":
		// After accept (in place), or from the start for an SVG.
		if p.Kind == "svg" {
			if err := openForChoice(); err != nil {
				return err
			}
			if err := choose(cgAccept); err != nil {
				return err
			}
		}
		v.quiet()
		v.w.stubs.resetAll() // the reload alone must load each tracker as the site does
		if err := reopen(); err != nil {
			return err
		}
		waitTrackers(sc.granted)
	case strings.HasPrefix(sc.name, "only-"):
		if err := openForChoice(); err != nil {
			return err
		}
		if err := v.click(cgSettings); err != nil {
			return err
		}
		if ok, last := waitUntil(5*time.Second, func() (bool, string) {
			s, err := visitJS[bool](v, settingsOpenJS)
			return err == nil && s, fmt.Sprint(s, err)
		}); !ok {
			return fmt.Errorf("the settings layer did not open: %s", last)
		}
		if err := v.click("#cg-c-" + sc.granted[0]); err != nil {
			return err
		}
		if err := choose(`#cg-settings button[value="save"]`); err != nil {
			return err
		}
		if choicePage == page {
			v.quiet()
			if err := v.scroll(); err != nil {
				return err
			}
		} else if err := v.navigate(page); err != nil {
			return err
		}
		waitTrackers(sc.granted)
	case sc.name == "withdraw":
		// After accept-reload: every category is granted and loaded.
		if choicePage != page {
			if err := v.navigate(choicePage); err != nil {
				return err
			}
		}
		if _, err := visitJS[bool](v, `window.__cgWithdraw = 1, true`); err != nil {
			return err
		}
		if err := v.click(".cg-reopen"); err != nil {
			return err
		}
		if ok, last := waitUntil(5*time.Second, func() (bool, string) {
			s, err := visitJS[bool](v, settingsOpenJS)
			return err == nil && s, fmt.Sprint(s, err)
		}); !ok {
			return fmt.Errorf("the settings layer did not open from .cg-reopen: %s", last)
		}
		v.quiet()
		v.w.stubs.resetAll() // what the withdrawal and the reload it causes load counts
		if err := v.click(`#cg-settings button[value="reject_all"]`); err != nil {
			return err
		}
		if ok, last := waitUntil(10*time.Second, func() (bool, string) {
			s, err := visitJS[string](v, `(window.__cgWithdraw === undefined ? 'new' : 'old') + ' ' + document.readyState`)
			return err == nil && s == "new complete", fmt.Sprint(s, err)
		}); !ok {
			return fmt.Errorf("withdrawing did not reload the page: %s", last)
		}
		if choicePage != page {
			return v.navigate(page)
		}
		if err := v.scroll(); err != nil {
			return err
		}
		return v.runAction(p)
	default:
		return fmt.Errorf("unknown scenario %q", sc.name)
	}
	return nil
}

// grade checks one visit against the page's baseline.
func (g *grader) grade(p corpusPage, sc scenario, b *baseline, o *observation) {
	c := func(name string, ok bool, format string, args ...any) {
		g.check(p.Name, sc.name, name, ok, format, args...)
	}
	granted := func(cats []string) bool {
		for _, cat := range cats {
			if slices.Contains(sc.granted, cat) {
				return true
			}
		}
		return false
	}

	var bad []string
	for k, n := range o.requests {
		if cat := keyCategory(k); cat != "" && !slices.Contains(sc.granted, cat) {
			bad = append(bad, fmt.Sprintf("%s ×%d (%s)", k, n, cat))
		}
	}
	sort.Strings(bad)
	c("tracker-requests", len(bad) == 0, "%d request(s) to trackers not consented to: %s", len(bad), strings.Join(bad, ", "))

	bad = bad[:0]
	for h, n := range o.tlsHosts {
		if cats := hostCategories(h); cats != nil && !granted(cats) {
			bad = append(bad, fmt.Sprintf("%s ×%d", h, n))
		}
	}
	sort.Strings(bad)
	c("tracker-connections", len(bad) == 0, "TLS connections to tracker hosts not consented to: %s", strings.Join(bad, ", "))

	bad = bad[:0]
	for name, domain := range o.cookies {
		cats := cookieCategories(name)
		if cats == nil || granted(cats) {
			continue
		}
		if sc.cookies == "first-party" && strings.TrimPrefix(domain, ".") != siteHost {
			continue // a third party's cookie the site cannot delete
		}
		bad = append(bad, name+" ("+domain+")")
	}
	sort.Strings(bad)
	c("tracker-cookies", len(bad) == 0, "tracker cookies of categories not consented to: %s", strings.Join(bad, ", "))

	bad = bad[:0]
	for u, n := range o.storage {
		if pu, err := parseHost(u); err == nil && !granted(hostCategories(pu)) {
			bad = append(bad, fmt.Sprintf("%s (%d key(s))", u, n))
		}
	}
	c("tracker-storage", len(bad) == 0, "local/session storage in tracker frames not consented to: %s", strings.Join(bad, ", "))

	wantBanners := 1
	if p.Kind == "svg" {
		wantBanners = 0
	}
	// Browsers send Sec-Fetch-Dest only to secure origins, and the corpus is
	// served over plain http: a framed page cannot be told from a page
	// there, and only its banner's script removes it (README, known
	// limits). With JavaScript off that banner stays; over https it is
	// never sent (TestWhatIsInsertedDependsOnTheResponseKind).
	frameBannerOK := o.frameBanner == 0 || sc.name == "js-off"
	c("one-banner", o.banners == wantBanners && frameBannerOK,
		"#cg-root: %d in the top document (want %d), %d in same-origin frames (want 0)", o.banners, wantBanners, o.frameBanner)
	if (sc.name == "first-visit" || sc.name == "js-off") && p.Kind != "svg" {
		c("banner-visible", o.bannerState == "visible", "the banner is %s on a first visit, want visible", o.bannerState)
	}

	if !sc.jsOff {
		missing := missingMarks(p.Markers, o.marks)
		c("markers", len(missing) == 0, "first-party scripts did not run: %v (ran: %v)", missing, o.marks)
		var gone []string
		for _, k := range b.necessary {
			if o.requests[k] == 0 {
				gone = append(gone, k)
			}
		}
		c("not-over-blocked", len(gone) == 0, "third parties that are not trackers were not loaded: %v", gone)
		var exc []string
		for _, e := range o.exceptions {
			if !slices.Contains(b.js.exceptions, e) {
				exc = append(exc, e)
			}
		}
		c("no-exceptions", len(exc) == 0, "uncaught exceptions the page does not throw without the module: %s", strings.Join(exc, "; "))
		var csp []string
		for _, e := range o.csp {
			if !slices.Contains(b.js.csp, e) && !cspOnTracker(e) {
				csp = append(csp, e)
			}
		}
		c("no-csp-violations", len(csp) == 0, "CSP violations the page has not without the module: %s", strings.Join(csp, "; "))
	}
	c("loaded", o.readyState == "complete", "the document is %q, not complete (a document.write after load opens a new document)", o.readyState)
	if slices.Equal(sc.granted, allCategories) {
		c("amp-restored", o.held == 0, "%d <cg-held> element(s) are still held after Accept all", o.held)
	}
	if sc.inPlace {
		c("in-place", o.inPlace, "the choice reloaded the page instead of applying in place")
	}
	if sc.want {
		var notLoaded, twice []string
		for k, n := range b.trackers {
			if !slices.Contains(sc.granted, keyCategory(k)) || sc.inPlace && slices.Contains(p.PreloadOnly, k) {
				continue
			}
			// A YouTube embed loads via www.youtube-nocookie.com once
			// consented in place (REQUIREMENTS): both count.
			got := o.requests[k]
			if alt, ok := strings.CutPrefix(k, "www.youtube.com/embed/"); ok {
				got += o.requests["www.youtube-nocookie.com/embed/"+alt]
			}
			switch {
			case got == 0:
				notLoaded = append(notLoaded, k)
			case got > n:
				twice = append(twice, fmt.Sprintf("%s ×%d (×%d without the module)", k, got, n))
			}
		}
		sort.Strings(notLoaded)
		sort.Strings(twice)
		c("consented-loaded", len(notLoaded) == 0, "consented trackers that did not load: %v", notLoaded)
		c("loaded-once", len(twice) == 0, "trackers loaded more often than the site loads them: %v", twice)
	}

	want, kind := b.domNorm, "normalised"
	if sc.jsOff {
		want = b.noJS
	} else if sc.exact {
		want, kind = b.js.dom, "exact"
	}
	if o.dom.ParserError && !want.ParserError {
		c("dom", false, "the browser shows an XML parse error: the module made the %s ill-formed", p.Kind)
	} else {
		diff := domDiff(want.Lines, o.dom.Lines, !sc.exact)
		c("dom", diff == "", "the DOM differs from the page served without the module (%s; - without, + with the module):\n%s", kind, diff)
	}
}

func parseHost(u string) (string, error) {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	h, _, _ := strings.Cut(u, "/")
	h, _, _ = strings.Cut(h, ":")
	return h, nil
}

// cspOnTracker: a violation for a tracker URL is the CSP wall working.
func cspOnTracker(v string) bool {
	f := strings.Fields(v)
	if len(f) < 3 {
		return false
	}
	h, _ := parseHost(f[2])
	return hostCategories(h) != nil
}

func missingMarks(want, have []string) []string {
	var out []string
	for _, m := range want {
		if !slices.Contains(have, m) {
			out = append(out, m)
		}
	}
	return out
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// domDiff compares two snapshots line by line (longest common subsequence)
// and describes the first differences, or returns "". With lenient, inline
// scripts the module adds (its head script, with the text under it) are
// not differences.
func domDiff(a, b []string, lenient bool) string {
	n, m := len(a), len(b)
	if n*m > 4_000_000 {
		if slices.Equal(a, b) {
			return ""
		}
		return fmt.Sprintf("  (%d vs %d lines, too many to diff)", n, m)
	}
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	skipDepth := -1
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			i, j, skipDepth = i+1, j+1, -1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			line := b[j]
			d := len(line) - len(strings.TrimLeft(line, " "))
			if lenient && (skipDepth >= 0 && d > skipDepth || strings.HasPrefix(strings.TrimLeft(line, " "), "<script") && !strings.Contains(line, " src=")) {
				if skipDepth < 0 || d <= skipDepth {
					skipDepth = d
				}
			} else {
				out = append(out, "+ "+line)
			}
			j++
		default:
			out = append(out, "- "+a[i])
			i++
		}
	}
	out = dropMoves(out)
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("  … %d more", len(out)-12))
	}
	return strings.Join(out, "\n")
}

// dropMoves leaves out a <script src> or <link> that only moved: the same
// line added in one place and removed in another. Vendor snippets insert
// their script before the document's first <script> (GTM, analytics.js,
// ga.js, the Meta pixel), and with the module that is the head script,
// which goes before the first script or stylesheet; an async script's place
// in <head> changes nothing the visitor sees.
func dropMoves(out []string) []string {
	movable := func(l string) bool {
		l = strings.TrimLeft(l[2:], " ")
		return strings.HasPrefix(l, "<script ") && strings.Contains(l, " src=") || strings.HasPrefix(l, "<link ")
	}
	for i := 0; i < len(out); i++ {
		if !strings.HasPrefix(out[i], "+ ") || !movable(out[i]) {
			continue
		}
		if j := slices.Index(out, "- "+out[i][2:]); j >= 0 {
			out = slices.Delete(out, max(i, j), max(i, j)+1)
			out = slices.Delete(out, min(i, j), min(i, j)+1)
			i = -1
		}
	}
	return out
}

// serverChecks fetches the page (and its fragments) through Caddy without
// a consent cookie, as a browser would, and checks the wire: headers that
// preload trackers or set their cookies, where the head script went, and
// that fragments stay fragments.
func (g *grader) serverChecks(p corpusPage) {
	c := func(name string, ok bool, format string, args ...any) {
		g.check(p.Name, "wire", name, ok, format, args...)
	}
	direct, dh, _, err := fetch(g.origin, p.Path, nil)
	if err != nil {
		c("fetch", false, "origin: %v", err)
		return
	}
	body, h, hints, err := fetch(g.base, p.Path, nil)
	if err != nil {
		c("fetch", false, "through Caddy: %v", err)
		return
	}
	var bad []string
	for _, l := range append(append([]string{}, h.Values("Link")...), hints...) {
		for e := range strings.SplitSeq(l, ",") {
			if u, _, ok := strings.Cut(strings.TrimSpace(e), ">"); ok {
				if host, _ := parseHost(strings.TrimPrefix(u, "<")); hostCategories(host) != nil {
					bad = append(bad, strings.TrimSpace(e))
				}
			}
		}
	}
	c("link-header", len(bad) == 0, "Link entries (final response or 103 Early Hints) preload trackers: %v", bad)
	if strings.Contains(strings.Join(dh.Values("Link"), ","), "</corpus/") {
		c("link-header-kept", strings.Contains(strings.Join(h.Values("Link"), ","), "</corpus/"),
			"the site's own Link entries were dropped: origin %q, through Caddy %q", dh.Values("Link"), h.Values("Link"))
	}
	bad = bad[:0]
	for _, sc := range h.Values("Set-Cookie") {
		name, _, _ := strings.Cut(sc, "=")
		if cookieCategories(strings.TrimSpace(name)) != nil {
			bad = append(bad, name)
		}
	}
	c("set-cookie", len(bad) == 0, "tracker cookies set by headers before consent: %v", bad)
	c("content-type", h.Get("Content-Type") == dh.Get("Content-Type"), "Content-Type %q, origin sent %q", h.Get("Content-Type"), dh.Get("Content-Type"))
	if strings.Contains(dh.Get("Content-Type"), "html") {
		c("vary", strings.Contains(strings.ToLower(strings.Join(h.Values("Vary"), ",")), "cookie") || strings.Contains(h.Get("Cache-Control"), "private"),
			"HTML that depends on consent without Vary: Cookie or Cache-Control: private (Vary %q, Cache-Control %q)", h.Values("Vary"), h.Get("Cache-Control"))
	}
	// The prologue: BOM and doctype stay first; <meta charset> stays within
	// the first 1024 bytes.
	if bytes.HasPrefix(direct, []byte("\xef\xbb\xbf")) || bytes.HasPrefix(bytes.ToLower(direct), []byte("<!doctype")) {
		pre := direct[:bytes.IndexByte(direct, '>')+1]
		c("prologue", bytes.HasPrefix(body, pre), "the response no longer starts with the page's own %q: starts %q", pre, trunc(body, 80))
	}
	if i := bytes.Index(bytes.ToLower(direct), []byte("<meta charset")); i >= 0 && i < 1024 {
		j := bytes.Index(bytes.ToLower(body), []byte("<meta charset"))
		c("meta-charset-1024", j >= 0 && j < 1024, "<meta charset> at byte %d of the response (the origin's at %d): browsers look in the first 1024", j, i)
	}
	for _, f := range p.Fragments {
		fpath, hdr, _ := strings.Cut(f, "|")
		k, v, _ := strings.Cut(hdr, ":")
		headers := map[string]string{strings.TrimSpace(k): strings.TrimSpace(v)}
		orig, _, _, err1 := fetch(g.origin, fpath, headers)
		frag, _, _, err2 := fetch(g.base, fpath, headers)
		if err1 != nil || err2 != nil {
			c("fragment", false, "%s: %v %v", fpath, err1, err2)
			continue
		}
		var added []string
		have, had := insertedMarkup(frag), insertedMarkup(orig)
		for _, k := range slices.Sorted(maps.Keys(have)) {
			if have[k] > had[k] {
				added = append(added, k)
			}
		}
		c("fragment-bare", len(added) == 0, "%s (%s) came back with %v added: a fragment gets no banner, head script or wrapper", fpath, hdr, added)
		live := liveTrackers(frag)
		c("fragment-detracked", len(live) == 0, "%s (%s) still loads trackers: %v", fpath, hdr, live)
	}
}

// insertedMarkup counts, in an HTML fragment, what a banner, a head script
// or a document wrapper would add: #cg-root, <script> elements, links to
// /_consent/ assets, <html>/<head>/<body> tags and a doctype. Attribute
// values are not markup: a held embed's placeholder (an iframe with
// data-consent-ph) carries its consent form and /_consent/ stylesheet in
// srcdoc, and is the de-tracked frame.
func insertedMarkup(b []byte) map[string]int {
	out := map[string]int{}
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return out
		case html.DoctypeToken:
			out["<!DOCTYPE>"]++
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "html", "head", "body", "script":
				out["<"+tok.Data+">"]++
			}
			for _, a := range tok.Attr {
				if a.Key == "id" && a.Val == "cg-root" {
					out["#cg-root"]++
				}
				if (a.Key == "src" || a.Key == "href") && strings.Contains(a.Val, "/_consent/") {
					out["<"+tok.Data+" "+a.Key+"=/_consent/…>"]++
				}
			}
		}
	}
}

// liveTrackers lists the elements of an HTML fragment that would load a
// tracker as they stand.
func liveTrackers(b []byte) []string {
	var out []string
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data == "script" && slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "type" && a.Val == "text/plain" }) {
			continue
		}
		for _, a := range tok.Attr {
			if a.Key != "src" && a.Key != "href" && a.Key != "data" {
				continue
			}
			if h, _ := parseHost(a.Val); hostCategories(h) != nil && tok.Data != "a" {
				out = append(out, "<"+tok.Data+" "+a.Key+"="+a.Val+">")
			}
		}
	}
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// fetch GETs base+path with headers, as a browser navigating would
// (Sec-Fetch-Dest: document unless a header says otherwise), and returns
// the body, the final headers and the Link headers of any 103 Early Hints.
func fetch(base, path string, headers map[string]string) ([]byte, http.Header, []string, error) {
	req, err := http.NewRequest(http.MethodGet, strings.Replace(strings.Replace(base, siteHost, "127.0.0.1", 1), originHost, "127.0.0.1", 1)+path, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	req.Host = strings.TrimPrefix(base, "http://")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Dest", "document")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	for k, v := range headers {
		if k != "" {
			req.Header.Set(k, v)
			req.Header.Set("Sec-Fetch-Dest", "empty")
			req.Header.Set("Sec-Fetch-Mode", "cors")
		}
	}
	var hints []string
	var mu sync.Mutex
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			mu.Lock()
			defer mu.Unlock()
			if code == http.StatusEarlyHints {
				hints = append(hints, h.Values("Link")...)
			}
			return nil
		},
	}))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	return body, resp.Header, hints, nil
}
