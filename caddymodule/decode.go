package caddymodule

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// codings are the content codings the rewriter can read.
var codings = map[string]func(io.Reader) (io.Reader, error){
	"gzip":    func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"x-gzip":  func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"br":      func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	"zstd":    newZstd,
	"deflate": newDeflate,
}

// maxCodings is how many stacked codings are undone: "gzip, gzip" (an
// application and a proxy both compressing) is two. Nobody sends three, and
// each layer multiplies what a small body can expand to.
const maxCodings = 2

// UTF-16 chain suffixes: the body is declared UTF-16 (little or big endian)
// and is transcoded to UTF-8.
const (
	utf16LE = ";utf-16le"
	utf16BE = ";utf-16be"
)

// decoders maps a decode chain (decodeChain's key) to the reader that turns
// the body into bytes the rewriter reads: the content codings undone, last
// applied first, then the text as a browser decodes it. A byte order mark
// decides over any declared charset, as it does in browsers: a UTF-8 one
// is kept, a UTF-16 one (or a UTF-16 header and no mark) means the body is
// transcoded to UTF-8 behind a UTF-8 mark, so the browser reads the
// rewritten page as UTF-8 whatever the header says. Keys exist for every
// chain of up to maxCodings codings, so "gzip" looks up as before.
var decoders = func() map[string]func(io.Reader) (io.Reader, error) {
	m := map[string]func(io.Reader) (io.Reader, error){}
	chains := [][]string{nil}
	for n := 0; n < maxCodings; n++ {
		for _, c := range chains {
			if len(c) == n {
				for name := range codings {
					chains = append(chains, append(append([]string(nil), c...), name))
				}
			}
		}
	}
	for _, c := range chains {
		for _, cs := range []string{"", utf16LE, utf16BE} {
			m[strings.Join(c, ", ")+cs] = chainDecoder(c, cs)
		}
	}
	m["identity"] = m[""]
	return m
}()

func chainDecoder(chain []string, charset string) func(io.Reader) (io.Reader, error) {
	return func(r io.Reader) (io.Reader, error) {
		layers := new(layered)
		for i := len(chain) - 1; i >= 0; i-- {
			d, err := codings[chain[i]](r)
			if err != nil {
				layers.Close()
				return nil, err
			}
			if c, ok := d.(io.Closer); ok {
				layers.closers = append(layers.closers, c)
			}
			r = d
		}
		layers.bomReader = bomReader{r: r, charset: charset}
		return layers, nil
	}
}

// layered is a decoded body, read by its byte order mark; closing it closes
// every decoder under it.
type layered struct {
	bomReader
	closers []io.Closer
}

func (l *layered) Close() error {
	for _, c := range l.closers {
		c.Close()
	}
	l.closers = nil
	return nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// bomReader reads r as a browser would: by its byte order mark, else by
// the declared charset (one of the UTF-16 suffixes, or "" for an
// ASCII-compatible one the rewriter reads as it is). It looks at the first
// bytes on the first Read, when the rewriter starts reading, and from then
// on gives back those it did not replace, then the reader it chose.
type bomReader struct {
	r       io.Reader
	charset string
	chosen  bool
	head    [3]byte
	pending []byte // the part of head still to be read, before r
}

func (b *bomReader) Read(p []byte) (int, error) {
	if !b.chosen {
		b.chosen = true
		n, err := io.ReadFull(b.r, b.head[:])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return 0, err
		}
		head := b.head[:n]
		switch {
		case bytes.HasPrefix(head, utf8BOM):
			b.pending = head
		case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
			b.r = fromUTF16(io.MultiReader(bytes.NewReader(head[2:]), b.r), unicode.LittleEndian)
		case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
			b.r = fromUTF16(io.MultiReader(bytes.NewReader(head[2:]), b.r), unicode.BigEndian)
		case b.charset == utf16LE:
			b.r = fromUTF16(io.MultiReader(bytes.NewReader(head), b.r), unicode.LittleEndian)
		case b.charset == utf16BE:
			b.r = fromUTF16(io.MultiReader(bytes.NewReader(head), b.r), unicode.BigEndian)
		default:
			b.pending = head
		}
	}
	if len(b.pending) > 0 {
		n := copy(p, b.pending)
		b.pending = b.pending[n:]
		return n, nil
	}
	return b.r.Read(p)
}

// fromUTF16 is r transcoded to UTF-8 behind a UTF-8 byte order mark;
// unpaired surrogates and an odd last byte become U+FFFD, as in browsers.
func fromUTF16(r io.Reader, e unicode.Endianness) io.Reader {
	return io.MultiReader(bytes.NewReader(utf8BOM), transform.NewReader(r, unicode.UTF16(e, unicode.IgnoreBOM).NewDecoder()))
}

// decodeChain is the key in decoders for a response with header hdr, and
// whether there is one. The codings are those of every Content-Encoding
// field in order, case and spaces ignored and identity dropped; an unknown
// coding, or more than maxCodings, cannot be decoded.
func decodeChain(hdr http.Header) (string, bool) {
	var chain []string
	for _, v := range hdr.Values("Content-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name := strings.ToLower(strings.TrimSpace(part))
			switch {
			case name == "" || name == "identity":
				continue
			case codings[name] == nil || len(chain) == maxCodings:
				return "", false
			}
			chain = append(chain, name)
		}
	}
	key := strings.Join(chain, ", ")
	switch _, cs := contentType(hdr); cs {
	case "utf-16le", "utf-16", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff":
		key += utf16LE
	case "utf-16be", "unicodefffe":
		key += utf16BE
	}
	return key, true
}

// isUTF16 reports whether a decode chain transcodes from a declared UTF-16.
func isUTF16(chain string) bool {
	return strings.HasSuffix(chain, utf16LE) || strings.HasSuffix(chain, utf16BE)
}

// contentType is the MIME type and charset a browser takes from hdr
// (Fetch's "extract a MIME type"): every Content-Type field, split at
// commas outside quoted strings; the last value that parses and is not
// */* wins; its charset, or, when it has none, that of an earlier value of
// the same type. So "text/plain, text/html" is HTML, as Chromium renders it.
func contentType(hdr http.Header) (mediaType, charset string) {
	for _, field := range hdr.Values("Content-Type") {
		one := [1]string{field}
		values := one[:]
		if strings.Contains(field, ",") {
			values = splitOutsideQuotes(field)
		}
		for _, v := range values {
			mt, cs, hasCS := simpleContentType(v)
			if mt == "" {
				var params map[string]string
				var err error
				if mt, params, err = mime.ParseMediaType(v); err != nil && err != mime.ErrInvalidMediaParameter {
					continue
				}
				cs, hasCS = params["charset"]
			}
			if mt == "*/*" || !strings.Contains(mt, "/") {
				continue
			}
			if mt != mediaType {
				mediaType, charset = mt, ""
			}
			if hasCS {
				charset = strings.ToLower(strings.TrimSpace(cs))
			}
		}
	}
	return mediaType, charset
}

// simpleContentType is mime.ParseMediaType for the usual value, a type
// and subtype with at most a charset, without the map and strings that
// allocates for every response: mt is "" for any other value.
func simpleContentType(v string) (mt, charset string, hasCharset bool) {
	i := skipSpace(v, 0)
	j := tokenEnd(v, i)
	if j == i || j == len(v) || v[j] != '/' {
		return "", "", false
	}
	k := tokenEnd(v, j+1)
	if k == j+1 {
		return "", "", false
	}
	mt = strings.ToLower(v[i:k])
	if i = skipSpace(v, k); i == len(v) {
		return mt, "", false
	}
	if v[i] != ';' {
		return "", "", false
	}
	i = skipSpace(v, i+1)
	j = tokenEnd(v, i)
	if !strings.EqualFold(v[i:j], "charset") {
		return "", "", false
	}
	if i = skipSpace(v, j); i == len(v) || v[i] != '=' {
		return "", "", false
	}
	i = skipSpace(v, i+1)
	j = tokenEnd(v, i)
	if j == i || skipSpace(v, j) != len(v) {
		return "", "", false
	}
	return mt, v[i:j], true
}

// skipSpace is the index of the first byte from i that is not a space or
// tab.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// tokenEnd is the index of the first byte from i that is not an HTTP token
// character (RFC 9110), as mime reads them.
func tokenEnd(s string, i int) int {
	for i < len(s) && s[i] > ' ' && s[i] < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(s[i])) {
		i++
	}
	return i
}

// splitOutsideQuotes splits a header value at commas not inside a quoted
// string.
func splitOutsideQuotes(s string) []string {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := range len(s) {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
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
