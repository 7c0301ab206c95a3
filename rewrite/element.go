package rewrite

import (
	"bufio"
	"bytes"
	"slices"
	"strings"

	"github.com/consentgate/consentgate/trackers"
)

// The element edits: which attributes of which elements fetch, how a URL is
// matched, and how a held element is written (its fetching attributes
// renamed data-consent-*, the markers after its name).

// mayHaveURL reports whether raw bytes can hold an absolute or
// protocol-relative URL: one needs "//", or a character reference or
// backslash standing in for a slash, or a tab or newline between the
// slashes (URL parsers drop them), or "http:" without slashes (an
// authority on a page of the other scheme). Anything else is passed on
// unparsed.
func mayHaveURL(raw []byte) bool {
	if bytes.Contains(raw, dslash) || bytes.ContainsAny(raw, "&\\\t\n\r") {
		return true
	}
	for i := bytes.IndexByte(raw, ':'); i >= 0; {
		if i >= 4 && bytes.EqualFold(raw[i-4:i], []byte("http")) || i >= 5 && bytes.EqualFold(raw[i-5:i], []byte("https")) {
			return true
		}
		j := bytes.IndexByte(raw[i+1:], ':')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

var dslash = []byte("//")

// urlAttrs lists, per element, the attributes whose URL makes the browser
// fetch something (lazy-loading variants included, as loader scripts turn
// them into real ones). SVG elements take href or xlink:href; an HTML
// <image> is an <img>.
var urlAttrs = map[string][]string{
	"iframe":  {"src", "data-src", "data-lazy-src"},
	"frame":   {"src"},
	"img":     {"src", "srcset", "data-src", "data-srcset", "data-lazy-src"},
	"image":   {"href", "xlink:href", "src", "srcset"},
	"source":  {"src", "srcset", "data-src", "data-srcset"},
	"video":   {"src", "poster"},
	"audio":   {"src"},
	"embed":   {"src"},
	"object":  {"data"},
	"input":   {"src"},
	"link":    {"href", "imagesrcset"},
	"param":   {"value"}, // <param name=movie value=...>, Flash-era video
	"use":     {"href", "xlink:href"},
	"feimage": {"href", "xlink:href"},
	"script":  scriptSrcAttrs, // for oversize.go; script() has its own rules
}

// hintRels are <link> relations that only warm a connection or cache; to a
// tracker host they are dropped outright.
var hintRels = []string{"preconnect", "dns-prefetch", "preload", "prefetch", "prerender", "modulepreload"}

// fetchRels are the other <link> relations a browser fetches; the rest
// (me, author, alternate, canonical...) are links and stay as they are.
var fetchRels = []string{"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "manifest", "import", "mask-icon"}

// hasFold reports whether list holds t in any case.
func hasFold(list []string, t string) bool {
	for _, s := range list {
		if strings.EqualFold(s, t) {
			return true
		}
	}
	return false
}

// unclassified stands for a tracker-capable element that could not be
// classified within MaxToken; it is held back as analytics.
var unclassified = &trackers.Vendor{ID: "unclassified", Name: "Unclassified", Category: trackers.Analytics}

// matchAttr returns the vendor of a URL attribute's value that the visitor
// has not consented to, or nil. Any candidate of a srcset may be it.
func (r *Rewriter) matchAttr(n string, a attr) *trackers.Vendor {
	if !mayHaveURL(a.val) {
		return nil
	}
	u := r.view(a)
	if strings.HasSuffix(n, "srcset") {
		for c := range srcsetURLs(u) {
			if v := r.opts.Catalogue.MatchURL(c); v != nil && !r.opts.Allowed(v.Category) {
				return v
			}
		}
		return nil
	}
	if v := r.opts.Catalogue.MatchURL(u); v != nil && !r.opts.Allowed(v.Category) {
		return v
	}
	return nil
}

// element applies the URL rules to a non-script start tag. With partial,
// raw is the first MaxToken bytes of a longer tag (see oversize.go): nothing
// is dropped, a srcdoc is held unread, and the result reports whether the
// consent markers were written.
func (r *Rewriter) element(name string, raw []byte, partial bool) (marked bool) {
	if name == "" || r.allAllowed { // most tags: tagName knows only those that matter
		r.out.Write(raw)
		return false
	}
	names, ok := urlAttrs[name]
	srcdoc := name == "iframe" && containsFold(raw, "srcdoc")
	if !ok || !srcdoc && !partial && !mayHaveURL(raw) {
		r.out.Write(raw)
		return false
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	var vendor *trackers.Vendor
	var hits [7]string // the attributes to rename ("" for none), and room for srcdoc
	for i, n := range names {
		if a, ok := get(attrs, n); ok {
			v := r.matchAttr(n, a)
			if v == nil && partial && !r.allAllowed && cut(raw, a) {
				v = unclassified
			}
			if v != nil {
				if vendor == nil {
					vendor = v
				}
				hits[i] = n
			}
		}
	}
	rename := hits[:len(names)]
	if vendor == nil && srcdoc {
		if a, ok := get(attrs, "srcdoc"); ok && a.hasValue {
			if _, ph := get(attrs, attrPlaceholder); !ph {
				if partial || r.depth >= maxDepth {
					vendor = unclassified
					rename = append(rename, "srcdoc")
				} else if r.nestedSrcdoc(raw, a) {
					return false
				}
			}
		}
	}
	if vendor == nil {
		r.out.Write(raw)
		return false
	}
	if name == "link" {
		rel, _ := get(attrs, "rel")
		fetches := false
		for t := range strings.FieldsSeq(r.view(rel)) {
			if hasFold(hintRels, t) {
				if partial || r.opts.XML {
					fetches = true // renamed: dropping could unbalance XML or a streamed tag
					break
				}
				r.neutralised(vendor)
				return false // dropped: a hint is worth nothing without consent
			}
			fetches = fetches || hasFold(fetchRels, t)
		}
		if !fetches {
			r.out.Write(raw)
			return false
		}
	}
	var ph []byte
	if name == "iframe" && r.opts.Placeholder != nil && vendor != unclassified {
		var src string
		for _, n := range hits {
			if a, ok := get(attrs, n); ok && n != "" {
				src = r.view(a)
				break
			}
		}
		ph = r.opts.Placeholder(r.phBuf[:0], vendor, src, r.page.Lang)
		r.phBuf = ph
		if _, ok := get(attrs, "srcdoc"); ok {
			rename = append(rename, "srcdoc")
		}
	}
	r.writeNeutralised(raw, nameEnd, attrs, vendor, ph, rename...)
	return true
}

// containsFold reports whether b contains the lower-case ASCII s in any
// case. Candidates are found by their first letter, in either case, with
// IndexByte: this runs on every start tag a rule sees.
func containsFold(b []byte, s string) bool {
	up := s[0] &^ 0x20
	if !isLetter(s[0]) {
		up = s[0]
	}
	for _, c := range [2]byte{s[0], up} {
		for i := 0; i+len(s) <= len(b); i++ {
			j := bytes.IndexByte(b[i:len(b)-len(s)+1], c)
			if j < 0 {
				break
			}
			i += j
			if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
				return true
			}
		}
		if up == s[0] {
			break
		}
	}
	return false
}

// writeNeutralised writes raw with the consent markers inserted after the tag
// name and each attribute named in rename ("" are ignored) prefixed with
// "data-consent-". For scripts, type="text/plain" is
// inserted first, so it wins over the page's own type (browsers keep the
// first of duplicate attributes), which is kept in data-consent-type for
// re-activation; in XML, where duplicates are an error, the page's type is
// renamed to data-consent-type instead. A frame's placeholder ph, escaped,
// becomes its srcdoc, marked data-consent-ph.
func (r *Rewriter) writeNeutralised(raw []byte, nameEnd int, attrs []attr, v *trackers.Vendor, ph []byte, rename ...string) {
	r.neutralised(v)
	w := r.out
	w.Write(raw[:nameEnd])
	script := tagName(raw[1:]) == "script"
	if script && r.opts.XML {
		// XML has no duplicate attributes: the page's type is renamed.
		w.WriteString(` type="text/plain"`)
		rename = append(rename[:len(rename):len(rename)], "type")
	} else if script {
		w.WriteString(` type="text/plain"`)
		if t, ok := get(attrs, "type"); ok {
			w.WriteString(" " + attrType + `="`)
			writeAttrValue(w, t.value())
			w.WriteByte('"')
		}
	}
	w.WriteString(" " + attrCategory + `="`)
	w.WriteString(string(v.Category))
	w.WriteString(`" ` + attrVendor + `="`)
	writeAttrValue(w, v.ID)
	w.WriteByte('"')
	if len(ph) > 0 {
		if r.opts.XML {
			w.WriteString(" " + attrPlaceholder + `="" srcdoc="`)
		} else {
			w.WriteString(" " + attrPlaceholder + ` srcdoc="`)
		}
		w.Write(ph)
		w.WriteByte('"')
	}
	pos := nameEnd
	for _, a := range attrs {
		if !slices.ContainsFunc(rename, func(n string) bool { return n != "" && a.is(n) }) {
			continue
		}
		w.Write(raw[pos:a.nameStart])
		w.WriteString(attrHeld)
		writeHeldName(w, a.name, attrs)
		pos = a.nameEnd
	}
	w.Write(raw[pos:])
}

// writeHeldName writes what follows "data-consent-" in the name of a held
// attribute: the name in lower case, with xlink:href as plain href (SVG 2
// takes both, and banner.js restores data-consent-X as X) unless the element
// has its own href. A ':' would be an undeclared namespace prefix in XML,
// so it becomes '-'.
func writeHeldName(w *bufio.Writer, name []byte, attrs []attr) {
	if len(name) == len("xlink:href") && bytes.EqualFold(name, []byte("xlink:href")) {
		if _, ok := get(attrs, "href"); !ok {
			w.WriteString("href")
			return
		}
	}
	for _, c := range name {
		if c == ':' {
			c = '-'
		}
		w.WriteByte(lower(c))
	}
}

func (r *Rewriter) neutralised(v *trackers.Vendor) {
	r.count++
	if r.opts.OnNeutralise != nil && r.fill == nil { // a dropped child is not on the page
		r.opts.OnNeutralise(v)
	}
}
