package rewrite

import (
	"html"
	"strings"
)

// openLink writes a start tag of an element marked data-consent-open whose
// href goes nowhere ("#", "", "#!", "javascript:…") with Options.SettingsHref
// instead, so that without JavaScript the link opens the settings page; with
// JavaScript the banner catches the click as before. It reports whether it
// wrote raw.
func (r *Rewriter) openLink(raw []byte) bool {
	// Only an <a> has an href that goes somewhere; the tag name is checked
	// first, so the other tags of a page cost one comparison.
	if r.opts.SettingsHref == "" || len(raw) < 3 || lower(raw[1]) != 'a' || !isSpace(raw[2]) || !containsFold(raw, openAttr) {
		return false
	}
	_, r.attrs = scanTag(raw, r.attrs)
	if _, ok := get(r.attrs, openAttr); !ok {
		return false
	}
	href, ok := get(r.attrs, "href")
	if !ok || !href.hasValue || !nowhere(transient(href)) {
		return false
	}
	if r.settingsHref == "" {
		r.settingsHref = `"` + html.EscapeString(r.opts.SettingsHref) + `"`
	}
	r.out.Write(raw[:href.valueStart])
	r.out.WriteString(r.settingsHref)
	r.out.Write(raw[href.valueEnd:])
	return true
}

// nowhere reports whether an href leaves the page where it is.
func nowhere(href string) bool {
	h := strings.ToLower(strings.TrimSpace(href))
	return h == "" || h == "#" || h == "#!" || strings.HasPrefix(h, "javascript:")
}
