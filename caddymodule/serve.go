package caddymodule

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/rewrite"
	"github.com/consentgate/consentgate/trackers"
)

// ServeHTTP serves the consent endpoints itself and wraps every other
// response so that HTML is rewritten on its way out.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if strings.HasPrefix(r.URL.Path, Prefix+"/") {
		return h.serveEndpoint(w, r)
	}
	v := h.visitorOf(r)
	h.gpcChoice(w, r, v)
	if h.ScrubRequestCookies {
		h.cookies.ScrubCookieHeader(r.Header, v)
	}
	if isUpgrade(r) {
		return next.ServeHTTP(w, r)
	}
	limitAcceptEncoding(r)
	rw := &responseWriter{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, h: h, req: r, v: v}
	// Release the rewriter's coroutine on every way out, a panic included:
	// reverse_proxy unwinds an aborted response with http.ErrAbortHandler.
	finished := false
	defer func() {
		if !finished && rw.rw != nil {
			rw.rw.Abort()
		}
	}()
	if err := next.ServeHTTP(rw, r); err != nil {
		return err
	}
	finished = true
	return rw.finish()
}

func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" && strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// limitAcceptEncoding asks upstream only for encodings the rewriter can
// decode. Page requests ask for identity: decoding and re-encoding costs more
// than letting Caddy's encode compress once.
func limitAcceptEncoding(r *http.Request) {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		r.Header.Set("Accept-Encoding", "identity")
		return
	}
	var keep []string
	for part := range strings.SplitSeq(ae, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if _, ok := decoders[strings.ToLower(strings.TrimSpace(name))]; ok {
			keep = append(keep, strings.TrimSpace(part))
		}
	}
	if len(keep) == 0 {
		r.Header.Set("Accept-Encoding", "identity")
		return
	}
	r.Header.Set("Accept-Encoding", strings.Join(keep, ", "))
}

// newRewriter builds the rewriter for one HTML response in content encoding enc.
func (h *Handler) newRewriter(w *responseWriter, enc string) *rewrite.Rewriter {
	v, r := w.v, w.req
	returnTo := originalURI(r)
	nonce, styleNonce := cspNonces(w.Header())
	// A nonce in the header wins; one in a <meta> policy is the rewriter's
	// to find before it inserts anything.
	page := func(rp rewrite.Page) banner.Page {
		p := h.page(v, h.locale(r.URL.Path, rp.Lang), returnTo)
		p.Nonce, p.StyleNonce = cmp.Or(nonce, rp.ScriptNonce), cmp.Or(styleNonce, rp.StyleNonce)
		p.XML = w.xml
		return p
	}
	xml := func(b []byte, inHead bool) []byte {
		if w.xml {
			return banner.XHTML(b, inHead)
		}
		return b
	}
	head := func(rp rewrite.Page) []byte { return xml(h.rendered.Head(page(rp)), true) }
	opts := rewrite.Options{
		Catalogue: h.rewriting,
		Allowed:   v.Allows,
		Decode:    decoders[enc],
		XML:       w.xml,
		Placeholder: func(vd *trackers.Vendor, src, lang string) []byte {
			return h.placeholder(page(rewrite.Page{Lang: lang}), vd, src)
		},
	}
	// What is inserted depends on what the response is: only a page the
	// visitor navigated to gets a banner; a fragment gets nothing, or a
	// page swapping it in would show two; an SVG gets no HTML at all.
	switch w.kind {
	case kindPage:
		opts.SniffDocument = !saysNavigation(r)
		opts.HeadInject, opts.FrameInject = head, head
		opts.BodyInject = func(rp rewrite.Page) []byte { return xml(h.rendered.Body(page(rp)), false) }
	case kindFrame:
		opts.HeadInject, opts.FrameInject = head, head
	}
	debug := h.logger.Core().Enabled(zap.DebugLevel)
	opts.OnNeutralise = func(vd *trackers.Vendor) {
		metrics.neutralised.WithLabelValues(vd.ID).Inc()
		if debug {
			w.neutralised = append(w.neutralised, vd.ID)
		}
	}
	return rewrite.New(bodyWriter{w}, opts)
}

// placeholder is the document a held-back frame shows instead.
func (h *Handler) placeholder(p banner.Page, v *trackers.Vendor, src string) []byte {
	e := banner.Embed{Page: p, Provider: v.Name, Link: banner.ProviderLink(src)}
	for _, c := range p.Categories {
		if c.ID == string(v.Category) {
			e.Category = c
		}
	}
	return h.rendered.Placeholder(e)
}

// originalURI is the path and query the visitor asked for, before any
// internal rewrite (handle_path, try_files, rewrite), so a choice brings them
// back to the URL they were on.
func originalURI(r *http.Request) string {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.URL != nil {
		return or.URL.RequestURI()
	}
	return r.URL.RequestURI()
}
