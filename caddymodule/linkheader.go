package caddymodule

import (
	"net/http"
	"strings"

	"github.com/consentgate/consentgate/trackers"
)

// linkFetchRels are the Link relations that make a browser fetch or connect
// before any HTML runs (and "stylesheet", which some browsers honour in a
// header). Entries of other relations (canonical, alternate, ...) are links
// and stay.
var linkFetchRels = []string{"preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch", "prerender", "stylesheet"}

// filterLinkHeader removes from hdr's Link fields every entry that would make
// the browser reach a tracker of a category allowed() refuses, keeping the
// other entries of the same field in their order. Origins and CDNs send these
// both on the final response and in 103 Early Hints.
func filterLinkHeader(hdr http.Header, cat *trackers.Catalogue, allowed func(trackers.Category) bool) {
	fields := hdr.Values("Link")
	if len(fields) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, f := range fields {
		var entries []string
		for _, e := range splitLinkEntries(f) {
			if v := linkEntryTracker(e, cat); v != nil && !allowed(v.Category) {
				changed = true
				continue
			}
			entries = append(entries, e)
		}
		if len(entries) > 0 {
			kept = append(kept, strings.Join(entries, ", "))
		}
	}
	if !changed {
		return
	}
	hdr.Del("Link")
	for _, f := range kept {
		hdr.Add("Link", f)
	}
}

// splitLinkEntries splits one Link field value at the commas that separate
// entries (RFC 8288): not inside <...> or a quoted string.
func splitLinkEntries(f string) []string {
	var out []string
	start, inURL, inQuote := 0, false, false
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case inURL:
			inURL = c != '>'
		case c == '<':
			inURL = true
		case c == '"':
			inQuote = true
		case c == ',':
			if e := strings.TrimSpace(f[start:i]); e != "" {
				out = append(out, e)
			}
			start = i + 1
		}
	}
	if e := strings.TrimSpace(f[start:]); e != "" {
		out = append(out, e)
	}
	return out
}

// linkEntryTracker returns the tracker a fetching Link entry reaches (its
// target or any imagesrcset candidate), or nil.
func linkEntryTracker(e string, cat *trackers.Catalogue) *trackers.Vendor {
	open, end := strings.IndexByte(e, '<'), strings.IndexByte(e, '>')
	if open != 0 || end < 0 {
		return nil
	}
	target, params := e[1:end], e[end+1:]
	fetches := false
	var srcset string
	for p := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "rel":
			for _, r := range strings.Fields(strings.ToLower(value)) {
				for _, fr := range linkFetchRels {
					fetches = fetches || r == fr
				}
			}
		case "imagesrcset":
			srcset = value
		}
	}
	if !fetches {
		return nil
	}
	if v := cat.MatchURL(target); v != nil {
		return v
	}
	for c := range strings.SplitSeq(srcset, ",") {
		u, _, _ := strings.Cut(strings.TrimSpace(c), " ")
		if v := cat.MatchURL(u); v != nil {
			return v
		}
	}
	return nil
}
