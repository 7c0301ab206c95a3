package trackers

import (
	"maps"
	"slices"
)

// GuardRule is one URL rule of the catalogue, for a JavaScript copy of
// MatchURL (the run-time guard, the CSP). As JSON, one per line of a list:
//
//	{"h":"googletagmanager.com","p":"/gtag/js","q":"id=AW-","c":"marketing","v":"google-ads"}
//	{"h":"google.com","p":"/recaptcha/","c":"necessary","v":"google-recaptcha"}
//
// To match a URL the browser has parsed: take its hostname (lower case, no
// trailing dot), its percent-decoded pathname and its search without "?".
// Try the full hostname, then each parent domain in turn (a.b.c, b.c, c).
// For one host the rules come in the order to try them; the first that
// matches decides, and a "necessary" one means no tracker. A rule matches
// when:
//   - p is empty, equals the path, or is a prefix of it that ends in "/" or
//     is followed by "/" in the path ("/tr" matches "/tr/x", not "/travel");
//     a p containing "*" is instead a whole-path pattern in which "*"
//     stands for any run of characters other than "/";
//   - q is empty, or one of the "&"-separated query parameters starts with q.
type GuardRule struct {
	Host     string   `json:"h"`
	Path     string   `json:"p,omitempty"`
	Query    string   `json:"q,omitempty"`
	Category Category `json:"c"`
	VendorID string   `json:"v"`
}

// GuardHosts returns every URL rule, site rules and necessary exemptions
// included, sorted by host and, for one host, in match order.
func (c *Catalogue) GuardHosts() []GuardRule {
	var out []GuardRule
	for _, host := range slices.Sorted(maps.Keys(c.hosts)) {
		for _, r := range c.hosts[host] {
			out = append(out, GuardRule{Host: host, Path: r.path, Query: r.query, Category: r.vendor.Category, VendorID: r.vendor.ID})
		}
	}
	return out
}
