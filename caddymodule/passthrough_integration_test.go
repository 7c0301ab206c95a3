package caddymodule_test

// What passes through untouched, and HEAD.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestPassThroughIsByteIdentical(t *testing.T) {
	orig := itReadSite(t, "index.html")
	js := []byte("// loader\nvar s='<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-X\"></script></body>';\n" +
		"document.write(s); // googletagmanager.com </BODY>\n")
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	const event1 = "data: <script src=\"https://www.googletagmanager.com/gtm.js\"></script>\n\n"
	const event2 = "data: </body> bye\n\n"

	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/js", "/json", "/text":
			ct := map[string]string{"/js": "application/javascript", "/json": "application/json", "/text": "text/plain; charset=utf-8"}[r.URL.Path]
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(len(js)))
			w.Write(js)
		case "/no-transform":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "public, no-transform")
			w.Header().Set("Content-Length", strconv.Itoa(len(orig)))
			w.Write(orig)
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, event1)
			http.NewResponseController(w).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			io.WriteString(w, event2)
		}
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)

	for _, tc := range []struct{ path, accept string }{
		{"/js", "*/*"}, {"/json", "application/json"}, {"/text", "text/html"},
	} {
		t.Run("non-html"+tc.path, func(t *testing.T) {
			resp, body := itGet(t, c, base+tc.path, map[string]string{"Accept": tc.accept})
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, js) {
				t.Errorf("status %d; body changed:\n got %q\nwant %q", resp.StatusCode, body, js)
			}
			if resp.Header.Get("Content-Length") != strconv.Itoa(len(js)) {
				t.Errorf("Content-Length %q, want the upstream's %d", resp.Header.Get("Content-Length"), len(js))
			}
		})
	}

	t.Run("cache-control-no-transform", func(t *testing.T) {
		resp, body := itGet(t, c, base+"/no-transform", map[string]string{"Accept": "text/html"})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, orig) {
			t.Errorf("status %d; no-transform HTML was changed (%d bytes, original %d)", resp.StatusCode, len(body), len(orig))
		}
	})

	t.Run("event-stream", func(t *testing.T) {
		req := itRequest(t, http.MethodGet, base+"/events", map[string]string{"Accept": "text/event-stream"}, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("Content-Type %q", ct)
		}
		first := make(chan []byte, 1)
		go func() {
			b := make([]byte, len(event1))
			n, _ := io.ReadFull(resp.Body, b)
			first <- b[:n]
		}()
		select {
		case b := <-first:
			if string(b) != event1 {
				t.Errorf("first event %q, want %q", b, event1)
			}
		case <-time.After(2 * time.Second):
			t.Error("first event not delivered while the stream is open: the stream is buffered")
		}
		releaseOnce.Do(func() { close(release) })
		rest, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(rest) != event2 {
			t.Errorf("rest of stream %q, want %q", rest, event2)
		}
	})

	// file_server responses
	fbase := testcaddy.Start(t, itFileServer(t, ""))

	t.Run("range-206", func(t *testing.T) {
		resp, body := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html", "Range": "bytes=0-99"})
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("status %d, want 206", resp.StatusCode)
		}
		if !bytes.Equal(body, orig[:100]) {
			t.Errorf("range body %q, want the file's first 100 bytes %q", body, orig[:100])
		}
		if cr, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes 0-99/%d", len(orig)); cr != want {
			t.Errorf("Content-Range %q, want %q", cr, want)
		}
	})

	t.Run("head", func(t *testing.T) {
		_, get := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html"})
		resp, body := itDo(t, c, itRequest(t, http.MethodHead, fbase+"/index.html", map[string]string{"Accept": "text/html"}, nil))
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD: status %d, %d body bytes", resp.StatusCode, len(body))
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(get)) {
			t.Errorf("HEAD Content-Length %s, but GET sends %d bytes", cl, len(get))
		}
		if et := resp.Header.Get("ETag"); et != "" {
			t.Errorf("HEAD keeps ETag %q that GET does not send", et)
		}
		if !itVaryHas(resp, "Cookie") {
			t.Errorf("HEAD Vary %q lacks Cookie", resp.Header.Values("Vary"))
		}
		// On the wire: nothing after the header block.
		conn, err := net.Dial("tcp", strings.TrimPrefix(fbase, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "HEAD /index.html HTTP/1.1\r\nHost: %s\r\nAccept: text/html\r\nConnection: close\r\n\r\n", strings.TrimPrefix(fbase, "http://"))
		raw, err := io.ReadAll(conn)
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
		if !ok || len(after) != 0 {
			t.Errorf("HEAD sent %d bytes after the header block (header complete: %v)", len(after), ok)
		}
	})

	t.Run("no-validators-on-pages", func(t *testing.T) {
		// The same cookie can mean a different page after a re-prompt, so
		// a browser must ask again every time: no validator, no freshness.
		resp, _ := itGet(t, c, fbase+"/index.html", map[string]string{"Accept": "text/html"})
		if lm, et := resp.Header.Get("Last-Modified"), resp.Header.Get("ETag"); lm != "" || et != "" {
			t.Errorf("rewritten page keeps validators: Last-Modified %q, ETag %q", lm, et)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("rewritten page: Cache-Control %q, want private, no-cache", cc)
		}
		resp, _ = itGet(t, c, fbase+"/style.css", nil)
		if resp.Header.Get("Last-Modified") == "" {
			t.Error("a stylesheet lost its Last-Modified: only pages vary by consent")
		}
	})
}

// A HEAD response must carry the headers the GET would: the rewritten GET
// has no Content-Encoding (it is decoded), no Accept-Ranges, no ETag and no
// Content-Length.
func TestHeadHeadersMatchGet(t *testing.T) {
	orig := itReadSite(t, "index.html")
	gz := itGzip(orig)
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip") // ignores Accept-Encoding
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		if r.Method != http.MethodHead {
			w.Write(gz)
		}
	})
	for _, tc := range []struct{ name, site string }{
		{"reverse_proxy-gzip", "cookie_consent\nreverse_proxy " + up},
		{"file_server", itFileServer(t, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := testcaddy.Start(t, tc.site)
			c := itClient(t)
			hdr := map[string]string{"Accept": "text/html", "Accept-Encoding": "gzip"}
			get, body := itDo(t, c, itRequest(t, http.MethodGet, base+"/index.html", hdr, nil))
			head, _ := itDo(t, c, itRequest(t, http.MethodHead, base+"/index.html", hdr, nil))
			if get.StatusCode != http.StatusOK || head.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(itBodyStart)) {
				t.Fatalf("GET %d, HEAD %d", get.StatusCode, head.StatusCode)
			}
			for _, h := range []string{"Content-Type", "Content-Encoding", "Accept-Ranges", "ETag"} {
				if g, hd := get.Header.Values(h), head.Header.Values(h); !slices.Equal(g, hd) {
					t.Errorf("%s: GET sends %q, HEAD says %q", h, g, hd)
				}
			}
			if cl := head.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
				t.Errorf("HEAD Content-Length %s, GET body is %d bytes", cl, len(body))
			}
		})
	}
}
