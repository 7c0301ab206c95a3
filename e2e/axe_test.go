package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axe-core is installed from npm at test time, once per machine, into the
// user cache directory; it is never committed. Without npm or the network
// the accessibility tests fail: an audit that did not run must not pass.
var (
	axeOnce sync.Once
	axeSrc  string
	axeErr  error
)

func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "consentgate-e2e")
		file := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(file); err != nil {
			npm, err := exec.LookPath("npm")
			if err != nil {
				axeErr = fmt.Errorf("npm not found on PATH: the accessibility tests install axe-core@4 from npm at test time (install Node.js and npm)")
				return
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				axeErr = err
				return
			}
			cmd := exec.Command(npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "axe-core@4")
			out, err := cmd.CombinedOutput()
			if err != nil {
				axeErr = fmt.Errorf("npm install axe-core@4 into %s failed (is the npm registry reachable?): %v\n%s", dir, err, out)
				return
			}
		}
		b, err := os.ReadFile(file)
		if err != nil {
			axeErr = fmt.Errorf("axe-core installed but %s unreadable: %v", file, err)
			return
		}
		axeSrc = string(b)
	})
	if axeErr != nil {
		t.Fatalf("axe-core unavailable, accessibility not checked: %v", axeErr)
	}
	return axeSrc
}

// wcagTags are every WCAG 2.0, 2.1 and 2.2 level A and AA rule of axe-core.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target         []any
		FailureSummary string
	}
}

// axeCheck runs axe-core in the page (or, with frameSel, in the document of
// that same-origin frame) on the elements matching scope and fails the test
// for every violation.
func axeCheck(t *testing.T, e *env, where, frameSel, scope string) {
	t.Helper()
	src := axeSource(t)
	win := "window"
	if frameSel != "" {
		win = "document.querySelector(" + jsString(frameSel) + ").contentWindow"
	}
	if _, err := chromedp.Run(e.ctx, chromedp.Evaluate[chromedp.Void](`(() => { const w = `+win+`; if (!w.axe) w.eval(`+jsString(src)+`); })()`)); err != nil {
		t.Fatalf("%s: inject axe-core: %v", where, err)
	}
	tags, _ := json.Marshal(wcagTags)
	expr := `(async () => {
		const w = ` + win + `;
		const r = await w.axe.run({include: [[` + jsString(scope) + `]]}, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations']});
		return JSON.stringify({passes: r.passes.length, violations: r.violations.map(v => ({ID: v.id, Impact: v.impact, Help: v.help,
			Nodes: v.nodes.map(n => ({Target: n.target, FailureSummary: n.failureSummary}))}))});
	})()`
	ctx, cancel := contextTimeout(e, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", where, err)
	}
	var res struct {
		Passes     int
		Violations []axeViolation
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: axe result: %v", where, err)
	}
	if res.Passes == 0 && len(res.Violations) == 0 {
		t.Errorf("%s: axe found nothing to check in %s; the audit proves nothing", where, scope)
	}
	for _, v := range res.Violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		t.Errorf("%s: axe %s (%s): %s\n    %s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n    "))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAxe: axe-core finds no WCAG 2.2 A/AA violation in the banner, the
// settings layer or the no-JavaScript settings page, in English and Welsh.
func TestAxe(t *testing.T) {
	e := newEnv(t, "")
	axeSource(t) // fail early and clearly without npm
	for _, tc := range []struct{ lang, page string }{{"en", "/"}, {"cy", "/cy/index.html"}} {
		t.Run(tc.lang, func(t *testing.T) {
			e.t = t
			e.open(tc.page)
			if s := e.bannerState(); s != "visible" {
				t.Fatalf("banner on %s is %s, want visible", tc.page, s)
			}
			axeCheck(t, e, tc.lang+" banner", "", "#cg-root")
			e.openSettingsFromBanner()
			axeCheck(t, e, tc.lang+" settings layer", "", "#cg-root")

			e.open("/_consent/settings?return_to=" + tc.page)
			if got := evalJS[string](e, `document.documentElement.lang`); got != tc.lang {
				t.Errorf("settings page for %s has lang %q, want %q", tc.page, got, tc.lang)
			}
			axeCheck(t, e, tc.lang+" settings page", "", "#cg-root")
		})
	}
	e.t = t
	e.noExceptions()
}

// The cookie table is read on phones: at 320 px and at 1280 px, in English
// and in Welsh, nothing scrolls sideways, every cell has its column's name
// and axe-core finds nothing.
func TestCookieTableReflowsAndPassesAxe(t *testing.T) {
	e := newEnv(t, "")
	axeSource(t)
	e.open("/index.html") // the demo home page shows the module the vendors it uses, so the table lists them
	// The page's own CSP allows no script; axe is the test's, not the page's.
	if _, err := chromedp.Call(e.ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang  string
		width int64
	}{{"en", 320}, {"en", 1280}, {"cy", 320}, {"cy", 1280}} {
		t.Run(fmt.Sprintf("%s-%d", tc.lang, tc.width), func(t *testing.T) {
			e.t = t
			e.viewport(tc.width, 800, tc.width < 600, 1)
			e.open("/_consent/cookies?lang=" + tc.lang)
			if got := evalJS[string](e, `document.documentElement.lang`); got != tc.lang {
				t.Errorf("lang %q, want %q", got, tc.lang)
			}
			if n := evalJS[int](e, `document.querySelectorAll('main table tbody tr').length`); n < 5 {
				t.Fatalf("%d table rows", n)
			}
			for _, name := range []string{"_ga", "YSC", "_fbp", "guest_id"} {
				if !evalJS[bool](e, `[...document.querySelectorAll('main td code')].some(c => c.textContent === `+strconv.Quote(name)+`)`) {
					t.Errorf("the table lacks %s, set by a vendor the home page uses", name)
				}
			}
			if over := evalJS[int](e, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
				t.Errorf("the page scrolls %d px sideways at %d px", over, tc.width)
			}
			if blank := evalJS[int](e, `[...document.querySelectorAll('main td')].filter(td => !td.textContent.trim()).length`); blank > 0 {
				t.Errorf("%d blank cells", blank)
			}
			axeCheck(t, e, tc.lang+" cookie table", "", "html")
		})
	}
	e.t = t
	e.viewport(1280, 800, false, 1)
}
