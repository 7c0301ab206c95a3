package rewrite

import "github.com/consentgate/consentgate/trackers"

// AMP pages load trackers through components, which AMP's runtime turns into
// requests and frames. A held component is renamed, start and end tag, to
// <cg-held data-consent=... data-consent-el="amp-x" ...>: an element the
// runtime does not know fetches nothing, and banner.js renames it back.
// The runtime's own extension scripts (cdn.ampproject.org) are first-party
// to an AMP page and pass.

// ampVendor returns the vendor an AMP component loads, as the catalogue
// tells it, or nil for one that loads none (or a first-party frame).
// Analytics, pixels and ads are held even if the catalogue has no vendor
// for them, as analytics or marketing.
func (r *Rewriter) ampVendor(name string, attrs []attr) *trackers.Vendor {
	v := r.opts.Catalogue.MatchElement(name, func(n string) (string, bool) {
		a, ok := get(attrs, n)
		return a.value(), ok
	})
	if v != nil {
		return v
	}
	switch name {
	case "amp-analytics", "amp-pixel":
		return unclassified
	case "amp-ad", "amp-embed", "amp-sticky-ad", "amp-auto-ads", "amp-call-tracking":
		return unclassifiedAd
	}
	return nil
}

// unclassifiedAd is an ad component of a network the catalogue does not know.
var unclassifiedAd = &trackers.Vendor{ID: "unclassified", Name: "Unclassified", Category: trackers.Marketing}

// ampStart handles the start tag of an AMP component; complete is for a
// self-closed one in XML, which has no end tag to rename.
func (r *Rewriter) ampStart(name string, raw []byte, complete bool) {
	_, r.attrs = scanTag(raw, r.attrs)
	v := r.ampVendor(name, r.attrs)
	held := v != nil && !r.opts.Allowed(v.Category)
	if !complete && len(r.amp) < maxOpen {
		r.amp = append(r.amp, open{name, held})
	}
	if !held {
		r.out.Write(raw)
		return
	}
	r.writeHeldAMP(name, raw, v)
}

// writeHeldAMP writes the start tag raw of component name, held for v.
func (r *Rewriter) writeHeldAMP(name string, raw []byte, v *trackers.Vendor) {
	r.neutralised(v)
	w := r.out
	w.WriteString("<" + heldElement + " " + attrCategory + `="`)
	w.WriteString(string(v.Category))
	w.WriteString(`" ` + attrVendor + `="`)
	writeAttrValue(w, v.ID)
	w.WriteString(`" ` + attrElement + `="`)
	w.WriteString(name)
	w.WriteByte('"')
	w.Write(raw[1+len(name):])
}

// ampEnd writes the end tag of an AMP component, renamed if its start tag
// was. It closes the innermost open component of that name and any left
// open inside it, as the tree builder does.
func (r *Rewriter) ampEnd(name string, raw []byte) {
	for i := len(r.amp) - 1; i >= 0; i-- {
		if r.amp[i].name != name {
			continue
		}
		held := r.amp[i].flag
		r.amp = r.amp[:i]
		if held {
			r.out.WriteString("</" + heldElement)
			r.out.Write(raw[2+len(name):])
			return
		}
		break
	}
	r.out.Write(raw)
}
