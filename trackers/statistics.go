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
