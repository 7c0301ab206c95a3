package rewrite

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/trackers"
)

// The benchmarks of issue 12 run on testdata/bench/council.html, a 104 KB
// council page with every vendor snippet a council site carries (see
// testdata/bench/gen.go); the 5 MB page is that page repeated. Every
// benchmark feeds the same bytes in the same upstream-sized chunks, so the
// rewriter's MB/s can be read against the floor's in the same run.

const chunkSize = 32 << 10

// page returns the council page repeated to at least size bytes.
func page(b testing.TB, size int) []byte {
	one, err := os.ReadFile("../testdata/bench/council.html")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for buf.Len() < size {
		buf.Write(one)
	}
	return buf.Bytes()
}

// everyRule is Options with every rule on for a visitor who has consented
// to nothing: head and body insertions, iframe placeholders, the cookie
// table, the settings link and a neutralisation counter. Like the module,
// it builds the catalogue and renders (and escapes) the placeholder once,
// not per response.
func everyRule(b testing.TB, neutralised *int) Options {
	ph := EscapeSrcdoc([]byte(`<!DOCTYPE html><html lang="en"><style>body{margin:0;font:16px sans-serif}</style><p>This video is held back until you allow embedded video cookies.</p><a href="#" target="_top">Load this once</a></html>`))
	return Options{
		Catalogue:    catalogue(b),
		Allowed:      nil,
		HeadInject:   func(dst []byte, _ Page) []byte { return append(dst, `<script>/* guard */</script>`...) },
		BodyInject:   func(dst []byte, _ Page) []byte { return append(dst, `<div id="consent-banner">banner</div>`...) },
		Placeholder:  func(dst []byte, _ *trackers.Vendor, _, _ string) []byte { return append(dst, ph...) },
		CookieTable:  func(Page) []byte { return []byte(`<table><tr><td>_ga</td></tr></table>`) },
		SettingsHref: "/_consent/settings",
		OnNeutralise: func(*trackers.Vendor) { *neutralised++ },
	}
}

// rewriteOnce is one response: in rewritten to io.Discard in upstream-sized
// chunks.
func rewriteOnce(b testing.TB, in []byte, opts Options) {
	r := New(io.Discard, opts)
	for i := 0; i < len(in); i += chunkSize {
		if _, err := r.Write(in[i:min(i+chunkSize, len(in))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchRewrite(b *testing.B, size int) {
	in := page(b, size)
	n := 0
	opts := everyRule(b, &n)
	if rewriteOnce(b, in, opts); n == 0 {
		b.Fatal("nothing neutralised: the page or the options do not exercise the rules")
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		rewriteOnce(b, in, opts)
	}
}

func BenchmarkRewrite100KB(b *testing.B) { benchRewrite(b, 100<<10) }
func BenchmarkRewrite5MB(b *testing.B)   { benchRewrite(b, 5<<20) }

// lts keeps the floor's count of '<' alive, so the compiler cannot drop the scan.
var lts int

// benchFloor is what the rewriter is measured against (issue 12's target:
// at least half of it): on the same bytes in the same chunks, find every '<'
// with bytes.IndexByte and copy the chunk into a sink, as a pass-through
// that looks at every tag would at least do.
func benchFloor(b *testing.B, size int) {
	in := page(b, size)
	sink := make([]byte, chunkSize)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(in); i += chunkSize {
			chunk := in[i:min(i+chunkSize, len(in))]
			for rest := chunk; ; {
				j := bytes.IndexByte(rest, '<')
				if j < 0 {
					break
				}
				lts++
				rest = rest[j+1:]
			}
			copy(sink, chunk)
		}
	}
}

func BenchmarkFloor100KB(b *testing.B) { benchFloor(b, 100<<10) }
func BenchmarkFloor5MB(b *testing.B)   { benchFloor(b, 5<<20) }

// BenchmarkLexer100KB is the package's lexer alone on the same page, as the
// rewriter runs it once the head is written (coalescing) but with no rule:
// every token's bytes go to a discarding buffered writer. What the rules
// cost is the difference from BenchmarkRewrite100KB.
func BenchmarkLexer100KB(b *testing.B) {
	in := page(b, 100<<10)
	out := bufio.NewWriterSize(io.Discard, 16<<10)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var l lexer
		l.reset(bytes.NewReader(in), DefaultMaxToken)
		l.coalesce, l.sink = true, out
		for l.next() != tkError {
			out.Write(l.raw())
		}
		l.release()
	}
}

// BenchmarkTokenizer100KB is x/net/html's tokenizer alone on the same page,
// reading every token's raw bytes and doing nothing with them.
func BenchmarkTokenizer100KB(b *testing.B) {
	in := page(b, 100<<10)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		z := html.NewTokenizer(bytes.NewReader(in))
		for z.Next() != html.ErrorToken {
			_ = z.Raw()
		}
	}
}
