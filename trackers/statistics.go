package trackers

import (
	"fmt"
	"slices"
	"strings"
)

// Statistics is the category of analytics a site runs under the UK's
// statistical-purposes exception (PECR Schedule A1 paragraph 5, inserted by
// the Data (Use and Access) Act 2025 s.112): allowed without consent, unless
// the visitor objects. No visitor grants it, so it is not among Categories;
// a vendor has it only when the site's DPO has put it there
// (UnderStatisticsException).
const Statistics Category = "statistics"

// Optional lists every category that is not strictly necessary: those a
// visitor chooses, then Statistics. A loop deciding "nothing is held"
// ranges over it.
var Optional = append(slices.Clone(Categories), Statistics)

// UnderStatisticsException returns vendors and rules with those named moved
// to Statistics: a vendor by its ID, a site rule by its pattern. Only
// analytics qualify: a vendor of another category (advertising is
// marketing) or one whose NotStatistics gives a reason is refused, with the
// reason, as is a name that matches nothing. The inputs are not modified.
func UnderStatisticsException(vendors []Vendor, rules []Rule, names []string) ([]Vendor, []Rule, error) {
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("trackers: statistics exception: no vendor or rule named")
	}
	known, err := New(vendors, nil) // what a site rule may cover (notStatisticsRule)
	if err != nil {
		return nil, nil, err
	}
	vendors, rules = slices.Clone(vendors), slices.Clone(rules)
	for _, name := range names {
		found := false
		for i, r := range rules {
			if r.Pattern != name {
				continue
			}
			if r.Category != Analytics && r.Category != Statistics {
				return nil, nil, fmt.Errorf("trackers: statistics exception: rule %q is %s, not analytics", name, r.Category)
			}
			if why := notStatisticsRule(r, known); why != "" {
				return nil, nil, fmt.Errorf("trackers: statistics exception: rule %q cannot run without consent: %s", name, why)
			}
			rules[i].Category, found = Statistics, true
		}
		for i, v := range vendors {
			if v.ID != name {
				continue
			}
			switch {
			case v.NotStatistics != "":
				return nil, nil, fmt.Errorf("trackers: statistics exception: %s (%s) cannot run without consent: %s", v.Name, v.ID, v.NotStatistics)
			case v.Category != Analytics && v.Category != Statistics:
				return nil, nil, fmt.Errorf("trackers: statistics exception: %s (%s) is %s, not analytics", v.Name, v.ID, v.Category)
			}
			vendors[i].Category, found = Statistics, true
		}
		if !found {
			return nil, nil, fmt.Errorf("trackers: statistics exception: %q is neither a catalogue vendor nor a site rule (analytics vendors: %s)", name, strings.Join(statisticsCandidates(vendors), ", "))
		}
	}
	return vendors, rules, nil
}

// statisticsCandidates are the IDs of the vendors the exception could take.
func statisticsCandidates(vendors []Vendor) []string {
	var ids []string
	for _, v := range vendors {
		if v.Category == Analytics && v.NotStatistics == "" {
			ids = append(ids, v.ID)
		}
	}
	return ids
}

// notStatisticsHosts are tools that are not statistics whatever a site's
// rule calls them, beyond the catalogue's own vendors: session replay and
// heatmaps, and advertising measurement. A rule on one of these hosts (or
// a subdomain), or an inline rule naming one, is refused.
var notStatisticsHosts = map[string]string{
	"clarity.ms":           "Microsoft Clarity records sessions and heatmaps",
	"mouseflow.com":        "Mouseflow records sessions and heatmaps",
	"crazyegg.com":         "Crazy Egg records sessions and heatmaps",
	"fullstory.com":        "FullStory records sessions",
	"luckyorange.com":      "Lucky Orange records sessions and heatmaps",
	"luckyorange.net":      "Lucky Orange records sessions and heatmaps",
	"smartlook.com":        "Smartlook records sessions",
	"smartlook.cloud":      "Smartlook records sessions",
	"inspectlet.com":       "Inspectlet records sessions",
	"bat.bing.com":         "Microsoft Advertising's tag measures advertising",
	"snap.licdn.com":       "LinkedIn's Insight Tag measures advertising",
	"px.ads.linkedin.com":  "LinkedIn's Insight Tag measures advertising",
	"analytics.tiktok.com": "the TikTok Pixel measures advertising",
	"ct.pinterest.com":     "the Pinterest Tag measures advertising",
	"s.pinimg.com":         "the Pinterest Tag measures advertising",
	"sc-static.net":        "the Snap Pixel measures advertising",
	"tr.snapchat.com":      "the Snap Pixel measures advertising",
}

// notStatisticsRule says why a site rule cannot be statistics: it covers a
// vendor of c that cannot be, or a host of notStatisticsHosts. A rule
// is only as trustworthy as what it matches.
func notStatisticsRule(r Rule, c *Catalogue) string {
	pattern := r.Pattern
	for host, why := range notStatisticsHosts {
		if r.Inline && strings.Contains(strings.ToLower(pattern), host) {
			return why
		}
	}
	var v *Vendor
	if r.Inline {
		v = c.MatchInline([]byte(r.Pattern))
	} else {
		for _, prefix := range []string{"https://", "http://", "//", "*."} {
			pattern = strings.TrimPrefix(pattern, prefix)
		}
		host, _, _ := strings.Cut(pattern, "/")
		for h := strings.ToLower(host); h != ""; {
			if why, ok := notStatisticsHosts[h]; ok {
				return why
			}
			_, h, _ = strings.Cut(h, ".")
		}
		v = c.MatchURL("https://" + pattern)
	}
	switch {
	case v == nil:
		return ""
	case v.NotStatistics != "":
		return "it covers " + v.Name + ": " + v.NotStatistics
	case v.Category != Analytics && v.Category != Statistics:
		return "it covers " + v.Name + ", which is " + string(v.Category)
	}
	return ""
}
