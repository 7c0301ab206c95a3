package rewrite

import (
	"bytes"
	"io"
	"iter"
	"testing"

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/trackers"
)

func BenchmarkTokenizerOnly(b *testing.B) {
	in := page(b, 100<<10)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		z := html.NewTokenizer(bytes.NewReader(in))
		for z.Next() != html.ErrorToken {
			_ = z.Raw()
		}
	}
}

// The rewriter with an empty catalogue: the tokenizer, coroutine and copying.
func BenchmarkEmptyCatalogue(b *testing.B) {
	in := page(b, 100<<10)
	opts := Options{Catalogue: catalogue(b)}
	opts.Catalogue, _ = nil, opts
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r := New(io.Discard, Options{Catalogue: emptyCat})
		for i := 0; i < len(in); i += 32 << 10 {
			r.Write(in[i:min(i+32<<10, len(in))])
		}
		r.Close()
	}
}

var emptyCat = func() *trackers.Catalogue { c, _ := trackers.New(nil, nil); return c }()

func BenchmarkTokenizerInCoroutine(b *testing.B) {
	in := page(b, 100<<10)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		next, stop := iter.Pull(func(yield func(struct{}) bool) {
			z := html.NewTokenizer(bytes.NewReader(in))
			for z.Next() != html.ErrorToken {
				_ = z.Raw()
			}
		})
		next()
		stop()
	}
}
