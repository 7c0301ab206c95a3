package caddymodule_test

// Welsh pages and legacy charsets.

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestWelshPagesGetTheWelshBanner(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	for _, tc := range []struct {
		path, lang, accept, notText string
	}{
		{"/cy/index.html", "cy", "Derbyn pob cwci", "Accept all cookies"},
		{"/cy/", "cy", "Derbyn pob cwci", "Accept all cookies"},
		{"/index.html", "en", "Accept all cookies", "Derbyn pob cwci"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := itGet(t, c, base+tc.path, map[string]string{"Accept": "text/html"})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			s := string(body)
			if !strings.Contains(s, `<div id="cg-root" class="cg" lang="`+tc.lang+`"`) {
				t.Errorf(`banner root without lang="%s"`, tc.lang)
			}
			if !strings.Contains(s, tc.accept) || strings.Contains(s, tc.notText) {
				t.Errorf("banner text: want %q and not %q", tc.accept, tc.notText)
			}
			if live := itLiveTrackers(body); len(live) > 0 {
				t.Errorf("trackers a browser would still load: %q", live)
			}
			table := "/_consent/cookies"
			if tc.lang == "cy" {
				table += "?lang=cy"
			}
			if !strings.Contains(s, `<a href="`+table+`">`) {
				t.Errorf("banner does not link to the cookie table in its language (%s)", table)
			}
			_, page := itGet(t, c, base+table, nil)
			if !strings.Contains(string(page), `<html lang="`+tc.lang+`">`) {
				t.Errorf("cookie table at %s is not in %s", table, tc.lang)
			}
		})
	}
}

func TestLegacyWindows1252PageKeepsItsBytes(t *testing.T) {
	orig := itReadSite(t, "legacy-latin1.html")
	if bytes.Count(orig, []byte{0xA3}) == 0 {
		t.Fatal("test premise: legacy page has no 0xA3 (£) bytes")
	}
	base := testcaddy.Start(t, itFileServer(t, ""))
	c := itClient(t)
	resp, body := itGet(t, c, base+"/legacy-latin1.html", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Everything up to the first edit (the Consent Mode script after <head>)
	// is the file's own bytes.
	headEnd := bytes.Index(orig, []byte("<head>")) + len("<head>")
	if !bytes.HasPrefix(body, orig[:headEnd]) {
		t.Errorf("bytes before the first edit changed: %q", body[:min(len(body), headEnd)])
	}
	if got, want := bytes.Count(body, []byte{0xA3}), bytes.Count(orig, []byte{0xA3}); got != want {
		t.Errorf("%d 0xA3 bytes in the output, %d in the file", got, want)
	}
	if !bytes.Contains(body, []byte("\xa31,187.54")) {
		t.Error(`"£1,187.54" in windows-1252 not found verbatim`)
	}
	if live := itLiveTrackers(body); len(live) > 0 {
		t.Errorf("trackers a browser would still load: %q", live)
	}
	_, head, banner := itUnrewrite(t, body)
	for name, b := range map[string][]byte{"head script": head, "banner": banner} {
		for i, ch := range b {
			if ch >= 0x80 {
				t.Errorf("injected %s has non-ASCII byte 0x%X at %d", name, ch, i)
				break
			}
		}
	}
	if i, j := bytes.Index(body, []byte(itBodyStart)), bytes.Index(body, []byte("</Body>")); i < 0 || j < i {
		t.Errorf("banner not before </Body> (banner at %d, </Body> at %d)", i, j)
	}
	itAssertOnlyHandlerEdits(t, orig, body)
}

// Welsh pages give the council's Welsh name, mutated as Welsh mutates it
// after "ar" and "i"; the English pages keep the English name.
func TestWelshSiteName(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, `site_name "Llanwern County Council" "Cyngor Sir Llanwern"`))
	c := itClient(t)
	_, cy := itGet(t, c, base+"/cy/index.html", map[string]string{"Accept": "text/html"})
	_, en := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html"})
	_, table := itGet(t, c, base+"/_consent/cookies?lang=cy", nil)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"Welsh banner", cy, "Cwcis ar Gyngor Sir Llanwern"},
		{"English banner", en, "Cookies on Llanwern County Council"},
		{"Welsh table title", table, "Cwcis a ddefnyddir ar Gyngor Sir Llanwern"},
		{"Welsh table back link", table, "Yn ôl i Gyngor Sir Llanwern"},
		{"Welsh table provider", table, "<td data-label=\"Darparwr\">Cyngor Sir Llanwern</td>"},
	} {
		if !bytes.Contains(tc.body, []byte(tc.want)) {
			t.Errorf("%s lacks %q", tc.name, tc.want)
		}
	}
}
