package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// controlStyle is what the eye compares between two controls.
type controlStyle struct {
	Tag, Class, Text                     string
	FontFamily, FontWeight, FontSize     string
	Width, Height                        float64
	Color, Background, BackgroundOfBlock string
}

// controlStylesJS measures every element matching the selector (in %s).
const controlStylesJS = `JSON.stringify([...document.querySelectorAll(%s)].map(b => {
	const cs = getComputedStyle(b), r = b.getBoundingClientRect();
	let bg = 'rgba(0, 0, 0, 0)';
	for (let el = b; el; el = el.parentElement) {
		const c = getComputedStyle(el).backgroundColor;
		if (!/rgba\(.*, 0\)$/.test(c) && c !== 'transparent') { bg = c; break; }
	}
	return {Tag: b.tagName, Class: b.className, Text: b.textContent.trim(), FontFamily: cs.fontFamily, FontWeight: cs.fontWeight,
		FontSize: cs.fontSize, Width: r.width, Height: r.height, Color: cs.color, Background: bg};
}))`

func controlStyles(t *testing.T, e *env, sel string) []controlStyle {
	t.Helper()
	var out []controlStyle
	if err := json.Unmarshal([]byte(evalJS[string](e, fmt.Sprintf(controlStylesJS, jsString(sel)))), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

var rgbRE = regexp.MustCompile(`^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$`)

// luminance is the WCAG relative luminance of a computed CSS colour; a
// colour that is not opaque is an error (it cannot be judged alone).
func luminance(c string) (float64, error) {
	m := rgbRE.FindStringSubmatch(c)
	if m == nil {
		return 0, fmt.Errorf("unparsed colour %q", c)
	}
	if m[4] != "" && m[4] != "1" {
		return 0, fmt.Errorf("colour %q is not opaque", c)
	}
	var l [3]float64
	for i := range 3 {
		v, _ := strconv.ParseFloat(m[i+1], 64)
		v /= 255
		if v <= 0.03928 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2], nil
}

func contrast(fg, bg string) (float64, error) {
	a, err := luminance(fg)
	if err != nil {
		return 0, err
	}
	b, err := luminance(bg)
	if err != nil {
		return 0, err
	}
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05), nil
}

func within(a, b, frac float64) bool { return math.Abs(a-b) <= frac*math.Max(a, b) }

// TestRule10EqualProminence: Accept all, Reject all and Settings are
// <button>s of one class, font and size (±10%), each legible (text contrast
// of at least 4.5:1 against what is behind it), at desktop and phone widths.
func TestRule10EqualProminence(t *testing.T) {
	e := newEnv(t, extraPages)
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"1280", 1280, 800, false}, {"320", 320, 640, true}} {
		t.Run(vp.name, func(t *testing.T) {
			e.t = t
			e.viewport(vp.width, vp.height, vp.mobile, 1)
			e.load("/e2e/plain.html")
			checkBannerButtons(t, e)
			bs := controlStyles(t, e, `#cg-banner .cg-actions > *`)
			if len(bs) != 3 {
				t.Fatalf("banner has %d controls, want 3: %+v", len(bs), bs)
			}
			ref := bs[0]
			for _, b := range bs {
				if b.Tag != "BUTTON" || b.Class != ref.Class {
					t.Errorf("%q is <%s class=%q>, want <button class=%q>", b.Text, b.Tag, b.Class, ref.Class)
				}
				if b.FontFamily != ref.FontFamily || b.FontWeight != ref.FontWeight || b.FontSize != ref.FontSize {
					t.Errorf("%q has font %s %s %s, %q has %s %s %s", b.Text, b.FontWeight, b.FontSize, b.FontFamily,
						ref.Text, ref.FontWeight, ref.FontSize, ref.FontFamily)
				}
				if !within(b.Width, ref.Width, 0.10) || !within(b.Height, ref.Height, 0.10) {
					t.Errorf("%q is %.0f×%.0fpx, %q is %.0f×%.0fpx: want the same size within 10%%", b.Text, b.Width, b.Height, ref.Text, ref.Width, ref.Height)
				}
				if b.Color != ref.Color || b.Background != ref.Background {
					t.Errorf("%q is %s on %s, %q is %s on %s: one must not stand out", b.Text, b.Color, b.Background, ref.Text, ref.Color, ref.Background)
				}
				c, err := contrast(b.Color, b.Background)
				if err != nil {
					t.Errorf("%q: %v", b.Text, err)
				} else if c < 4.5 {
					t.Errorf("%q has text contrast %.2f:1 (%s on %s), want at least 4.5:1", b.Text, c, b.Color, b.Background)
				}
			}
		})
	}
	e.t = t
	e.viewport(1280, 800, false, 1)
	e.noExceptions()
}

// axSwitch is a switch in the accessibility tree.
type axSwitch struct {
	Name    string
	Checked string
}

func axSwitches(t *testing.T, e *env) []axSwitch {
	t.Helper()
	tree, err := chromedp.Call(e.ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatalf("Accessibility.getFullAXTree: %v", err)
	}
	var out []axSwitch
	for _, n := range tree.Nodes {
		if n.Ignored || n.Role == nil || axString(n.Role) != "switch" {
			continue
		}
		s := axSwitch{Name: axString(n.Name), Checked: "(no checked state)"}
		for _, p := range n.Properties {
			if p.Name == accessibility.PropertyNameChecked {
				s.Checked = axString(p.Value)
			}
		}
		out = append(out, s)
	}
	return out
}

func axString(v *accessibility.Value) string {
	if v == nil {
		return ""
	}
	var s any
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return string(v.Value)
	}
	return fmt.Sprint(s)
}

// TestRule11SettingsToggles: the settings layer has one switch per optional
// category, exposed to assistive technology as a switch with a name and a
// checked state, none on at a first visit; strictly necessary is shown as
// always on and cannot be switched off. The state follows a click.
func TestRule11SettingsToggles(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.openSettingsFromBanner()

	want := []string{"Analytics cookies", "Embedded video cookies", "Social media cookies", "Marketing cookies"}
	sw := axSwitches(t, e)
	if len(sw) != len(want) {
		t.Fatalf("settings layer exposes %d switches %+v, want %d: %v", len(sw), sw, len(want), want)
	}
	for i, s := range sw {
		if s.Name != want[i] {
			t.Errorf("switch %d is named %q, want %q", i+1, s.Name, want[i])
		}
		if s.Checked != "false" {
			t.Errorf("switch %q has checked state %s at a first visit, want false (no pre-ticked boxes)", s.Name, s.Checked)
		}
	}
	if n := evalJS[int](e, `document.querySelectorAll('#cg-settings input[type=checkbox]:checked, #cg-settings [aria-checked=true]').length`); n != 0 {
		t.Errorf("%d control(s) pre-ticked in the settings layer", n)
	}
	nec := evalJS[string](e, `(() => { const c = [...document.querySelectorAll('#cg-settings .cg-cat')].find(el => /Strictly necessary/.test(el.textContent));
		return c ? c.textContent.replace(/\s+/g, ' ').trim() + '|' + c.querySelectorAll('input, button, [role=switch]').length : ''; })()`)
	if text, n, _ := strings.Cut(nec, "|"); text == "" {
		t.Error("the settings layer has no Strictly necessary row")
	} else {
		if !strings.Contains(text, "Always on") {
			t.Errorf("the Strictly necessary row reads %q; want it shown as Always on", text)
		}
		if n != "0" {
			t.Errorf("the Strictly necessary row has %s control(s); it must not be switchable", n)
		}
	}
	if strings.Contains(strings.ToLower(evalJS[string](e, `document.getElementById('cg-settings').textContent`)), "legitimate interest") {
		t.Error("the settings layer offers legitimate-interest toggles")
	}

	// The state the visitor sets is the state exposed.
	e.click(`#cg-c-media`)
	sw = axSwitches(t, e)
	if len(sw) < 2 || sw[1].Checked != "true" || sw[0].Checked != "false" {
		t.Errorf("after clicking Embedded video the switches are %+v, want only that one checked", sw)
	}
	e.noStubTraffic("after flicking a switch without saving")
	if c := e.consentCookie(); c != nil {
		t.Error("flicking a switch without saving set the consent cookie")
	}
	e.noExceptions()
}

// TestRule12NoImpliedConsent: scrolling, following a link, pressing Escape
// and closing the settings layer are no choice: no consent cookie, no
// tracker. Rejecting leaves the whole site usable: nothing covers the page
// and its links work.
func TestRule12NoImpliedConsent(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.do("scroll", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	e.do("wheel", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseWheel, 400, 300, func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 1, -300 }))
	e.key(kb.Escape)
	e.click(`#nav a[href="/services/bins.html"]`)
	e.waitFor("the link to be followed", 5*time.Second, func() (bool, string) {
		l, err := tryJS[string](e, `location.pathname + ' ' + document.readyState`)
		return err == nil && l == "/services/bins.html complete", l
	})
	e.openSettingsFromBanner()
	e.key(kb.Escape)
	e.waitSettings(false)
	e.openSettingsFromBanner()
	e.click(`#cg-settings .cg-close`)
	e.waitSettings(false)
	time.Sleep(quiet)
	if c := e.consentCookie(); c != nil {
		t.Errorf("scrolling, navigating, Escape or closing the settings set the consent cookie %q", c.Value)
	}
	e.noStubTraffic("after scrolling, navigating, Escape and closing the settings")
	if s := e.bannerState(); s != "visible" {
		t.Errorf("the banner is %s after Escape and closing the settings, want still visible (no choice was made)", s)
	}

	e.load("/")
	e.click(rejectButton)
	e.waitBannerGone()
	e.waitConsentCookie()
	// Whatever is at the middle of the window is the page's own.
	hit := evalJS[string](e, `(() => { const el = document.elementFromPoint(innerWidth / 2, innerHeight / 2);
		return !el ? 'nothing' : document.getElementById('cg-root').contains(el) ? 'banner: ' + el.outerHTML.slice(0, 80) : 'page'; })()`)
	if hit != "page" {
		t.Errorf("after Reject all the middle of the page is covered by %s", hit)
	}
	if n := evalJS[int](e, `[...document.body.querySelectorAll('*')].filter(el => { const cs = getComputedStyle(el), r = el.getBoundingClientRect();
		return cs.position === 'fixed' && cs.display !== 'none' && r.width * r.height > innerWidth * innerHeight * 0.25; }).length`); n != 0 {
		t.Errorf("after Reject all %d fixed element(s) cover more than a quarter of the window", n)
	}
	e.click(`#nav a[href="/privacy.html"]`)
	e.waitFor("a page link to work after rejecting", 5*time.Second, func() (bool, string) {
		l, err := tryJS[string](e, `location.pathname`)
		return err == nil && l == "/privacy.html", l
	})
	e.noStubTraffic("after Reject all")
	e.noExceptions()
}

// TestRule13PurposesProvidersAndCookieTable: the banner and settings name
// the purposes and the third parties, and the cookie table they link to
// answers with a table of the cookies.
func TestRule13PurposesProvidersAndCookieTable(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	banner := evalJS[string](e, `document.getElementById('cg-banner').textContent`)
	for _, purpose := range []string{"understand how you use the site", "embedded videos", "social media", "advertising"} {
		if !strings.Contains(banner, purpose) {
			t.Errorf("the banner does not mention the purpose %q", purpose)
		}
	}
	e.openSettingsFromBanner()
	cats := map[string][]string{}
	raw := evalJS[string](e, `JSON.stringify(Object.fromEntries([...document.querySelectorAll('#cg-settings .cg-cat')].map(c => {
		const i = c.querySelector('input'); return [i ? i.value : 'necessary', [c.textContent.replace(/\s+/g, ' ')]]; })))`)
	if err := json.Unmarshal([]byte(raw), &cats); err != nil {
		t.Fatal(err)
	}
	for cat, providers := range map[string][]string{
		"analytics": {"Google", "Hotjar"},
		"media":     {"YouTube"},
		"social":    {"Facebook"},
		"marketing": {"Meta"},
	} {
		text := strings.Join(cats[cat], "")
		if text == "" {
			t.Errorf("no %s row in the settings layer", cat)
			continue
		}
		if !strings.Contains(text, "Provided by") {
			t.Errorf("the %s row names no providers: %q", cat, text)
		}
		for _, p := range providers {
			if !strings.Contains(text, p) {
				t.Errorf("the %s row does not name %s: %q", cat, p, text)
			}
		}
	}

	href := evalJS[string](e, `document.querySelector('#cg-settings a[href*="cookies"]').getAttribute('href')`)
	if bannerHref := evalJS[string](e, `document.querySelector('#cg-banner a[href*="cookies"]').getAttribute('href')`); bannerHref != href {
		t.Errorf("banner links the cookie table at %q, settings at %q", bannerHref, href)
	}
	resp, err := http.Get(strings.Replace(e.base, siteHost, "127.0.0.1", 1) + href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %s", href, resp.Status)
	}
	e.click(`#cg-settings a[href*="cookies"]`)
	e.waitFor("the cookie table", 5*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `location.pathname + ' ' + document.readyState`)
		return err == nil && s == href+" complete", s
	})
	table := evalJS[string](e, `JSON.stringify({heads: [...document.querySelectorAll('table th')].map(th => th.textContent.trim()),
		rows: document.querySelectorAll('table tbody tr').length, text: document.body.textContent})`)
	var tab struct {
		Heads []string
		Rows  int
		Text  string
	}
	if err := json.Unmarshal([]byte(table), &tab); err != nil {
		t.Fatal(err)
	}
	if tab.Rows < 5 {
		t.Errorf("the cookie table has %d rows, want the consent cookie and the trackers' cookies", tab.Rows)
	}
	heads := strings.ToLower(strings.Join(tab.Heads, "|"))
	for _, h := range []string{"name", "provider", "purpose", "expir"} {
		if !strings.Contains(heads, h) {
			t.Errorf("the cookie table has no %q column; columns: %v", h, tab.Heads)
		}
	}
	for _, c := range []string{"consentgate", "_ga", "_fbp"} {
		if !strings.Contains(tab.Text, c) {
			t.Errorf("the cookie table does not list %s", c)
		}
	}
	e.noStubTraffic("reading the banner, settings and cookie table")
}

// TestRule14PersistentControlAndWithdrawal: every page has a Cookie
// settings control; the site's own data-consent-open link opens the
// settings too; withdrawing takes no more clicks than accepting; after a
// choice the settings show the visitor's consent ID.
func TestRule14PersistentControlAndWithdrawal(t *testing.T) {
	e := newEnv(t, "")
	const reopenVisible = `(() => { const r = document.querySelector('#cg-root .cg-reopen'); if (!r) return 'absent';
		const b = r.getBoundingClientRect(); return r.getClientRects().length && b.bottom <= innerHeight && b.right <= innerWidth && b.top >= 0 ? 'visible' : 'offscreen'; })()`
	for _, p := range []string{"/", "/services/bins.html", "/privacy.html", "/legacy-latin1.html", "/cy/index.html"} {
		e.load(p)
		if s := evalJS[string](e, reopenVisible); s != "visible" {
			t.Errorf("the Cookie settings control on %s is %s, want visible", p, s)
		}
	}
	if got := evalJS[string](e, `document.querySelector('#cg-settings .cg-id').textContent`); !strings.Contains(got, "not made a choice") && !strings.Contains(got, "Nid ydych") {
		t.Logf("settings before a choice say %q", got)
	}

	// The council's own footer link opens the settings in place.
	e.load("/")
	e.click(`#footer a[data-consent-open]`)
	e.waitSettings(true)
	if got := e.location(); got != "/" {
		t.Errorf("the footer's Cookie settings link navigated to %s", got)
	}
	e.click(`#cg-settings .cg-close`)
	e.waitSettings(false)

	// Accepting from the banner: one click.
	clicks := func(sels ...string) int {
		for _, s := range sels {
			e.click(s)
			if strings.HasPrefix(s, ".cg-reopen") {
				e.waitSettings(true)
			}
		}
		return len(sels)
	}
	acceptFirst := clicks(acceptButton)
	c := e.waitConsentCookie()
	id := strings.Split(c.Value, ".")[1]
	e.waitBannerGone()
	// The settings show the consent ID, in place and on the next page.
	e.click(`.cg-reopen`)
	e.waitSettings(true)
	if got := evalJS[string](e, `document.querySelector('#cg-settings .cg-id code') ? document.querySelector('#cg-settings .cg-id code').textContent : ''`); got != id {
		t.Errorf("settings show consent ID %q right after the choice, want %q", got, id)
	}
	e.key(kb.Escape)
	e.waitSettings(false)
	e.load("/services/bins.html")
	if got := evalJS[string](e, `(document.querySelector('#cg-settings .cg-id code') || {}).textContent || ''`); got != id {
		t.Errorf("settings on the next page show consent ID %q, want %q", got, id)
	}
	e.waitRequests(5*time.Second, [2]string{"www.googletagmanager.com", "/gtag/js"})

	// Withdrawing from the persistent control, against accepting again from it.
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	withdraw := clicks(`.cg-reopen`, `#cg-settings button[value="reject_all"]`)
	e.waitReload(10 * time.Second)
	if c := e.consentCookie(); c == nil || strings.Split(c.Value, ".")[2] != "0" {
		t.Errorf("after withdrawing the consent cookie is %+v, want nothing granted", c)
	}
	if got := evalJS[string](e, `(document.querySelector('#cg-settings .cg-id code') || {}).textContent || ''`); got != id {
		t.Errorf("after withdrawing the settings show consent ID %q, want the same %q", got, id)
	}
	acceptAgain := clicks(`.cg-reopen`, `#cg-settings button[value="accept_all"]`)
	e.waitFor("consent granted again", 5*time.Second, func() (bool, string) {
		c := e.consentCookie()
		return c != nil && strings.Split(c.Value, ".")[2] != "0", fmt.Sprint(c)
	})
	if withdraw > acceptAgain {
		t.Errorf("withdrawing took %d clicks, accepting from the same control %d", withdraw, acceptAgain)
	}
	t.Logf("clicks: accept from the banner %d, withdraw %d, accept again %d", acceptFirst, withdraw, acceptAgain)
	if !slices.Contains(e.cookieNames(""), "consentgate") {
		t.Error("no consent cookie at the end")
	}
	e.noExceptions()
}
