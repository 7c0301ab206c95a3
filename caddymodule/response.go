package caddymodule

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/rewrite"
)

// mode is what the wrapper does with a response, decided once in WriteHeader.
type mode int

const (
	undecided   mode = iota
	passThrough      // not ours to touch: bytes go straight to the client
	headersOnly      // HEAD, 204, 304: fix headers, no body to rewrite
	rewriting        // HTML: decode, rewrite, inject
)

// responseWriter decides per response whether to rewrite, and in rewrite
// mode holds the status line back until the first rewritten byte, so that
// an undecodable body can still become a clean 502.
type responseWriter struct {
	*caddyhttp.ResponseWriterWrapper
	h    *Handler
	req  *http.Request
	v    visitor
	mode mode

	status    int
	committed bool // status line sent downstream
	rw        *rewrite.Rewriter
	kind      docKind // what the rewritten response is: page, frame, fragment, SVG
	xml       bool    // XHTML or SVG: inserted markup must be well-formed

	neutralised []string // vendor IDs made inert, collected only for debug logging
}

// WriteHeader decides what happens to the response.
func (w *responseWriter) WriteHeader(status int) {
	if w.mode != undecided {
		return
	}
	hdr := w.Header()
	filterLinkHeader(hdr, w.h.rewriting, w.v.allows)
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		w.ResponseWriterWrapper.WriteHeader(status) // 103 Early Hints: Link filtered above
		return
	}
	w.h.filterSetCookie(hdr, w.v)
	w.status = status
	w.mode = w.decide(status, hdr)
	w.kind, w.xml = kindOf(w.req, hdr), isXML(hdr)
	switch w.mode {
	case rewriting:
		w.rw = w.h.newRewriter(w, contentEncoding(hdr))
		w.rewrittenHeaders(hdr)
		return // committed with the first byte
	case headersOnly:
		// The same URL fetched with GET would be rewritten: describe that.
		if _, ok := decoders[contentEncoding(hdr)]; ok && isHTML(hdr) {
			w.rewrittenHeaders(hdr)
		}
	}
	w.commit()
}

func (w *responseWriter) decide(status int, hdr http.Header) mode {
	switch {
	case w.req.Method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified:
		return headersOnly
	case status == http.StatusSwitchingProtocols || status == http.StatusPartialContent || hdr.Get("Content-Range") != "":
		return passThrough
	case !isHTML(hdr):
		return passThrough
	case strings.Contains(strings.ToLower(hdr.Get("Cache-Control")), "no-transform"):
		return passThrough
	}
	enc := contentEncoding(hdr)
	if _, ok := decoders[enc]; !ok {
		w.h.logger.Warn("HTML in an encoding the rewriter cannot decode passed through unchanged",
			zap.String("content_encoding", enc), zap.String("path", w.req.URL.Path))
		return passThrough
	}
	_, params, _ := mime.ParseMediaType(hdr.Get("Content-Type"))
	if cs := strings.ToLower(params["charset"]); strings.HasPrefix(cs, "utf-16") || strings.HasPrefix(cs, "utf-32") {
		w.h.logger.Warn("HTML in a non-ASCII-compatible charset passed through unchanged",
			zap.String("charset", cs), zap.String("path", w.req.URL.Path))
		return passThrough
	}
	return rewriting
}

// rewrittenHeaders describes the page as the rewriter sends it: decoded,
// with no length, validator or ranges of the upstream bytes, and varying
// with the visitor's consent. It is private and revalidated every time: the
// same cookie can mean a different page once the choice expires or the
// policy changes (a re-prompt), which Vary: Cookie alone would not make a
// browser ask for.
func (w *responseWriter) rewrittenHeaders(hdr http.Header) {
	for _, k := range []string{"Content-Length", "Content-Encoding", "ETag", "Accept-Ranges"} {
		hdr.Del(k)
	}
	w.allowGuard(hdr)
	w.h.setPreConsentCSP(hdr, w.v)
	hdr.Add("Vary", "Cookie")
	hdr.Add("Vary", fragmentVary)
	hdr.Del("Last-Modified")
	if !strings.Contains(strings.ToLower(hdr.Get("Cache-Control")), "no-store") {
		hdr.Set("Cache-Control", "private, no-cache")
	}
}

// allowGuard lets the inline run-time guard run under the page's own
// Content-Security-Policy: with its nonce when it has one, else by adding
// the guard's hash to any policy that would block it.
func (w *responseWriter) allowGuard(hdr http.Header) {
	if w.kind != kindPage && w.kind != kindFrame {
		return
	}
	if w.v.grantsAll() {
		return // no guard
	}
	if nonce, _ := cspNonces(hdr); nonce != "" {
		return
	}
	hashes := w.h.guardHashes
	if w.xml {
		allowInlineHash(hdr, hashes[1])
	} else {
		allowInlineHash(hdr, hashes[0])
	}
}

func contentEncoding(hdr http.Header) string {
	return strings.ToLower(strings.TrimSpace(hdr.Get("Content-Encoding")))
}

// isHTML reports whether the response is markup the rewriter de-tracks:
// HTML, XHTML or SVG (an SVG map can script and load pixels too).
func isHTML(hdr http.Header) bool {
	switch mediaType(hdr) {
	case "text/html", "application/xhtml+xml", "image/svg+xml":
		return true
	}
	return false
}

func (w *responseWriter) commit() {
	if !w.committed {
		w.committed = true
		w.ResponseWriterWrapper.WriteHeader(w.status)
	}
}

// Write rewrites or passes p on.
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.mode == undecided {
		w.WriteHeader(http.StatusOK)
	}
	if w.mode == rewriting {
		n, err := w.rw.Write(p)
		if err != nil && w.rw.Err() != nil {
			// An undecodable body: finish reports it (a 502 when nothing
			// was sent yet). Failing the write here would make
			// reverse_proxy abort the connection instead.
			return len(p), nil
		}
		return n, err
	}
	return w.ResponseWriterWrapper.Write(p)
}

// ReadFrom keeps file_server's sendfile path for responses passed through
// and routes rewritten ones through Write.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.mode == undecided {
		w.WriteHeader(http.StatusOK)
	}
	if w.mode == rewriting {
		return io.Copy(writerOnly{w}, r)
	}
	return w.ResponseWriterWrapper.ReadFrom(r)
}

// FlushError flushes what has been rewritten so far; before the header
// decision there is nothing to flush.
func (w *responseWriter) FlushError() error {
	switch w.mode {
	case undecided:
		return nil
	case rewriting:
		if err := w.rw.Flush(); err != nil {
			return err
		}
		if !w.committed {
			return nil
		}
	}
	return http.NewResponseController(w.ResponseWriterWrapper).Flush()
}

// finish ends the rewrite once next has returned. An undecodable body that
// produced no output becomes a 502 for handle_errors; after output has
// started the error can only be logged.
func (w *responseWriter) finish() error {
	if w.mode != rewriting {
		return nil
	}
	err := w.rw.Close()
	if len(w.neutralised) > 0 {
		w.h.logger.Debug("neutralised trackers", zap.String("path", w.req.URL.Path), zap.Strings("vendors", w.neutralised))
	}
	if err == nil {
		w.commit()
		return nil
	}
	if !w.committed {
		hdr := w.Header()
		for _, k := range []string{"Content-Type", "Vary", "Set-Cookie", "Last-Modified", "Cache-Control"} {
			hdr.Del(k)
		}
		return caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("cookie_consent: upstream HTML: %w", err))
	}
	w.h.logger.Error("HTML response ended in error; the page was sent as far as it could be decoded",
		zap.String("path", w.req.URL.Path), zap.Error(err))
	return nil
}

// bodyWriter receives rewritten bytes and sends the status line first.
type bodyWriter struct{ w *responseWriter }

func (b bodyWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b.w.commit()
	return b.w.ResponseWriterWrapper.Write(p)
}

// writerOnly hides ReadFrom so io.Copy uses Write.
type writerOnly struct{ io.Writer }

var (
	_ http.ResponseWriter = (*responseWriter)(nil)
	_ io.ReaderFrom       = (*responseWriter)(nil)
)
