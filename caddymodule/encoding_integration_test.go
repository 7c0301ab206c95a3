package caddymodule_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// encPage is a page with a live Google tag, as the upstream sends it.
const encPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bins</title>` +
	`<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script></head>` +
	`<body><p>Caf` + "\u00e9" + ` bins</p></body></html>`

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
		if bigEndian {
			out = []byte{0xFE, 0xFF}
		}
	}
	for _, r := range s { // the page is all in the BMP
		if bigEndian {
			out = append(out, byte(r>>8), byte(r))
		} else {
			out = append(out, byte(r), byte(r>>8))
		}
	}
	return out
}

// TestOddEncodingsNeverServeLiveTrackers: every Content-Encoding list and
// Content-Type a browser would read as HTML is decoded and rewritten, or,
// when it cannot be, never reaches a visitor who has not consented with the
// tracker live: a 502, or the body unchanged under an enforced CSP that
// refuses the tracker's host.
func TestOddEncodingsNeverServeLiveTrackers(t *testing.T) {
	page := []byte(encPage)
	gz := itGzip
	type variant struct {
		ce   []string // Content-Encoding fields
		ct   []string // Content-Type fields
		cc   string
		body []byte
	}
	variants := map[string]variant{
		"gzip-gzip":           {ce: []string{"gzip, gzip"}, body: gz(gz(page))},
		"gzip-gzip-fields":    {ce: []string{"gzip", "gzip"}, body: gz(gz(page))},
		"gzip-identity":       {ce: []string{"gzip, identity"}, body: gz(page)},
		"identity-gzip":       {ce: []string{"identity, gzip"}, body: gz(page)},
		"case-space":          {ce: []string{"  GZip ,Identity"}, body: gz(page)},
		"br-then-gzip":        {ce: []string{"br, gzip"}, body: gz(itEncoders["br"](page))},
		"gzip-compress":       {ce: []string{"gzip, compress"}, body: page},
		"compress":            {ce: []string{"compress"}, body: page},
		"three-layers":        {ce: []string{"gzip, gzip, gzip"}, body: gz(gz(gz(page)))},
		"plain-then-html":     {ct: []string{"text/plain, text/html"}, body: page},
		"two-fields":          {ct: []string{"text/plain", "text/html; charset=utf-8"}, body: page},
		"html-then-plain":     {ct: []string{"text/html, text/plain"}, body: page},
		"quoted-charset":      {ct: []string{`text/html; charset="UTF-8"`}, body: page},
		"utf16-header-utf8":   {ct: []string{"text/html; charset=UTF-16"}, body: append([]byte{0xEF, 0xBB, 0xBF}, page...)},
		"utf16le-bom":         {ct: []string{`text/html; charset="utf-16le"`}, body: utf16Bytes(encPage, false, true)},
		"utf16be-bom-as-utf8": {ct: []string{"text/html; charset=utf-8"}, body: utf16Bytes(encPage, true, true)},
		"utf16-no-bom":        {ct: []string{"text/html; charset=utf-16"}, body: utf16Bytes(encPage, false, false)},
		"utf16be-no-bom-gz":   {ce: []string{"gzip"}, ct: []string{"text/html; charset=UTF-16BE"}, body: gz(utf16Bytes(encPage, true, false))},
		"no-transform":        {cc: "public, max-age=60, no-transform", body: page},
		"text-plain":          {ct: []string{"text/plain; charset=utf-8"}, body: page},
	}
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		v := variants[strings.TrimPrefix(r.URL.Path, "/")]
		for _, ce := range v.ce {
			w.Header().Add("Content-Encoding", ce)
		}
		if v.ct == nil {
			v.ct = []string{"text/html; charset=utf-8"}
		}
		for _, ct := range v.ct {
			w.Header().Add("Content-Type", ct)
		}
		if v.cc != "" {
			w.Header().Set("Cache-Control", v.cc)
		}
		w.Write(v.body)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	itSeen(t, c, base, "/quoted-charset") // a page the handler rewrites, so it has seen its tracker
	all := itConsent(t, c, base, url.Values{"action": {"accept_all"}})

	// how each variant must arrive
	const (
		rewritten = iota // 200, decoded UTF-8 HTML, tracker inert
		bad              // 502, nothing of the page
		guarded          // 200, body unchanged, CSP enforced without the tracker's host
		asText           // 200, body unchanged: browsers show it as text
	)
	for _, tc := range []struct {
		name string
		want int
		ct   string // Content-Type sent on, when it matters
	}{
		{"gzip-gzip", rewritten, ""}, {"gzip-gzip-fields", rewritten, ""}, {"gzip-identity", rewritten, ""},
		{"identity-gzip", rewritten, ""}, {"case-space", rewritten, ""}, {"br-then-gzip", rewritten, ""},
		{"gzip-compress", bad, ""}, {"compress", bad, ""}, {"three-layers", bad, ""},
		{"plain-then-html", rewritten, "text/html"}, {"two-fields", rewritten, "text/html; charset=utf-8"},
		{"html-then-plain", asText, ""}, {"quoted-charset", rewritten, ""},
		{"utf16-header-utf8", rewritten, "text/html; charset=utf-8"}, {"utf16le-bom", rewritten, "text/html; charset=utf-8"},
		{"utf16be-bom-as-utf8", rewritten, "text/html; charset=utf-8"}, {"utf16-no-bom", rewritten, "text/html; charset=utf-8"},
		{"utf16be-no-bom-gz", rewritten, "text/html; charset=utf-8"},
		{"no-transform", guarded, ""}, {"text-plain", asText, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip, br, compress"}
			resp, body := itGet(t, c, base+"/"+tc.name, hdr)
			orig := variants[tc.name].body
			switch tc.want {
			case rewritten:
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
					t.Fatalf("status %d, Content-Encoding %q; want 200, decoded", resp.StatusCode, resp.Header.Get("Content-Encoding"))
				}
				if !utf8.Valid(body) || !bytes.Contains(body, []byte("Caf\u00e9 bins")) {
					t.Errorf("body is not the page as UTF-8: %.200q", body)
				}
				if live := itLiveTrackers(body); len(live) > 0 {
					t.Errorf("live trackers %v in\n%s", live, body)
				}
				if !bytes.Contains(body, []byte(`data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-X"`)) {
					t.Errorf("the tag was not neutralised:\n%s", body)
				}
				if ct := resp.Header.Values("Content-Type"); tc.ct != "" && (len(ct) != 1 || ct[0] != tc.ct) {
					t.Errorf("Content-Type %q, want %q", ct, tc.ct)
				}
			case bad:
				if resp.StatusCode != http.StatusBadGateway || bytes.Contains(body, []byte("googletagmanager")) || resp.Header.Get("Content-Encoding") != "" {
					t.Errorf("status %d, Content-Encoding %q, body %.100q; want a bare 502", resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
				}
				// with everything consented there is nothing to hold back
				resp, body = itGet(t, c, base+"/"+tc.name, map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip, compress", "Cookie": all})
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, orig) {
					t.Errorf("consented visitor: status %d, body changed %v", resp.StatusCode, !bytes.Equal(body, orig))
				}
			case guarded:
				csp := resp.Header.Get("Content-Security-Policy")
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, orig) || !strings.Contains(csp, "script-src 'self'") ||
					strings.Contains(csp, "googletagmanager") || !itVaryHas(resp, "Cookie") {
					t.Errorf("status %d, body changed %v, CSP %q, Vary %q", resp.StatusCode, !bytes.Equal(body, orig), csp, resp.Header.Values("Vary"))
				}
				if strings.Contains(csp, "report-uri") {
					t.Errorf("CSP %q reports to an endpoint that does not exist without pre_consent_csp", csp)
				}
				resp, body = itGet(t, c, base+"/"+tc.name, map[string]string{"Accept": "text/html", "Cookie": all})
				if csp := resp.Header.Get("Content-Security-Policy"); csp != "" || !bytes.Equal(body, orig) {
					t.Errorf("consented visitor: CSP %q, body changed %v", csp, !bytes.Equal(body, orig))
				}
			case asText:
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, orig) {
					t.Errorf("status %d; text changed", resp.StatusCode)
				}
			}
		})
	}
}

// TestUntypedHTMLIsRewritten: an upstream that sends no Content-Type (a
// bare Node http server, say) gets one from net/http's sniffing, and the
// browser renders HTML: the handler sniffs the same bytes first.
func TestUntypedHTMLIsRewritten(t *testing.T) {
	long := encPage + strings.Repeat("<p>more</p>", 100)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 600)...)
	bodies := map[string][]byte{"/short": []byte(encPage), "/long": []byte(long), "/png": png, "/text": []byte("just <b>text</b> gtag/js"),
		"/empty-type": []byte(encPage), "/unknown-type": []byte(encPage)}
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/empty-type": // the browser sniffs
			w.Header().Set("Content-Type", "")
		case "/unknown-type":
			w.Header().Set("Content-Type", "unknown/unknown")
		default:
			w.Header()["Content-Type"] = nil // net/http would sniff and send one
		}
		b := bodies[r.URL.Path]
		w.Write(b[:len(b)/2]) // in two writes, across the sniff length
		w.(http.Flusher).Flush()
		w.Write(b[len(b)/2:])
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	for _, path := range []string{"/short", "/long", "/empty-type", "/unknown-type"} {
		resp, body := itGet(t, c, base+path, map[string]string{"Accept": "text/html"})
		if live := itLiveTrackers(body); len(live) > 0 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q, live trackers %v", path, resp.Header.Get("Content-Type"), live)
		}
		if !bytes.Contains(body, []byte("Caf\u00e9 bins")) || (path == "/long" && !bytes.Contains(body, []byte(strings.Repeat("<p>more</p>", 100)))) {
			t.Errorf("%s: page lost:\n%s", path, body)
		}
	}
	for _, path := range []string{"/png", "/text"} {
		resp, body := itGet(t, c, base+path, map[string]string{"Accept": "*/*"})
		if !bytes.Equal(body, bodies[path]) || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q, body changed %v", path, resp.Header.Get("Content-Type"), !bytes.Equal(body, bodies[path]))
		}
	}
}
