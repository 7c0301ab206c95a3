package cookiepolicy

import (
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

// Under the statistics exception the table lists the vendor's cookies as
// statistics, and a statistics cookie the site declares without a purpose
// gets one worded for statistics, in both languages.
func TestTableStatistics(t *testing.T) {
	vendors, rules, err := trackers.UnderStatisticsException(trackers.Builtin, nil, []string{"google-analytics"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := trackers.New(vendors, rules)
	if err != nil {
		t.Fatal(err)
	}
	p := New(cat, nil, []Declared{{Name: "_pk_id", Prefix: true, Category: trackers.Statistics}})
	rows := p.Table(TableInput{Site: "Anytown Council", Consent: testConsent, Seen: []string{"google-tag-manager"}})
	byName := map[string]trackers.Category{}
	for _, r := range rows {
		byName[r.DisplayName()] = r.Category
		if r.Category == trackers.Statistics && (r.Purpose.En == "" || r.Purpose.Cy == "") {
			t.Errorf("%s: purpose %+v", r.DisplayName(), r.Purpose)
		}
	}
	for _, n := range []string{"_ga", "_ga_*", "_gid", "_pk_id*"} {
		if byName[n] != trackers.Statistics {
			t.Errorf("%s: category %q, want statistics", n, byName[n])
		}
	}
}
