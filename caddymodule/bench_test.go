package caddymodule

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// BenchmarkHandler measures the whole handler on the demo home page for a
// visitor with no choice: header decision, rewrite, banner rendering.
func BenchmarkHandler(b *testing.B) {
	page, err := os.ReadFile("../testdata/site/index.html")
	if err != nil {
		b.Fatal(err)
	}
	benchHandler(b, page)
}

// BenchmarkHandlerLarge is BenchmarkHandler on a page of about 1 MB: the
// demo home page's body repeated, trackers and frames included. Its
// allocations per response against BenchmarkHandler's show what grows
// with the page.
func BenchmarkHandlerLarge(b *testing.B) {
	page, err := os.ReadFile("../testdata/site/index.html")
	if err != nil {
		b.Fatal(err)
	}
	lower := bytes.ToLower(page)
	start, end := bytes.Index(lower, []byte("<body")), bytes.LastIndex(lower, []byte("</body>"))
	if start < 0 || end < start {
		b.Fatal("the demo page has no body")
	}
	body := page[bytes.IndexByte(page[start:], '>')+start+1 : end]
	large := append([]byte{}, page[:end]...)
	for len(large) < 1<<20 {
		large = append(large, body...)
	}
	benchHandler(b, append(large, page[end:]...))
}

func benchHandler(b *testing.B, page []byte) {
	b.Setenv("XDG_DATA_HOME", b.TempDir())
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{SiteName: "Llanwern County Council", Secret: "a benchmark secret, 16+ bytes"} // a bare context has no storage
	if err := h.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	// At Caddy's default INFO level nothing is logged per response; the
	// bare context's logger would log at DEBUG.
	h.logger = zap.NewNop()
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := w.Write(page)
		return err
	})
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/services/bins.html", nil)
		req.Header.Set("Accept", "text/html")
		rec := &discardWriter{header: http.Header{}}
		if err := h.ServeHTTP(rec, req, next); err != nil || rec.code != http.StatusOK || rec.n < int64(len(page)) {
			b.Fatalf("status %d, %d bytes, err %v", rec.code, rec.n, err)
		}
	}
}

// discardWriter is a ResponseWriter that counts the body and keeps none of
// it, so that the benchmark's allocations are the handler's, not a
// recorder's growing buffer.
type discardWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	return len(p), nil
}
