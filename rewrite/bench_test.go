package rewrite

import (
	"bytes"
	"io"
	"os"
	"testing"

	"golang.org/x/net/html"
)

// page returns a realistic council page (the demo home page, with every
// vendor snippet) repeated to about size bytes.
func page(b *testing.B, size int) []byte {
	one, err := os.ReadFile("../testdata/site/index.html")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for buf.Len() < size {
		buf.Write(one)
	}
	return buf.Bytes()
}

func benchRewrite(b *testing.B, size int) {
	in := page(b, size)
	opts := Options{Catalogue: catalogue(b), BodyInject: func(Page) []byte { return []byte("<div>banner</div>") }}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := New(io.Discard, opts)
		for i := 0; i < len(in); i += 32 << 10 { // upstream-sized chunks
			r.Write(in[i:min(i+32<<10, len(in))])
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewrite100KB(b *testing.B) { benchRewrite(b, 100<<10) }
func BenchmarkRewrite5MB(b *testing.B)   { benchRewrite(b, 5<<20) }

// BenchmarkTokenizer100KB is the floor the rewriter is measured against:
// x/net/html's tokenizer alone on the same page, reading every token's raw
// bytes and doing nothing with them.
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
