package caddymodule

import (
	"cmp"
	"slices"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/rewrite"
	"github.com/consentgate/consentgate/trackers"
)

// injection is what one rewritten response fills into the cached banner,
// placeholders and table: the only per-response values, taken once when
// the rewriter starts. Its methods are the rewriter's callbacks.
type injection struct {
	returnTo          string // the URI the visitor asked for, where choices return
	nonce, styleNonce string // the response header's CSP nonces; a <meta> policy's are the rewriter's
	debug             bool   // debug logging is on: neutralised vendors are collected

	seen    []string   // the vendors this page was seen to use, each noted once
	seenBuf [16]string // seen's first backing array: a council page uses about ten vendors
}

// bannerPage is the banner's view of this response's visitor, for a
// document whose <html lang> and <meta> nonces rp gives.
func (w *responseWriter) bannerPage(rp rewrite.Page) banner.Page {
	h := w.h
	p := h.page(w.v, h.locale(w.req.URL.Path, rp.Lang), w.returnTo)
	p.Nonce, p.StyleNonce = cmp.Or(w.nonce, rp.ScriptNonce), cmp.Or(w.styleNonce, rp.StyleNonce)
	p.XML = w.xml
	return p
}

// head is rewrite.Options.HeadInject and FrameInject.
func (w *responseWriter) head(dst []byte, rp rewrite.Page) []byte {
	if w.xml {
		return append(dst, banner.XHTML(w.h.rendered.Head(w.bannerPage(rp)), true)...)
	}
	return w.h.rendered.AppendHead(dst, w.bannerPage(rp))
}

// body is rewrite.Options.BodyInject.
func (w *responseWriter) body(dst []byte, rp rewrite.Page) []byte {
	if w.xml {
		return append(dst, banner.XHTML(w.h.rendered.Body(w.bannerPage(rp)), false)...)
	}
	return w.h.rendered.AppendBody(dst, w.bannerPage(rp))
}

// placeholder is rewrite.Options.Placeholder: it appends the document a
// held-back frame shows instead, escaped for its srcdoc.
func (w *responseWriter) placeholder(dst []byte, v *trackers.Vendor, src, lang string) []byte {
	p := w.bannerPage(rewrite.Page{Lang: lang})
	e := banner.Embed{Page: p, Provider: v.Name, Link: w.h.links.of(src)}
	for _, c := range p.Categories {
		if c.ID == string(v.Category) {
			e.Category = c
		}
	}
	return w.h.rendered.AppendSrcdoc(dst, e)
}

// cookieTable is rewrite.Options.CookieTable.
func (w *responseWriter) cookieTable(rp rewrite.Page) []byte {
	return w.h.cookieTableFill(w.v, w.h.locale(w.req.URL.Path, rp.Lang), w.returnTo)
}

// neutralise is rewrite.Options.OnNeutralise.
func (w *responseWriter) neutralise(v *trackers.Vendor) {
	w.h.neutralisedOf(v).Inc()
	if !slices.Contains(w.seen, v.ID) {
		w.seen = append(w.seen, v.ID)
		w.h.consentLog.seen.add(cookieseen.Sighting{Kind: cookieseen.Vendor, Name: v.ID, Source: cookieseen.Page, MaxAge: -1})
	}
	if w.debug {
		w.neutralised = append(w.neutralised, v.ID)
	}
}
