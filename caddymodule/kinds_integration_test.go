package caddymodule_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// The headers of a page reach the browser before any of its HTML: a Link
// preload to a tracker, on the final response or in 103 Early Hints, is a
// request before consent.
func TestLinkHeadersToTrackersAreStripped(t *testing.T) {
	const tracker = `<https://www.googletagmanager.com/gtm.js?id=GTM-X>; rel=preload; as=script`
	const own = `</style.css>; rel=preload; as=style`
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", tracker+", "+own)
		w.Header().Add("Link", "<https://connect.facebook.net>; rel=preconnect")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link") // net/http would send them again
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Link", tracker)
		w.Header().Add("Link", `<https://www.facebook.com/council>; rel="me"`)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html><title>t</title><p>hi</p>"))
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)

	get := func(cookie string) (hints [][]string, final []string) {
		var mu sync.Mutex
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			mu.Lock()
			defer mu.Unlock()
			if code == http.StatusEarlyHints {
				hints = append(hints, slices.Clone(h.Values("Link")))
			}
			return nil
		}}
		req := itRequest(t, http.MethodGet, base+"/", map[string]string{"Accept": "text/html"}, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, _ := itDo(t, c, req)
		return hints, resp.Header.Values("Link")
	}

	hints, final := get("")
	if len(hints) != 1 || !slices.Equal(hints[0], []string{own}) {
		t.Errorf("103 Early Hints Link = %q, want only %q", hints, own)
	}
	if !slices.Equal(final, []string{`<https://www.facebook.com/council>; rel="me"`}) {
		t.Errorf("200 Link = %q, want only the rel=me link", final)
	}

	cookie := itConsent(t, c, base, map[string][]string{"action": {"accept_all"}})
	hints, final = get(cookie)
	if len(hints) != 1 || !slices.Equal(hints[0], []string{tracker + ", " + own, "<https://connect.facebook.net>; rel=preconnect"}) {
		t.Errorf("accepted: 103 Link = %q, want the origin's", hints)
	}
	if len(final) != 2 {
		t.Errorf("accepted: 200 Link = %q, want the origin's two", final)
	}
}

// A response a page's script swaps in, or a document framed by the page,
// must not bring a second banner; an SVG document gets no HTML at all.
func TestWhatIsInsertedDependsOnTheResponseKind(t *testing.T) {
	const page = "<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p>" +
		`<iframe src="https://www.youtube.com/embed/abc"></iframe></body></html>`
	const frag = `<div class="news"><iframe src="https://www.youtube.com/embed/abc"></iframe></div>`
	const svg = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">` +
		`<image href="https://www.facebook.com/tr?id=1&amp;ev=PageView" width="1" height="1"/></svg>`
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/map.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Write([]byte(svg))
		case "/frag":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(frag))
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(page))
		}
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	for _, tc := range []struct {
		name, path string
		hdr        map[string]string
		banner     bool
		head       bool
	}{
		{"page", "/", nil, true, true},
		{"htmx", "/frag", map[string]string{"HX-Request": "true", "HX-Target": "news"}, false, false},
		{"turbo frame", "/frag", map[string]string{"Turbo-Frame": "news"}, false, false},
		{"jquery load", "/frag", map[string]string{"X-Requested-With": "XMLHttpRequest"}, false, false},
		{"fetch", "/frag", map[string]string{"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"}, false, false},
		{"a fragment nothing in the request marks", "/frag", nil, false, false},
		{"a navigation to it", "/frag", map[string]string{"Upgrade-Insecure-Requests": "1"}, true, true},
		{"framed sub-document", "/", map[string]string{"Sec-Fetch-Dest": "iframe"}, false, true},
		{"svg", "/map.svg", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Accept": "text/html"}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			resp, body := itGet(t, c, base+tc.path, hdr)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := bytes.Contains(body, []byte(itBodyStart)); got != tc.banner {
				t.Errorf("banner inserted: %v, want %v\n%s", got, tc.banner, body)
			}
			if got := bytes.Contains(body, []byte("<script")); got != tc.head {
				t.Errorf("head script inserted: %v, want %v\n%s", got, tc.head, body)
			}
			if bytes.Contains(body, []byte(` src="https://www.youtube.com`)) || bytes.Contains(body, []byte(` href="https://www.facebook.com`)) {
				t.Errorf("tracker left live:\n%s", body)
			}
			if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "HX-Request") {
				t.Errorf("Vary %q does not name the headers that make a fragment", resp.Header.Values("Vary"))
			}
		})
	}
}

// An XHTML page is parsed as XML: one unclosed tag of ours and the visitor
// gets an XML error instead of the site.
func TestXHTMLPageStaysWellFormed(t *testing.T) {
	const page = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="cy" lang="cy">
<head>
<meta http-equiv="Content-Type" content="application/xhtml+xml; charset=UTF-8" />
<title>Cyngor &amp; Council</title>
<script type="text/javascript" src="https://www.googletagmanager.com/gtag/js?id=G-XHTML1"></script>
</head>
<body>
<p>Croeso</p>
<noscript><img height="1" width="1" src="https://www.facebook.com/tr?id=1&amp;ev=PageView&amp;noscript=1" alt="" /></noscript>
<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>
</body>
</html>`
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xhtml+xml; charset=utf-8")
		w.Write([]byte(page))
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	for _, cookie := range []string{"", itConsent(t, c, base, map[string][]string{"action": {"save"}, "category": {"media"}})} {
		resp, body := itGet(t, c, base+"/", map[string]string{"Accept": "application/xhtml+xml,text/html", "Cookie": cookie})
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`id="cg-root"`)) {
			t.Fatalf("status %d, banner %v", resp.StatusCode, bytes.Contains(body, []byte(`id="cg-root"`)))
		}
		d := xml.NewDecoder(bytes.NewReader(body))
		d.Strict = true
		d.Entity = xml.HTMLEntity
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				line, col := d.InputPos()
				lines := strings.Split(string(body), "\n")
				t.Fatalf("cookie %q: not well-formed XML at %d:%d: %v\n%s", cookie, line, col, err, lines[min(line-1, len(lines)-1)])
			}
		}
		for _, live := range []string{` src="https://www.googletagmanager.com`, ` src="https://www.facebook.com/tr`} {
			if bytes.Contains(body, []byte(live)) {
				t.Errorf("cookie %q: %s left live", cookie, live)
			}
		}
	}
}
