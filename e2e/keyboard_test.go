package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusInfo describes document.activeElement.
type focusInfo struct {
	Desc                   string
	InBanner, InRoot       bool
	Outline, Shadow        string
	OutlineWidth           float64
	Top, Bottom, BannerTop float64
	ViewH                  float64
	W, H                   float64
}

const focusInfoJS = `(() => {
	const el = document.activeElement, cs = getComputedStyle(el), r = el.getBoundingClientRect();
	const b = document.getElementById('cg-banner'), root = document.getElementById('cg-root');
	const bt = b && !b.hidden && b.getClientRects().length ? b.getBoundingClientRect().top : innerHeight;
	return JSON.stringify({Desc: el.tagName + (el.className ? '.' + el.className : '') + ' ' + (el.textContent || '').trim().slice(0, 30),
		InBanner: !!b && b.contains(el), InRoot: !!root && root.contains(el), Outline: cs.outlineStyle, OutlineWidth: parseFloat(cs.outlineWidth) || 0,
		Shadow: cs.boxShadow, ViewH: innerHeight, Top: r.top, Bottom: r.bottom, BannerTop: bt, W: r.width, H: r.height});
})()`

func (e *env) focus() focusInfo {
	e.t.Helper()
	var f focusInfo
	if err := json.Unmarshal([]byte(evalJS[string](e, focusInfoJS)), &f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (f focusInfo) visible() bool {
	return (f.Outline != "none" && f.OutlineWidth >= 2) || (f.Shadow != "none" && f.Shadow != "")
}

// TestRule19Keyboard: with the keyboard alone the banner's buttons come
// within the first few Tab presses, show a visible focus indicator, do not
// trap focus, and after a choice focus lands on the Cookie settings control.
// While the banner is up no focused page link is hidden behind it (WCAG
// 2.4.11).
func TestRule19Keyboard(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	var reached []string
	for i := 0; i < 6; i++ {
		e.key(kb.Tab)
		f := e.focus()
		if f.InBanner && strings.HasPrefix(f.Desc, "BUTTON") {
			reached = append(reached, f.Desc)
			if !f.visible() {
				t.Errorf("focused %q has no visible focus indicator (outline %s %.0fpx, box-shadow %s)", f.Desc, f.Outline, f.OutlineWidth, f.Shadow)
			}
		}
	}
	if len(reached) < 3 {
		t.Errorf("within 6 Tab presses from page load the banner buttons reached were %v, want all three", reached)
	}
	// No trap: Tab goes on into the page.
	left := false
	for i := 0; i < 6 && !left; i++ {
		e.key(kb.Tab)
		left = !e.focus().InRoot
	}
	if !left {
		t.Error("6 Tab presses after the banner's buttons, focus is still in the banner: a keyboard trap")
	}
	// Focus not obscured: walk the page's links while the sticky banner is up.
	var covered []string
	for i := 0; i < 40; i++ {
		e.key(kb.Tab)
		f := e.focus()
		if f.InRoot || f.H == 0 {
			continue
		}
		// What of it is in the window must not all be under the banner.
		if visTop, visBottom := max(f.Top, 0), min(f.Bottom, f.ViewH); visBottom <= visTop || visTop >= f.BannerTop {
			covered = append(covered, fmt.Sprintf("%s (%.0f–%.0f, window %.0f, banner from %.0f)", f.Desc, f.Top, f.Bottom, f.ViewH, f.BannerTop))
		}
	}
	if len(covered) > 0 {
		t.Errorf("focused page elements entirely hidden behind the banner (WCAG 2.4.11):\n  %s", strings.Join(covered, "\n  "))
	}

	// Back to the banner with Shift+Tab is not needed: reload and choose.
	e.load("/")
	for i := 0; i < 8; i++ {
		e.key(kb.Tab)
		if f := e.focus(); strings.Contains(f.Desc, "Reject all") {
			break
		}
	}
	if f := e.focus(); !strings.Contains(f.Desc, "Reject all") {
		t.Fatalf("could not reach Reject all with Tab; focus on %s", f.Desc)
	}
	e.key(kb.Enter)
	e.waitBannerGone()
	e.waitConsentCookie()
	// Focus goes to the message saying what was chosen (issue 11), from
	// where the Cookie settings control is the way on.
	if f := e.focus(); !strings.Contains(f.Desc, "cg-msg") || !strings.Contains(f.Desc, "rejected") {
		t.Errorf("after rejecting with the keyboard focus is on %q, want the message saying what was chosen", f.Desc)
	}
	e.do("focus the Cookie settings control", chromedp.Focus(chromedp.CSS(`.cg-reopen`)))
	// The settings open and close with the keyboard, focus returning.
	e.key(kb.Enter)
	e.waitSettings(true)
	if f := e.focus(); !f.InRoot {
		t.Errorf("opening the settings with Enter left focus on %q, want it in the settings", f.Desc)
	}
	e.key(kb.Escape)
	e.waitSettings(false)
	if f := e.focus(); !strings.Contains(f.Desc, "cg-reopen") {
		t.Errorf("after Escape focus is on %q, want back on the Cookie settings control", f.Desc)
	}
	e.noExceptions()
}

// TestRule19TargetsAndReflow: every control of the banner, the settings
// layer and the Cookie settings control is at least 24×24px; at 320px wide
// and at 200% zoom (640×400 CSS px at 1280×800) the banner fits the width
// and every button can be reached, scrolled to and seen.
func TestRule19TargetsAndReflow(t *testing.T) {
	e := newEnv(t, extraPages)
	const targetsJS = `JSON.stringify([...document.querySelectorAll('#cg-root button, #cg-root a, #cg-root input:not([type=hidden])')]
		.filter(el => el.getClientRects().length).map(el => { const r = el.getBoundingClientRect();
		return {Desc: el.tagName + ' ' + (el.id || el.className) + ' ' + el.textContent.trim().slice(0, 30), W: r.width, H: r.height}; }))`
	type target struct {
		Desc string
		W, H float64
	}
	checkTargets := func(where string) int {
		var ts []target
		if err := json.Unmarshal([]byte(evalJS[string](e, targetsJS)), &ts); err != nil {
			t.Fatal(err)
		}
		for _, c := range ts {
			if c.W < 24 || c.H < 24 {
				t.Errorf("%s: %s is %.0f×%.0fpx, want at least 24×24 (WCAG 2.5.8)", where, c.Desc, c.W, c.H)
			}
		}
		return len(ts)
	}
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"1280", 1280, 800, false}, {"320", 320, 640, true}, {"zoom200", 640, 400, false}} {
		t.Run(vp.name, func(t *testing.T) {
			e.t = t
			e.viewport(vp.width, vp.height, vp.mobile, 1)
			e.load("/e2e/plain.html")
			if n := checkTargets(vp.name + " banner"); n < 5 {
				t.Errorf("only %d controls measured in the banner", n)
			}
			fit := evalJS[string](e, `(() => { const b = document.getElementById('cg-banner').getBoundingClientRect();
				return JSON.stringify([b.left >= 0 && b.right <= innerWidth + 0.5, document.documentElement.scrollWidth <= innerWidth + 0.5]); })()`)
			if fit != "[true,true]" {
				t.Errorf("at %s the banner or page overflows the width: [banner fits, no horizontal scroll] = %s", vp.name, fit)
			}
			// Every button can be brought into view and is then on screen.
			unreachable := evalJS[string](e, `[...document.querySelectorAll('#cg-banner button')].filter(b => {
				b.scrollIntoView({block: 'nearest'}); const r = b.getBoundingClientRect();
				return !(r.top >= 0 && r.bottom <= innerHeight + 0.5 && r.left >= 0 && r.right <= innerWidth + 0.5); }).map(b => b.textContent).join(', ')`)
			if unreachable != "" {
				t.Errorf("at %s these banner buttons cannot be scrolled fully into view: %s", vp.name, unreachable)
			}
			e.openSettingsFromBanner()
			checkTargets(vp.name + " settings")
			unreachable = evalJS[string](e, `[...document.querySelectorAll('#cg-settings button, #cg-settings input')].filter(b => {
				b.scrollIntoView({block: 'nearest'}); const r = b.getBoundingClientRect();
				return !(r.top >= 0 && r.bottom <= innerHeight + 0.5 && r.left >= 0 && r.right <= innerWidth + 0.5); }).map(b => b.id || b.textContent).join(', ')`)
			if unreachable != "" {
				t.Errorf("at %s these settings controls cannot be scrolled fully into view: %s", vp.name, unreachable)
			}
		})
	}
	e.t = t
	e.viewport(1280, 800, false, 1)
	e.load("/e2e/plain.html")
	e.click(rejectButton)
	e.waitBannerGone()
	checkTargets("after a choice (Cookie settings control)")
	e.noExceptions()
}
