package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestLastMileEnterTogglesSwitch: in the settings layer Enter on a switch
// toggles it as Space does; it records nothing and the layer stays open.
func TestLastMileEnterTogglesSwitch(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.openSettingsFromBanner()
	e.key(kb.Tab)
	if id := evalJS[string](e, `document.activeElement.id`); id != "cg-c-analytics" {
		t.Fatalf("the first Tab in the settings reached %q, want the Analytics switch", id)
	}
	e.key(" ")
	e.key(kb.Tab)
	if id := evalJS[string](e, `document.activeElement.id`); id != "cg-c-media" {
		t.Fatalf("the next Tab reached %q, want the Embedded video switch", id)
	}
	e.key(kb.Enter)
	time.Sleep(quiet)
	if got := evalJS[string](e, `[...document.querySelectorAll('#cg-settings input[name=category]')].map(c => c.id + '=' + c.checked).join(' ')`); got != "cg-c-analytics=true cg-c-media=true cg-c-social=false cg-c-marketing=false" {
		t.Errorf("after Space on Analytics and Enter on Embedded video the switches are %s", got)
	}
	if c := e.consentCookie(); c != nil {
		t.Errorf("Enter on a switch recorded a choice: consent cookie %q", c.Value)
	}
	if !evalJS[bool](e, settingsOpenJS) {
		t.Error("Enter on a switch closed the settings layer")
	}
	e.key(kb.Enter)
	if evalJS[bool](e, `document.getElementById('cg-c-media').checked`) {
		t.Error("a second Enter did not switch Embedded video off again")
	}
	e.noStubTraffic("after toggling switches without saving")
	e.noExceptions()
}

// TestLastMileModal: the settings layer is a modal dialog (role, aria-modal
// in the DOM and the accessibility tree) over a backdrop; the page behind
// is inert and the first-layer banner hidden; Tab and Shift+Tab cycle
// inside it; Escape closes it, returns focus to its opener and the page
// comes back. Each switch says On or Off beside it.
func TestLastMileModal(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.openSettingsFromBanner()
	if got := evalJS[string](e, `(p => p.getAttribute('role') + ' ' + p.getAttribute('aria-modal'))(document.getElementById('cg-settings'))`); got != "dialog true" {
		t.Errorf("settings layer has role and aria-modal %q, want dialog true", got)
	}
	tree, err := chromedp.Call(e.ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatal(err)
	}
	var dialogs []string
	for _, n := range tree.Nodes {
		if n.Ignored || n.Role == nil || axString(n.Role) != "dialog" {
			continue
		}
		modal := "false"
		for _, p := range n.Properties {
			if p.Name == accessibility.PropertyNameModal {
				modal = axString(p.Value)
			}
		}
		dialogs = append(dialogs, axString(n.Name)+" modal="+modal)
	}
	if len(dialogs) != 1 || dialogs[0] != "Cookie settings modal=true" {
		t.Errorf("accessibility tree dialogs %q, want one: Cookie settings modal=true", dialogs)
	}
	if s := e.bannerState(); s != "hidden" {
		t.Errorf("with the settings open the first-layer banner is %s, want hidden (one set of buttons)", s)
	}
	const pageInert = `[...document.body.children].filter(c => c.id !== 'cg-root' && c.localName !== 'script').map(c => c.inert).join()`
	if got := evalJS[string](e, pageInert); strings.Contains(got, "false") || got == "" {
		t.Errorf("with the settings open the page's elements are inert: %s, want all true", got)
	}
	if got := evalJS[string](e, `getComputedStyle(document.getElementById('cg-settings')).boxShadow`); !strings.Contains(got, "rgba(0, 0, 0, 0.6)") {
		t.Errorf("no backdrop behind the settings layer: box-shadow %s", got)
	}

	// On and Off in words, following the switch.
	const state = `document.querySelector('label[for=cg-c-analytics] .cg-sw').innerText.trim()`
	if got := evalJS[string](e, state); got != "Off" {
		t.Errorf("the Analytics switch reads %q beside it, want Off", got)
	}
	e.click(`#cg-c-analytics`)
	if got := evalJS[string](e, state); got != "On" {
		t.Errorf("after switching Analytics on it reads %q, want On", got)
	}
	if sw := axSwitches(t, e); len(sw) == 0 || sw[0].Name != "Analytics cookies" {
		t.Errorf("the On/Off words changed the switch's accessible name: %+v", sw)
	}
	e.click(`#cg-c-analytics`)

	// Focus trap: Shift+Tab from the heading goes to the last control, Tab
	// from the last to the first, and a full round never leaves the layer.
	e.do("focus the heading", chromedp.Evaluate[chromedp.Void](`document.getElementById('cg-settings-title').focus()`))
	e.key(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	last := evalJS[bool](e, `(f => f[f.length - 1] === document.activeElement)([...document.querySelectorAll('#cg-settings a[href], #cg-settings button, #cg-settings input:not([type=hidden])')])`)
	if !last {
		t.Errorf("Shift+Tab from the heading reached %s, want the layer's last control", e.focus().Desc)
	}
	e.key(kb.Tab)
	if id := evalJS[string](e, `document.activeElement.id`); id != "cg-c-analytics" {
		t.Errorf("Tab from the last control reached %q (%s), want the first, the Analytics switch", id, e.focus().Desc)
	}
	for i := 0; i < 12; i++ {
		e.key(kb.Tab)
		if !evalJS[bool](e, `document.getElementById('cg-settings').contains(document.activeElement)`) {
			t.Fatalf("Tab %d left the settings layer for %s", i+1, e.focus().Desc)
		}
	}
	e.key(kb.Escape)
	e.waitSettings(false)
	if f := e.focus(); !f.InBanner || !strings.Contains(f.Desc, "Cookie settings") {
		t.Errorf("after Escape focus is on %q, want the banner's Cookie settings button that opened the layer", f.Desc)
	}
	if got := evalJS[string](e, pageInert); strings.Contains(got, "true") {
		t.Errorf("after closing the settings the page is still inert: %s", got)
	}
	if s := e.bannerState(); s != "visible" {
		t.Errorf("after closing the settings the banner is %s, want visible again", s)
	}
	if c := e.consentCookie(); c != nil {
		t.Errorf("opening and closing the settings recorded a choice: %q", c.Value)
	}
	e.noExceptions()
}

// TestLastMileStickyFooter: with the settings open, Save, Accept all and
// Reject all are on screen and not covered, without scrolling, at a desktop
// and at a phone size, and stay so while the categories scroll.
func TestLastMileStickyFooter(t *testing.T) {
	e := newEnv(t, "")
	const buttonsJS = `JSON.stringify([...document.querySelectorAll('#cg-settings .cg-actions button')].map(b => {
		const r = b.getBoundingClientRect(), hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return b.value + ':' + (r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth && hit === b ? 'shown' : 'hidden ' + Math.round(r.top) + '-' + Math.round(r.bottom) + ' of ' + innerHeight);
	}))`
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"1280x800", 1280, 800, false}, {"390x844", 390, 844, true}} {
		t.Run(vp.name, func(t *testing.T) {
			e.t = t
			e.viewport(vp.width, vp.height, vp.mobile, 1)
			e.load("/")
			e.openSettingsFromBanner()
			want := `["save:shown","accept_all:shown","reject_all:shown"]`
			if got := evalJS[string](e, buttonsJS); got != want {
				t.Errorf("on opening: %s, want %s", got, want)
			}
			scrolls := evalJS[bool](e, `(p => p.scrollHeight > p.clientHeight)(document.getElementById('cg-settings'))`)
			e.do("scroll the categories", chromedp.Evaluate[chromedp.Void](`(p => p.scrollTop = p.scrollHeight / 3)(document.getElementById('cg-settings'))`))
			if got := evalJS[string](e, buttonsJS); got != want {
				t.Errorf("with the categories scrolled: %s, want %s", got, want)
			}
			t.Logf("%s: the layer's content scrolls: %v", vp.name, scrolls)
		})
	}
	e.t = t
	e.viewport(1280, 800, false, 1)
	e.noExceptions()
}

// TestLastMileMessage: after Accept all the page says so, in English and
// in Welsh, in a live region that takes focus; Hide this message hides it
// and focus goes to the Cookie settings control. A withdrawal, which
// reloads the page, says so too.
func TestLastMileMessage(t *testing.T) {
	for _, tc := range []struct{ lang, page, accepted, rejected, hide string }{
		{"en", "/", "You've accepted additional cookies. You can change your cookie settings at any time.",
			"You've rejected additional cookies. You can change your cookie settings at any time.", "Hide this message"},
		{"cy", "/cy/index.html", "Rydych wedi derbyn cwcis ychwanegol. Gallwch newid eich gosodiadau cwcis unrhyw bryd.",
			"Rydych wedi gwrthod cwcis ychwanegol. Gallwch newid eich gosodiadau cwcis unrhyw bryd.", "Cuddio'r neges hon"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newEnv(t, "")
			e.load(tc.page)
			check := e.clickInPlace(acceptButton)
			e.waitBannerGone()
			m := e.savedMessage()
			if !m.Shown || m.Text != tc.accepted || !m.Focused || (m.Role != "status" && m.Live != "polite") {
				t.Errorf("after Accept all the message is %+v, want shown, focused, a live region reading %q", m, tc.accepted)
			}
			if m.Hide != tc.hide {
				t.Errorf("the message's hide control reads %q, want %q", m.Hide, tc.hide)
			}
			check()
			axeCheck(t, e, tc.lang+" message after a choice", "", "#cg-root")
			if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
				shoot(t, e, filepath.Join("testdata", "screenshots", "saved-"+tc.lang+"-1280.png"))
			}
			e.click(`#cg-saved [data-cg-hide]`)
			if m := e.savedMessage(); m.Shown {
				t.Error("Hide this message did not hide it")
			}
			if f := e.focus(); !strings.Contains(f.Desc, "cg-reopen") {
				t.Errorf("after hiding the message focus is on %q, want the Cookie settings control", f.Desc)
			}
			if got := evalJS[string](e, `location.href`); strings.Contains(got, "#") {
				t.Errorf("hiding the message left the address %s", got)
			}

			// Withdrawing reloads the page, which then says so.
			e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
			e.click(`.cg-reopen`)
			e.waitSettings(true)
			e.click(`#cg-settings button[value="reject_all"]`)
			e.waitReload(10 * time.Second)
			e.waitFor("the message after the reload", 5*time.Second, func() (bool, string) {
				m := e.savedMessage()
				return m.Shown && m.Focused, fmt.Sprintf("%+v", m)
			})
			if m := e.savedMessage(); m.Text != tc.rejected {
				t.Errorf("after withdrawing the message reads %q, want %q", m.Text, tc.rejected)
			}
			if got := evalJS[string](e, `location.hash`); got != "" {
				t.Errorf("after the reload the address keeps %q", got)
			}
			e.noExceptions()
		})
	}
}

// savedMsg is what the visitor and assistive technology get of #cg-saved.
type savedMsg struct {
	Shown, Focused   bool
	Role, Live, Text string
	Hide             string
}

func (e *env) savedMessage() savedMsg {
	e.t.Helper()
	var m savedMsg
	raw := evalJS[string](e, `(m => JSON.stringify(!m ? {} : {Shown: m.getClientRects().length > 0 && getComputedStyle(m).visibility === 'visible',
		Focused: document.activeElement === m, Role: m.getAttribute('role') || '', Live: m.getAttribute('aria-live') || '',
		Text: m.querySelector('p').textContent.replace(/\s+/g, ' ').trim(), Hide: m.querySelector('[data-cg-hide]').textContent.trim()}))(document.getElementById('cg-saved'))`)
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// TestLastMileNoJSMessage: without JavaScript a choice posted from the
// banner returns to the page's #cg-saved, which then says what was saved;
// the settings page names the site, links back and, posted from, returns
// to the page with its message too.
func TestLastMileNoJSMessage(t *testing.T) {
	e := newEnv(t, "")
	e.disableJS()
	e.open("/services/bins.html")
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(rejectButton)
	e.waitReload(10 * time.Second)
	if got := evalJS[string](e, `location.pathname + location.hash`); got != "/services/bins.html#cg-saved" {
		t.Errorf("after Reject all without JavaScript the browser is on %s, want /services/bins.html#cg-saved", got)
	}
	m := e.savedMessage()
	if !m.Shown || m.Text != "You've rejected additional cookies. You can change your cookie settings at any time." {
		t.Errorf("without JavaScript the message after Reject all is %+v", m)
	}
	if !evalJS[bool](e, `(r => r.top >= 0 && r.bottom <= innerHeight)(document.getElementById('cg-saved').getBoundingClientRect())`) {
		t.Error("the message is not on screen")
	}
	// Its hide link goes to "#": no longer the target, the message goes.
	e.click(`#cg-saved [data-cg-hide]`)
	e.waitFor("the message to hide", 5*time.Second, func() (bool, string) {
		m := e.savedMessage()
		return !m.Shown, fmt.Sprintf("%+v", m)
	})

	e.open("/_consent/settings?return_to=/cy/index.html")
	page := evalJS[string](e, `document.title + '|' + document.querySelector('.cg-cap').textContent + '|' + [...document.querySelectorAll('a[href="/cy/index.html"]')].length`)
	if page != "Gosodiadau cwcis - Cwcis ar Llanwern County Council|Cwcis ar Llanwern County Council|2" {
		t.Errorf("the Welsh settings page reads title|caption|links back = %q", page)
	}
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(`button[value="accept_all"]`)
	e.waitReload(10 * time.Second)
	if got := evalJS[string](e, `location.pathname + location.hash`); got != "/cy/index.html#cg-saved" {
		t.Errorf("after Accept all on the settings page the browser is on %s", got)
	}
	if m := e.savedMessage(); !m.Shown || m.Text != "Rydych wedi derbyn cwcis ychwanegol. Gallwch newid eich gosodiadau cwcis unrhyw bryd." {
		t.Errorf("without JavaScript the Welsh message after Accept all is %+v", m)
	}
}

// TestLastMileBackForwardCache: accepting on page B and going back to page
// A, which the browser restores from its back/forward cache still asking,
// updates A in place: no banner, its held-back embeds and scripts active.
func TestLastMileBackForwardCache(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.do("mark page A", chromedp.Evaluate[chromedp.Void](`window.__pageA = 1`))
	e.load("/services/bins.html")
	e.click(acceptButton)
	e.waitConsentCookie()
	e.waitBannerGone()
	e.stubs.reset()
	// history.back(), not NavigateBack: a page restored from the cache
	// fires no load event to wait for.
	// Once in a few CI runs Chromium ignored the first history.back() just
	// after the choice (page B stayed for 10 s): it is sent again while B is
	// still showing.
	back := time.Now()
	e.do("go back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	e.waitFor("page A", 10*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, `location.pathname + ' ' + document.readyState`)
		if err == nil && s == "/services/bins.html complete" && time.Since(back) > 2*time.Second {
			back = time.Now()
			_, _ = tryJS[bool](e, `history.back(), true`)
		}
		return err == nil && s == "/ complete", s
	})
	restored := evalJS[bool](e, `window.__pageA === 1`)
	if !restored {
		// Without the back/forward cache A is loaded anew, with the choice
		// in its markup: the pageshow path is then taken as the browser
		// would, by the event it fires (a fresh page, the choice made by a
		// request the banner does not know of).
		t.Logf("NOTE: Chromium loaded page A anew (navigation type %s): the back/forward cache did not engage; "+
			"the pageshow path is checked with a synthetic PageTransitionEvent",
			evalJS[string](e, `performance.getEntriesByType('navigation')[0].type`))
		e = newEnv(t, "")
		e.load("/")
		e.do("choose behind the banner's back", chromedp.Evaluate[chromedp.Void](`window.__pageA = 1; fetch('/_consent/choice', {method: 'POST',
			headers: {Accept: 'application/json'}, body: new URLSearchParams({action: 'accept_all', return_to: '/'})})`))
		e.waitConsentCookie()
		e.do("pageshow", chromedp.Evaluate[chromedp.Void](`dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))`))
	} else {
		t.Logf("page A came back from the back/forward cache (navigation type %s)", evalJS[string](e, `performance.getEntriesByType('navigation')[0].type`))
	}
	e.waitBannerGone()
	e.waitRequests(10*time.Second, append(slices.Clone(analyticsRequests), otherRequests...)...)
	if !evalJS[bool](e, `window.__pageA === 1`) {
		t.Error("page A was reloaded; want it updated in place")
	}
	if got := evalJS[string](e, `document.getElementById('cg-root').getAttribute('data-cg-granted')`); got != "analytics media social marketing" {
		t.Errorf("page A's banner knows of %q granted, want everything", got)
	}
	if m := e.savedMessage(); m.Shown {
		t.Error("a page restored from the cache shows the message of a choice made elsewhere")
	}
	e.noExceptions()
}

// TestLastMilePhone: at 390×844 the banner takes under a third of the
// screen, in English and Welsh, and after a choice the Cookie settings
// control covers no page text wherever the page is scrolled. With
// UPDATE_SCREENSHOTS=1 the banner and the settings at that size go to
// testdata/screenshots.
func TestLastMilePhone(t *testing.T) {
	e := newEnv(t, "")
	dir := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("testdata", "screenshots")
	}
	e.viewport(390, 844, true, 2)
	for _, tc := range []struct{ name, page string }{{"390", "/"}, {"cy-390", "/cy/index.html"}} {
		e.load(tc.page)
		h := evalJS[float64](e, `document.getElementById('cg-banner').getBoundingClientRect().height`)
		vh := evalJS[float64](e, `innerHeight`)
		t.Logf("%s: the banner is %.0fpx of %.0fpx, %.1f%% of the screen", tc.page, h, vh, 100*h/vh)
		if h >= vh/3 {
			t.Errorf("%s: at 390×844 the banner is %.0fpx of %.0fpx, want under a third", tc.page, h, vh)
		}
		shoot(t, e, filepath.Join(dir, "banner-"+tc.name+".png"))
		e.openSettingsFromBanner()
		shoot(t, e, filepath.Join(dir, "settings-"+tc.name+".png"))
		e.key(kb.Escape)
		e.waitSettings(false)
	}
	e.click(rejectButton)
	e.waitBannerGone()
	if m := e.savedMessage(); !m.Shown {
		t.Fatal("no message after Reject all")
	}
	h := evalJS[float64](e, `document.getElementById('cg-saved').getBoundingClientRect().height`)
	t.Logf("the message after a choice is %.0fpx of 844px", h)
	shoot(t, e, filepath.Join(dir, "saved-cy-390.png"))
	e.click(`#cg-saved [data-cg-hide]`)
	covered := evalJS[string](e, `(() => {
		const c = document.querySelector('#cg-root .cg-reopen'), root = document.getElementById('cg-root'), out = [];
		for (const y of [0, 300, document.documentElement.scrollHeight / 2, document.documentElement.scrollHeight]) {
			scrollTo(0, y);
			const r = c.getBoundingClientRect(), w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
			for (let n; (n = w.nextNode());) {
				if (!n.data.trim() || root.contains(n)) continue;
				const rg = document.createRange();
				rg.selectNodeContents(n);
				for (const t of rg.getClientRects())
					if (t.right > r.left && t.left < r.right && t.bottom > r.top && t.top < r.bottom) out.push(y + ': ' + n.data.trim().slice(0, 30));
			}
		}
		scrollTo(0, 0);
		return out.join(' | ');
	})()`)
	if covered != "" {
		t.Errorf("at 390×844 the Cookie settings control covers page text: %s", covered)
	}
	e.viewport(1280, 800, false, 1)

	// A browser sending Global Privacy Control gets a paragraph saying so,
	// in place of the short intro: still under a third.
	g := newEnv(t, "")
	if _, err := chromedp.Call(g.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
		t.Fatal(err)
	}
	g.viewport(390, 844, true, 2)
	g.load("/")
	if !evalJS[bool](g, `document.querySelector('#cg-banner .cg-gpc').getClientRects().length > 0`) {
		t.Fatal("no GPC paragraph in the banner with Sec-GPC: 1")
	}
	h = evalJS[float64](g, `document.getElementById('cg-banner').getBoundingClientRect().height`)
	t.Logf("with GPC the banner is %.0fpx of 844px, %.1f%%", h, 100*h/844)
	if h >= 844.0/3 {
		t.Errorf("with GPC at 390×844 the banner is %.0fpx, want under a third", h)
	}
	e.noExceptions()
	g.noExceptions()
}
