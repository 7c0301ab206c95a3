package rewrite

import "strings"

// Script classification: a script loading a tracker's URL is held by its
// start tag; an inline one waits for its text, which a tracker's signature
// decides; data blocks (JSON-LD, templates) are never held.

// script applies the script rules to a start tag. complete is for a
// self-closed script in XML or SVG, which has no text to wait for.
func (r *Rewriter) script(raw []byte, complete bool) {
	// Inline scripts are held until their text shows what they are; only
	// then are their attributes read.
	if !mayHaveURL(raw) {
		if complete {
			r.out.Write(raw)
			return
		}
		r.hold(raw)
		return
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	if !isJavaScript(attrs) {
		r.out.Write(raw)
		return
	}
	if src, srcName := scriptSrc(attrs); srcName != "" {
		v := r.opts.Catalogue.MatchURL(r.view(src))
		if v == nil || r.opts.Allowed(v.Category) {
			r.out.Write(raw)
			return
		}
		r.writeNeutralised(raw, nameEnd, attrs, v, nil, srcName)
		return
	}
	if complete {
		r.out.Write(raw)
		return
	}
	r.hold(raw)
}

// hold keeps a script start tag until its text decides it.
func (r *Rewriter) hold(raw []byte) {
	r.heldBuf = append(r.heldBuf[:0], raw...)
	r.held = r.heldBuf
}

// scriptSrcAttrs are where a script's URL can be: src, where page-speed
// plugins (WP Rocket, LiteSpeed) park it until their loader runs the script,
// and an SVG script's href.
var scriptSrcAttrs = []string{"src", "data-rocket-src", "data-src", "data-lazy-src", "href", "xlink:href"}

// scriptSrc returns a script's URL attribute and its name, or "".
func scriptSrc(attrs []attr) (attr, string) {
	for _, n := range scriptSrcAttrs {
		if a, ok := get(attrs, n); ok {
			return a, n
		}
	}
	return attr{}, ""
}

// flushHeld writes the held inline script start tag, neutralised if text
// (the script's source, nil when it has none) matches a tracker signature.
func (r *Rewriter) flushHeld(text []byte) {
	held := r.held
	r.held = nil
	if text != nil {
		nameEnd, attrs := scanTag(held, r.attrs)
		r.attrs = attrs
		if _, src := scriptSrc(attrs); isJavaScript(attrs) && src == "" {
			if v := r.opts.Catalogue.MatchInline(text); v != nil && !r.opts.Allowed(v.Category) {
				r.writeNeutralised(held, nameEnd, attrs, v, nil)
				return
			}
		}
	}
	r.out.Write(held)
}

// isJavaScript reports whether a script element's type makes it run as
// classic script or module, or makes a page-speed loader (Partytown, WP
// Rocket, LiteSpeed) run it later; JSON-LD, templates and the like are data.
// MIME parameters are ignored, erring towards treating a script as code.
func isJavaScript(attrs []attr) bool {
	t, ok := get(attrs, "type")
	if !ok {
		if l, ok := get(attrs, "language"); ok {
			l := strings.TrimSpace(transient(l))
			return l == "" || len(l) >= 10 && strings.EqualFold(l[:10], "javascript")
		}
		return true
	}
	typ, _, _ := strings.Cut(transient(t), ";")
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "", "module", "text/javascript", "application/javascript", "text/ecmascript",
		"application/ecmascript", "application/x-javascript", "application/x-ecmascript",
		"text/x-javascript", "text/x-ecmascript", "text/jscript", "text/livescript",
		"text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
		"text/javascript1.4", "text/javascript1.5",
		"text/partytown", "rocketlazyloadscript", "litespeed/javascript":
		return true
	}
	return false
}
