package caddymodule_test

// Upstream content encodings and broken upstream bodies.

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func itGzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

var itEncoders = map[string]func([]byte) []byte{
	"gzip": itGzip,
	"br": func(b []byte) []byte {
		var buf bytes.Buffer
		w := brotli.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"zstd": func(b []byte) []byte {
		e, _ := zstd.NewWriter(nil)
		defer e.Close()
		return e.EncodeAll(b, nil)
	},
	"deflate": func(b []byte) []byte { // RFC 9110 deflate: zlib
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"deflate-raw": func(b []byte) []byte { // what some servers send as "deflate"
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	"identity": func(b []byte) []byte { return b },
}

func TestReverseProxyDecodesEveryUpstreamEncoding(t *testing.T) {
	orig := itReadSite(t, "index.html")
	var mu sync.Mutex
	seenAE := map[string][]string{} // request id → Accept-Encoding the upstream got
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		// An origin that ignores Accept-Encoding and always sends the
		// encoding named in the path.
		mu.Lock()
		seenAE[r.URL.Query().Get("id")] = r.Header.Values("Accept-Encoding")
		mu.Unlock()
		enc := strings.TrimPrefix(r.URL.Path, "/enc/")
		body := itEncoders[enc](orig)
		if enc == "deflate-raw" {
			enc = "deflate"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if enc != "identity" {
			w.Header().Set("Content-Encoding", enc)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("ETag", `"upstream-etag"`)
		w.Write(body)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)

	requests := []struct {
		name   string
		hdr    map[string]string
		wantAE string // what the upstream must see; "" = not asserted
	}{
		{"page-all-encodings", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip, deflate, br, zstd"}, "identity"},
		{"page-identity", map[string]string{"Accept": "text/html", "Accept-Encoding": "identity"}, "identity"},
		{"page-no-accept-encoding", map[string]string{"Accept": "text/html"}, ""},
		{"non-page-accept-gzip", map[string]string{"Accept": "*/*", "Accept-Encoding": "gzip"}, ""},
	}
	encs := []string{"gzip", "br", "zstd", "deflate", "deflate-raw", "identity"}
	n := 0
	for _, enc := range encs {
		for _, rq := range requests {
			t.Run(enc+"/"+rq.name, func(t *testing.T) {
				n++
				id := strconv.Itoa(n)
				resp, body := itGet(t, c, base+"/enc/"+enc+"?id="+id, rq.hdr)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200; body %q", resp.StatusCode, body[:min(len(body), 200)])
				}
				if ce := resp.Header.Get("Content-Encoding"); ce != "" {
					t.Errorf("Content-Encoding %q on a decoded, rewritten body", ce)
				}
				if et := resp.Header.Get("ETag"); et != "" {
					t.Errorf("upstream ETag %q kept on a rewritten page", et)
				}
				if !itVaryHas(resp, "Cookie") {
					t.Errorf("Vary %q lacks Cookie", resp.Header.Values("Vary"))
				}
				s := string(body)
				if strings.Contains(s, `<script async src="https://www.googletagmanager.com`) {
					t.Error("executable gtag.js loader left in the page")
				}
				if !strings.Contains(s, `data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-DEMO12345"`) {
					t.Error("gtag.js loader not found with data-consent-src")
				}
				if got := strings.Count(s, `id="cg-root"`); got != 1 {
					t.Errorf(`id="cg-root" appears %d times, want 1`, got)
				} else if strings.Index(s, `id="cg-root"`) > strings.Index(s, "</BODY>") {
					t.Error(`banner injected after </BODY>`)
				}
				if live := itLiveTrackers(body); len(live) > 0 {
					t.Errorf("trackers a browser would still load: %q", live)
				}
				if got := itNeutralised(body); !slices.Equal(got, indexNeutralised) {
					t.Errorf("neutralised elements\n got %q\nwant %q", got, indexNeutralised)
				}
				itAssertUntouchedLines(t, orig, body)
				itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)

				mu.Lock()
				ae := seenAE[id]
				mu.Unlock()
				if rq.wantAE != "" && !slices.Equal(ae, []string{rq.wantAE}) {
					t.Errorf("upstream got Accept-Encoding %q, want %q", ae, rq.wantAE)
				}
			})
		}
	}
}

// The README's own setup: encode in front of cookie_consent compresses the
// rewritten page once; assets are compressed but unchanged.
func TestEncodeCompressesTheRewrittenPage(t *testing.T) {
	orig := itReadSite(t, "index.html")
	css := itReadSite(t, "style.css")
	base := testcaddy.Start(t, "encode gzip\n"+itFileServer(t, ""))
	c := itClient(t)

	resp, gz := itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q; want 200 gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body does not decode: %v", err)
	}
	if live := itLiveTrackers(body); len(live) > 0 {
		t.Errorf("trackers a browser would still load: %q", live)
	}
	itAssertOnlyHandlerEdits(t, orig, body, hintLinks...)

	resp, gz = itGet(t, c, base+"/style.css", map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("style.css Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err = gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, css) {
		t.Errorf("style.css through encode is not the file (err %v)", err)
	}
}

// An HTML body that claims gzip but is not must become a clean 502 (which
// handle_errors can turn into a page), never garbage and never a dropped
// connection.
func TestUndecodableUpstreamGzipIs502(t *testing.T) {
	garbage := bytes.Repeat([]byte("this is not gzip <script src=https://www.googletagmanager.com/gtm.js></script>\n"), 20)
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(garbage)))
		w.Write(garbage)
	})
	// file_server's precompressed sidecar, broken the same way.
	dir := t.TempDir()
	for name, b := range map[string][]byte{"index.html": []byte("<html><body>fine</body></html>"), "index.html.gz": garbage} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, site string
		hdr        map[string]string
	}{
		{"reverse_proxy", "cookie_consent\nreverse_proxy " + up, map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}},
		{"file_server-precompressed", "cookie_consent\nroot * " + strconv.Quote(dir) + "\nfile_server {\n\tprecompressed gzip\n}",
			map[string]string{"Accept": "*/*", "Accept-Encoding": "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := testcaddy.Start(t, tc.site)
			c := itClient(t)
			resp, err := c.Do(itRequest(t, http.MethodGet, base+"/index.html", tc.hdr, nil))
			if err != nil {
				t.Fatalf("want a 502 from Caddy, got no response at all (connection closed): %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("status %d, want 502", resp.StatusCode)
			}
			if bytes.Contains(body, []byte("not gzip")) || bytes.Contains(body, []byte("googletagmanager")) {
				t.Errorf("upstream garbage delivered: %q", body[:min(len(body), 120)])
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("error response labelled Content-Encoding %q", ce)
			}
			// and the server carries on
			resp, _ = itGet(t, c, base+"/_consent/banner.css", nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("next request: status %d", resp.StatusCode)
			}
		})
	}
}

// A gzip body that breaks off mid-way: the visitor gets the decodable
// prefix, rewritten, and then an incomplete response (no last chunk), so
// neither the browser nor a cache takes it for the whole page.
func TestTruncatedUpstreamGzipDeliversDecodedPrefixThenAborts(t *testing.T) {
	orig := itReadSite(t, "index.html")
	full := itGzip(orig)
	half := full[:len(full)/2]
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body := full
		if r.URL.Path == "/truncated" {
			body = half
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	hdr := map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}

	resp, whole := itGet(t, c, base+"/whole-page", hdr)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(whole, []byte(`id="cg-root"`)) {
		t.Fatalf("complete gzip page: status %d, banner %v", resp.StatusCode, bytes.Contains(whole, []byte(`id="cg-root"`)))
	}

	resp, err := c.Do(itRequest(t, http.MethodGet, base+"/truncated", hdr, nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 with the decodable prefix", resp.StatusCode)
	}
	part, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("the prefix of a broken page ended like a whole page: the response must end incomplete")
	}
	if len(part) == 0 {
		t.Fatal("nothing of the decodable prefix was delivered")
	}
	// The same page at another path differs only in the banner's return_to,
	// which comes at the end: the prefix must match the complete rewrite.
	wholeAtPath := bytes.ReplaceAll(whole, []byte("/whole-page"), []byte("/truncated"))
	if !bytes.HasPrefix(wholeAtPath, part) {
		i := 0
		for i < len(part) && part[i] == wholeAtPath[i] {
			i++
		}
		t.Errorf("delivered %d bytes that are not a prefix of the rewritten page; from byte %d:\n got %q\nwant %q",
			len(part), i, part[i:min(i+200, len(part))], wholeAtPath[i:min(i+200, len(wholeAtPath))])
	}
	if len(part) >= len(wholeAtPath) {
		t.Errorf("delivered %d bytes from half a gzip stream, the whole page is %d", len(part), len(wholeAtPath))
	}
	if live := itLiveTrackers(part); len(live) > 0 {
		t.Errorf("trackers a browser would load from the partial page: %q", live)
	}

	// The server is still healthy.
	for range 3 {
		resp, again := itGet(t, c, base+"/whole-page", hdr)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(again, whole) {
			t.Fatalf("after a truncated response: status %d, body equal %v", resp.StatusCode, bytes.Equal(again, whole))
		}
	}
}
