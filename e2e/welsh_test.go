package e2e

import (
	"strings"
	"testing"
)

// TestRule18Welsh: under /cy/ and on any page with lang="cy" the banner,
// the settings layer and the settings page are in Welsh, with lang set; a
// council's own wording from the Caddyfile replaces the built-in text.
func TestRule18Welsh(t *testing.T) {
	e := newEnvWith(t, `text cy acceptAll "Iawn, derbyn y cwbl"`, extraPages)
	for _, p := range []string{"/cy/index.html", "/e2e/cymraeg.html"} {
		t.Run(strings.Trim(p, "/"), func(t *testing.T) {
			e.t = t
			e.load(p)
			if got := evalJS[string](e, `document.getElementById('cg-root').lang`); got != "cy" {
				t.Errorf("#cg-root lang=%q on %s, want cy", got, p)
			}
			if got := evalJS[string](e, `document.getElementById('cg-title').textContent`); got != "Cwcis ar Llanwern County Council" {
				t.Errorf("banner title on %s is %q, want Welsh", p, got)
			}
			checkButtonTexts(t, e, `#cg-banner button`, "Iawn, derbyn y cwbl", "Gwrthod pob cwci", "Gosodiadau cwcis")
			e.openSettingsFromBanner()
			settings := evalJS[string](e, `document.getElementById('cg-settings').textContent`)
			for _, w := range []string{"Gosodiadau cwcis", "Cadw gosodiadau cwcis"} {
				if !strings.Contains(settings, w) {
					t.Errorf("settings layer on %s lacks %q", p, w)
				}
			}
			for _, en := range []string{"Accept all", "Reject all", "Analytics cookies", "Always on", "Close"} {
				if strings.Contains(settings, en) {
					t.Errorf("settings layer on %s has English %q", p, en)
				}
			}
			if got := evalJS[string](e, `document.querySelector('#cg-root .cg-reopen').textContent`); got != "Gosodiadau cwcis" {
				t.Errorf("Cookie settings control on %s reads %q", p, got)
			}
		})
	}
	e.t = t
	e.load("/_consent/settings?return_to=/cy/index.html")
	if got := evalJS[string](e, `document.documentElement.lang + '|' + document.querySelector('h1').textContent`); got != "cy|Gosodiadau cwcis" {
		t.Errorf("no-JS settings page for /cy/: lang|h1 = %q, want cy|Gosodiadau cwcis", got)
	}
	// English pages stay English, with the English default text.
	e.load("/")
	if got := evalJS[string](e, `document.getElementById('cg-root').lang`); got != "en" {
		t.Errorf("#cg-root lang=%q on /, want en", got)
	}
	checkButtonTexts(t, e, `#cg-banner button`, "Accept all cookies", "Reject all cookies", "Cookie settings")
	e.noExceptions()
}

func checkButtonTexts(t *testing.T, e *env, sel string, want ...string) {
	t.Helper()
	got := evalJS[string](e, `[...document.querySelectorAll(`+jsString(sel)+`)].map(b => b.textContent.trim()).join('|')`)
	if got != strings.Join(want, "|") {
		t.Errorf("%s read %q, want %q", sel, got, strings.Join(want, "|"))
	}
}

// TestWelshSiteName: with the council's Welsh name configured, Welsh pages
// and the Welsh settings page name it as Welsh grammar wants it after "ar";
// English pages keep the English name.
func TestWelshSiteName(t *testing.T) {
	e := newEnvWith(t, `site_name "Llanwern County Council" "Cyngor Sir Llanwern"`, "")
	e.load("/cy/index.html")
	if got := evalJS[string](e, `document.getElementById('cg-title').textContent`); got != "Cwcis ar Gyngor Sir Llanwern" {
		t.Errorf("Welsh banner title %q, want Cwcis ar Gyngor Sir Llanwern", got)
	}
	e.load("/index.html")
	if got := evalJS[string](e, `document.getElementById('cg-title').textContent`); got != "Cookies on Llanwern County Council" {
		t.Errorf("English banner title %q", got)
	}
	e.load("/_consent/settings?return_to=/cy/index.html")
	if got := evalJS[string](e, `document.title + ' | ' + document.body.textContent`); !strings.Contains(got, "Gyngor Sir Llanwern") {
		t.Errorf("the Welsh settings page does not name the council in Welsh: %.300q", got)
	}
}
