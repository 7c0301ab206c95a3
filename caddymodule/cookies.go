package caddymodule

import (
	"github.com/consentgate/consentgate/cookiepolicy"
	"github.com/consentgate/consentgate/trackers"
)

// newCookiePolicy is the site's cookies as the config declares them: the
// necessary ones, the site's own and the catalogue's.
func (h *Handler) newCookiePolicy() *cookiepolicy.Policy {
	declared := make([]cookiepolicy.Declared, len(h.Cookies))
	for i, c := range h.Cookies {
		declared[i] = cookiepolicy.Declared{Name: c.Name, Prefix: c.Prefix, Category: trackers.Category(c.Category)}
	}
	return cookiepolicy.New(h.catalogue, h.NecessaryCookies, declared)
}
