package caddymodule

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/rewrite"
)

// mode is what the wrapper does with a response, decided once in WriteHeader.
type mode int

const (
	undecided   mode = iota
	passThrough      // not ours to touch: bytes go straight to the client
	headersOnly      // HEAD, 204, 304: fix headers, no body to rewrite
	rewriting        // HTML: decode, rewrite, inject
	refused          // HTML that cannot be rewritten, for a visitor who has not consented to everything: a 502
	sniffing         // no Content-Type: the first bytes decide, as they do for net/http and the browser
)

// responseWriter decides per response whether to rewrite, and in rewrite
// mode holds the status line back until the first rewritten byte, so that
// an undecodable body can still become a clean 502.
type responseWriter struct {
	caddyhttp.ResponseWriterWrapper
	h    *Handler
	req  *http.Request
	v    consent.Visitor
	mode mode

	status     int
	committed  bool // status line sent downstream
	rw         *rewrite.Rewriter
	chain      string  // the body's decode chain, a key in decoders
	rewritable bool    // the body is rewritten (for HEAD: would be)
	refusal    error   // why a refused response is a 502
	sniffed    []byte  // the first bytes of an untyped body, while sniffing
	kind       docKind // what the rewritten response is: page, frame, fragment, SVG
	xml        bool    // XHTML or SVG: inserted markup must be well-formed
	injection          // the per-response values the rewriter's insertions take

	neutralised []string // vendor IDs made inert, collected only for debug logging
}

// WriteHeader decides what happens to the response.
func (w *responseWriter) WriteHeader(status int) {
	if w.mode != undecided {
		return
	}
	hdr := w.Header()
	filterLinkHeader(hdr, w.h.rewriting, w.v.Allows)
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		w.ResponseWriterWrapper.WriteHeader(status) // 103 Early Hints: Link filtered above
		return
	}
	w.h.cookies.FilterSetCookie(hdr, w.v, time.Now(), w.h.consentLog.seen.seeSetCookie)
	w.status = status
	if w.untyped(status, hdr) {
		w.mode = sniffing
		return
	}
	w.start(hdr)
}

// newRewriter builds the rewriter for one HTML response in content encoding
// enc. What it inserts is rendered once per configuration, locale and
// visitor state (banner.Cache); the callbacks only fill in w's injection.
func (h *Handler) newRewriter(w *responseWriter, enc string) *rewrite.Rewriter {
	w.returnTo = originalURI(w.req)
	// A nonce in the header wins; one in a <meta> policy is the rewriter's
	// to find before it inserts anything.
	w.nonce, w.styleNonce = cspNonces(w.Header())
	w.debug = h.logger.Core().Enabled(zap.DebugLevel)
	w.seen = w.seenBuf[:0]
	opts := rewrite.Options{
		Catalogue:    h.rewriting,
		Allowed:      allowing(w.v),
		Decode:       decoders[enc],
		XML:          w.xml,
		Placeholder:  w.placeholder,
		OnNeutralise: w.neutralise,
	}
	// What is inserted depends on what the response is: only a page the
	// visitor navigated to gets a banner; a fragment gets nothing, or a
	// page swapping it in would show two; an SVG gets no HTML at all.
	switch w.kind {
	case kindPage:
		opts.SniffDocument = !saysNavigation(w.req)
		opts.HeadInject = w.head
		opts.FrameInject, opts.BodyInject = opts.HeadInject, w.body
	case kindFrame:
		opts.HeadInject = w.head
		opts.FrameInject = opts.HeadInject
	}
	// The site's own privacy page shows the cookie table where it marks
	// it, whatever the response is; an SVG has no HTML to put it in.
	if w.kind != kindSVG {
		opts.CookieTable = w.cookieTable
		opts.CookieTableSelector = h.tableSelector
		opts.SettingsHref = Prefix + "/settings?return_to=" + url.QueryEscape(w.returnTo)
	}
	return rewrite.New(bodyWriter{w}, opts)
}

// untyped reports whether the response has a body and no Content-Type
// the browser would use. Without one net/http labels it from its first 512
// bytes, and with an empty, unparseable or "unknown" one the browser sniffs
// them (unless nosniff), so an HTML page an upstream sends like that is
// rendered as HTML: its first bytes must decide here too. An encoded body
// is labelled by its compressed bytes, never as HTML.
func (w *responseWriter) untyped(status int, hdr http.Header) bool {
	if w.req.Method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified ||
		status == http.StatusSwitchingProtocols || status == http.StatusPartialContent {
		return false
	}
	if len(hdr.Values("Content-Type")) > 0 {
		switch mediaType(hdr) {
		case "", "unknown/unknown", "application/unknown":
			if strings.EqualFold(strings.TrimSpace(hdr.Get("X-Content-Type-Options")), "nosniff") {
				return false
			}
		default:
			return false
		}
	}
	chain, ok := decodeChain(hdr)
	return ok && chain == ""
}

// endSniff labels an untyped body as net/http would if it is HTML, and
// decides from there; anything else stays unlabelled, for net/http to
// label from the same bytes.
func (w *responseWriter) endSniff(head []byte) {
	if ct := http.DetectContentType(head); strings.HasPrefix(ct, "text/html") {
		w.Header().Set("Content-Type", ct)
	}
	w.start(w.Header())
}

// start decides and begins the response.
func (w *responseWriter) start(hdr http.Header) {
	w.kind, w.xml = kindOf(w.req, hdr), isXML(hdr)
	w.mode = w.decide(w.status, hdr)
	switch w.mode {
	case rewriting:
		w.rw = w.h.newRewriter(w, w.chain)
		w.rewrittenHeaders(hdr)
		return // committed with the first byte
	case refused:
		return // finish answers 502
	case headersOnly:
		// The same URL fetched with GET would be rewritten: describe that.
		if w.rewritable {
			w.rewrittenHeaders(hdr)
		}
	}
	w.commit()
}

// decide picks the mode. Markup the rewriter may not or cannot change must
// still not reach a visitor who has not consented to everything with its
// trackers live (the rule of issue 9):
//   - Cache-Control: no-transform: the origin forbids changing the body, so
//     it is sent as it is, under the pre-consent policy enforced (the
//     browser refuses the tracker loads the rewriter would have held) and
//     with Vary: Cookie, as it differs by consent;
//   - a content coding the rewriter cannot decode (compress, an unknown
//     name, more than maxCodings layers): it was not asked for (upstream
//     requests list only decodable codings), may well be undecodable by the
//     browser too, and serving it under a policy would show garbage as
//     often as the page: 502, logged.
//
// A visitor who consented to everything gets either unchanged. UTF-16
// bodies are transcoded to UTF-8 (decode.go), so no charset is refused;
// text/plain is never rendered as HTML, so it passes.
func (w *responseWriter) decide(status int, hdr http.Header) mode {
	bodiless := w.req.Method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified
	unchanged := passThrough
	if bodiless {
		unchanged = headersOnly
	}
	switch {
	case !bodiless && (status == http.StatusSwitchingProtocols || status == http.StatusPartialContent || hdr.Get("Content-Range") != ""):
		return passThrough
	case !isHTML(hdr):
		return unchanged
	case strings.Contains(strings.ToLower(hdr.Get("Cache-Control")), "no-transform"):
		hdr.Add("Vary", "Cookie")
		if !w.v.GrantsAll() {
			w.h.enforcePreConsentCSP(hdr, w.v)
		}
		if !bodiless {
			w.countPassThrough(reasonNoTransform, "HTML with Cache-Control: no-transform sent unchanged, under the pre-consent CSP enforced for visitors who have not consented to everything")
		}
		return unchanged
	}
	chain, ok := decodeChain(hdr)
	switch {
	case ok:
		w.chain, w.rewritable = chain, true
		if bodiless {
			return headersOnly
		}
		return rewriting
	case bodiless:
		return headersOnly
	case w.v.GrantsAll():
		w.countPassThrough(reasonEncoding, "HTML in a content encoding the rewriter cannot decode sent unchanged to a visitor who consented to everything")
		return passThrough
	}
	w.countPassThrough(reasonEncoding, "HTML in a content encoding the rewriter cannot decode refused with 502: it would reach a visitor who has not consented with its trackers live")
	w.refusal = fmt.Errorf("cookie_consent: upstream HTML in Content-Encoding %q, which cannot be decoded to be rewritten", hdr.Values("Content-Encoding"))
	return refused
}

// sniffLen is how much of an untyped body net/http and browsers sniff.
const sniffLen = 512

// Reasons for the pass-through and rewrite-error metrics: a fixed set.
const (
	reasonNoTransform = "no_transform" // Cache-Control: no-transform, sent under an enforced CSP
	reasonEncoding    = "encoding"     // undecodable Content-Encoding: 502, or unchanged when all is consented
	reasonDecode      = "decode"       // the body failed to decode before any output: 502
	reasonTruncated   = "truncated"    // the body failed to decode after output began: cut short
)

// countPassThrough counts a response not rewritten and logs it, at most
// once a minute per reason: a page view must not be a log line.
func (w *responseWriter) countPassThrough(reason, msg string) {
	metrics.passThrough.WithLabelValues(reason).Inc()
	if rarely(reason) {
		w.h.logger.Warn(msg+"; further ones this minute are only counted (consentgate_passthrough_total)",
			zap.String("reason", reason), zap.Strings("content_encoding", w.Header().Values("Content-Encoding")),
			zap.String("path", w.req.URL.Path))
	}
}

var lastLogged = struct {
	sync.Mutex
	at map[string]time.Time
}{at: map[string]time.Time{}}

// rarely reports whether a line about reason (one of a fixed set) is due:
// the first, then one a minute.
func rarely(reason string) bool {
	lastLogged.Lock()
	defer lastLogged.Unlock()
	now := time.Now()
	if t, ok := lastLogged.at[reason]; ok && now.Sub(t) < time.Minute {
		return false
	}
	lastLogged.at[reason] = now
	return true
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
	if isUTF16(w.chain) || len(hdr.Values("Content-Type")) > 1 || strings.Contains(hdr.Get("Content-Type"), ",") {
		// One Content-Type, the one the browser would have read, and
		// UTF-8 once the body is transcoded.
		mt, cs := contentType(hdr)
		if isUTF16(w.chain) {
			cs = "utf-8"
		}
		if cs != "" {
			mt += "; charset=" + cs
		}
		hdr.Set("Content-Type", mt)
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
	if w.v.GrantsAll() {
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
	switch w.mode {
	case refused:
		return len(p), nil // finish answers 502
	case sniffing:
		if len(w.sniffed)+len(p) < sniffLen {
			w.sniffed = append(w.sniffed, p...)
			return len(p), nil
		}
		head := append(w.sniffed, p...)
		w.sniffed = nil
		w.endSniff(head)
		if _, err := w.Write(head); err != nil {
			return 0, err
		}
		return len(p), nil
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
	switch w.mode {
	case rewriting, sniffing:
		return io.Copy(writerOnly{w}, r)
	case refused:
		return io.Copy(io.Discard, r)
	}
	return w.ResponseWriterWrapper.ReadFrom(r)
}

// FlushError flushes what has been rewritten so far; before the header
// decision there is nothing to flush.
func (w *responseWriter) FlushError() error {
	switch w.mode {
	case undecided, refused, sniffing:
		return nil
	case rewriting:
		if err := w.rw.Flush(); err != nil {
			return err
		}
		if !w.committed {
			return nil
		}
	}
	return http.NewResponseController(&w.ResponseWriterWrapper).Flush()
}

// finish ends the rewrite once next has returned. An undecodable body that
// produced no output becomes a 502 for handle_errors; after output has
// started the response is aborted.
func (w *responseWriter) finish() error {
	if w.mode == sniffing { // a body shorter than sniffLen
		head := w.sniffed
		w.sniffed = nil
		w.endSniff(head)
		if _, err := w.Write(head); err != nil {
			return err
		}
	}
	if w.mode == refused {
		dropUpstreamHeaders(w.Header())
		return caddyhttp.Error(http.StatusBadGateway, w.refusal)
	}
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
		metrics.rewriteError.WithLabelValues(reasonDecode).Inc()
		dropUpstreamHeaders(w.Header())
		return caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("cookie_consent: upstream HTML: %w", err))
	}
	metrics.rewriteError.WithLabelValues(reasonTruncated).Inc()
	w.h.logger.Error("HTML response ended in error; the page was sent as far as it could be decoded, then the response aborted",
		zap.String("path", w.req.URL.Path), zap.Error(err))
	// The status line is out: the only honest end is an incomplete one (no
	// last chunk, or a reset stream), as reverse_proxy gives an upstream
	// reset, so no browser or cache takes the prefix for the whole page.
	_ = http.NewResponseController(&w.ResponseWriterWrapper).Flush()
	panic(http.ErrAbortHandler)
}

// dropUpstreamHeaders clears what described the upstream's body before an
// error response replaces it.
func dropUpstreamHeaders(hdr http.Header) {
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Content-Range", "Accept-Ranges",
		"ETag", "Vary", "Set-Cookie", "Last-Modified", "Cache-Control"} {
		hdr.Del(k)
	}
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
