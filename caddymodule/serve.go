package caddymodule

import (
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
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
	rw := &responseWriter{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, h: h, req: r, v: v}
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

// originalURI is the path and query the visitor asked for, before any
// internal rewrite (handle_path, try_files, rewrite), so a choice brings them
// back to the URL they were on.
func originalURI(r *http.Request) string {
	if or, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && or.URL != nil {
		return or.URL.RequestURI()
	}
	return r.URL.RequestURI()
}
