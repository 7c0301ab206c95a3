package caddymodule

import (
	"net/http"
	"strings"
)

// docKind is what a rewritten response is to the browser, which decides
// what the rewriter inserts into it.
type docKind int

const (
	// kindPage is a document the visitor navigated to: the run-time guard
	// and Consent Mode in its head, the banner in its body.
	kindPage docKind = iota
	// kindFrame is a first-party document framed by a page (an oEmbed
	// frame, say): the guard, so its held items come back when the top
	// page's visitor consents, but no second banner.
	kindFrame
	// kindFragment is markup a page's script fetches and swaps in (htmx,
	// Turbo Frames, jQuery .load, fetch): de-tracked, nothing inserted.
	kindFragment
	// kindSVG is an SVG document: de-tracked, and no HTML inserted at all.
	kindSVG
)

// kindOf classifies a response to r with headers hdr. Browsers send
// Sec-Fetch-Dest only to secure origins, so on plain http the htmx, Turbo
// and XHR headers are what tell a fragment apart.
func kindOf(r *http.Request, hdr http.Header) docKind {
	if mediaType(hdr) == "image/svg+xml" {
		return kindSVG
	}
	switch {
	case r.Header.Get("HX-Request") != "",
		r.Header.Get("Turbo-Frame") != "",
		strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest"):
		return kindFragment
	}
	switch strings.ToLower(r.Header.Get("Sec-Fetch-Dest")) {
	case "empty":
		return kindFragment
	case "iframe", "frame", "object", "embed", "fencedframe":
		return kindFrame
	}
	return kindPage
}

// saysNavigation reports whether the browser says r loads a document into a
// window or frame. Without that (curl, an old script, a fetch over plain
// http) the rewriter tells a fragment by its first markup.
func saysNavigation(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Sec-Fetch-Mode"), "navigate") || r.Header.Get("Upgrade-Insecure-Requests") == "1"
}

// fragmentVary names the request headers kindOf reads: the same URL can be
// a page or a fragment.
const fragmentVary = "HX-Request, Turbo-Frame, X-Requested-With, Sec-Fetch-Dest, Sec-Fetch-Mode, Upgrade-Insecure-Requests"

// mediaType is the response's MIME type as the browser reads it.
func mediaType(hdr http.Header) string {
	mt, _ := contentType(hdr)
	return mt
}

// isXML reports whether the response is parsed by the browser as XML, where
// everything inserted must be well-formed.
func isXML(hdr http.Header) bool {
	switch mediaType(hdr) {
	case "application/xhtml+xml", "image/svg+xml":
		return true
	}
	return false
}
