package caddymodule

import (
	"bufio"
	"github.com/klauspost/compress/flate"
	"io"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// decoders are the content encodings the rewriter can read; nil means the
// body is not encoded.
var decoders = map[string]func(io.Reader) (io.Reader, error){
	"":         nil,
	"identity": nil,
	"gzip":     func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"x-gzip":   func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"br":       func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	"zstd":     newZstd,
	"deflate":  newDeflate,
}

// zstd frames may declare windows up to 8 MiB for HTTP (RFC 9659); refuse
// more, so a hostile upstream cannot make us allocate.
func newZstd(r io.Reader) (io.Reader, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(8<<20))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// newDeflate reads HTTP "deflate", which is meant to be zlib but is raw
// DEFLATE from some servers: the first two bytes tell which.
func newDeflate(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64)
	h, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	if h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}
