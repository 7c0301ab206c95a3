package caddymodule

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/trackers"
)

// guardJSON returns the run-time guard's configuration for the catalogue
// pages are rewritten with: host → its URL rules, each [path, query,
// category, vendor ID], in the order trackers.MatchURL tries them. A path
// pattern with '*' becomes an anchored regular expression (it starts with
// '^', which no path does). Necessary exemptions are rules like any other,
// of category "necessary". Only hosts and categories reach the page.
func guardJSON(c *trackers.Catalogue) string {
	hosts := map[string][][4]string{}
	for _, r := range c.GuardHosts() {
		p := r.Path
		if strings.Contains(p, "*") {
			parts := strings.Split(p, "*")
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			p = "^" + strings.Join(parts, "[^/]*") + "$"
		}
		hosts[r.Host] = append(hosts[r.Host], [4]string{p, r.Query, string(r.Category), r.VendorID})
	}
	b, err := json.Marshal(hosts)
	if err != nil {
		panic(fmt.Sprintf("caddymodule: guard config: %v", err)) // strings only
	}
	// JSON leaves non-ASCII as it is; the page's charset may not be UTF-8.
	var out strings.Builder
	for _, r := range string(b) {
		if r < 0x80 {
			out.WriteRune(r)
		} else {
			fmt.Fprintf(&out, `\u%04x`, r) // hosts and IDs: no runes beyond the BMP
		}
	}
	return out.String()
}

// guardHashSources are the CSP hash sources of the guard's inline text for
// HTML and for XML pages. The text is the same on every page of a handler
// (the visitor's grants are an attribute), so Provision works it out once.
func guardHashSources(config string) [2]string {
	p := banner.Page{Guard: config}
	html := "'sha256-" + banner.GuardHash(p) + "'"
	p.XML = true
	return [2]string{html, "'sha256-" + banner.GuardHash(p) + "'"}
}
