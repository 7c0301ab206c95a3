package trackers

import "strings"

// AMP components whose vendor the type attribute names (amp-analytics: the
// vendor configs AMP ships, extensions/amp-analytics/0.1/vendors).
var (
	ampAnalyticsTypes = map[string]string{
		"googleanalytics": "google-analytics",
		"gtag":            "google-analytics",
		"googleadwords":   "google-ads",
		"facebookpixel":   "meta",
		"contentsquare":   "hotjar",
	}
	ampAdTypes = map[string]string{
		"adsense":     "google-ads",
		"doubleclick": "google-ads",
		"facebook":    "meta", // Audience Network
	}
)

// MatchElement returns the vendor of an AMP tracker component, or nil for
// any other element. attr returns an attribute's (entity-decoded) value.
// A component whose vendor its attributes do not tell (an amp-analytics of
// an unknown type, an amp-pixel to a first-party host, an amp-ad of another
// network) belongs to a fail-safe vendor of its kind ("amp-analytics",
// "amp-ad", "amp-call-tracking"), so it is held back all the same unless a
// Necessary rule matches its URL. amp-iframe is a tracker only by its src.
func (c *Catalogue) MatchElement(name string, attr func(string) (string, bool)) *Vendor {
	typ := func() string {
		t, _ := attr("type")
		return strings.ToLower(strings.TrimSpace(t))
	}
	// byURL classifies the component by the URL in attribute a: ok false
	// when no rule matches it.
	byURL := func(a string) (v *Vendor, ok bool) {
		u, found := attr(a)
		if !found {
			return nil, false
		}
		v = c.matchURL(u)
		return tracker(v), v != nil
	}
	switch strings.ToLower(name) {
	case "amp-analytics":
		if v := c.vendor(ampAnalyticsTypes[typ()]); v != nil {
			return v
		}
		if v, ok := byURL("config"); ok {
			return v
		}
		return c.vendor("amp-analytics")
	case "amp-pixel":
		if v, ok := byURL("src"); ok {
			return v
		}
		return c.vendor("amp-analytics")
	case "amp-ad", "amp-embed", "amp-sticky-ad", "amp-auto-ads", "amp-story-auto-ads":
		if v := c.vendor(ampAdTypes[typ()]); v != nil {
			return v
		}
		return c.vendor("amp-ad")
	case "amp-call-tracking":
		if v, ok := byURL("config"); ok {
			return v
		}
		return c.vendor("amp-call-tracking")
	case "amp-iframe":
		v, _ := byURL("src")
		return v
	case "amp-youtube":
		return c.vendor("youtube")
	case "amp-twitter":
		return c.vendor("twitter")
	case "amp-facebook", "amp-facebook-page", "amp-facebook-like", "amp-facebook-comments":
		return c.vendor("facebook")
	case "amp-instagram":
		return c.vendor("instagram", "facebook")
	}
	return nil
}

// vendor returns the first of the vendors with these IDs that the
// catalogue holds, or nil.
func (c *Catalogue) vendor(ids ...string) *Vendor {
	for _, id := range ids {
		if v := c.byID[id]; v != nil {
			return tracker(v)
		}
	}
	return nil
}
