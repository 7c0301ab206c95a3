package cookiepolicy

import (
	"slices"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/trackers"
)

var testConsent = consent.Policy{AcceptMaxAge: 360 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour}

func TestTable(t *testing.T) {
	twoYears := cookietable.Expiry{N: 2, Unit: cookietable.Years}
	p := testPolicy(t)
	rows := p.Table(TableInput{Site: "Site & Co", Consent: testConsent, Seen: allVendors(p), Details: map[string]Details{
		"site_ab": {Provider: "Optimise Ltd", Purpose: cookietable.Text{En: "Tests page designs"}, Content: cookietable.Text{En: "A or B", Cy: "A neu B"}, Expiry: &twoYears},
	}})
	type short struct {
		name, provider, cat, purpose, content, expiry string
	}
	var got []short
	for _, r := range rows[:6] {
		got = append(got, short{r.DisplayName(), r.Provider, string(r.Category), r.Purpose.En, r.Content.En, r.Expiry.Words("en")})
	}
	want := []short{
		{"consentgate", "Site & Co", "necessary", "Remembers your cookie choice", "Your consent ID, the categories you chose and the date", "6 months if you reject, 12 months if you accept"},
		{"session", "Site & Co", "necessary", "Needed for this website to work", "A value this website sets", "when you close your browser"},
		{"_ga_keep", "Site & Co", "necessary", "Needed for this website to work", "A value this website sets", "when you close your browser"},
		{"site_ab", "Optimise Ltd", "analytics", "Tests page designs", "A or B", "2 years"},
		{"promo_*", "Site & Co", "marketing", "Measures our advertising", "A value this website sets", "when you close your browser"},
		{"_gid", "Site & Co", "media", "Lets you watch embedded videos", "A value this website sets", "when you close your browser"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("site rows\n got %q\nwant %q", got, want)
	}
	if rows[3].Purpose.In("cy") != "Tests page designs" || rows[3].Content.In("cy") != "A neu B" {
		t.Errorf("a declaration without Welsh: %+v", rows[3])
	}
	names := map[string]int{}
	for _, r := range rows {
		names[r.DisplayName()]++
	}
	// With every vendor seen, every catalogue vendor's cookies; the site's
	// own _gid replaces the catalogue's.
	for _, n := range []string{"_ga", "YSC", "_fbp", "guest_id", "_hjSessionUser_*"} {
		if names[n] != 1 {
			t.Errorf("%s listed %d times", n, names[n])
		}
	}
	if names["_gid"] != 1 {
		t.Errorf("_gid listed %d times, want only the site's row", names["_gid"])
	}
}

// Only the cookies of the vendors seen, and of those they load, with the
// site's own.
func TestTableSeen(t *testing.T) {
	p := testPolicy(t)
	for _, tc := range []struct {
		seen      []string
		want, not []string
	}{
		{[]string{"youtube"}, []string{"YSC", "VISITOR_INFO1_LIVE", "yt-remote-device-id"}, []string{"_ga", "_fbp", "_gcl_*", "AMP_TOKEN"}},
		{[]string{"google-tag-manager"}, []string{"_ga", "_ga_*", "__utma"}, []string{"YSC", "_gcl_*"}},
		{[]string{"facebook-tr", "twitter"}, []string{"_fbp", "fr", "guest_id"}, []string{"_ga", "YSC"}},
	} {
		rows := p.Table(TableInput{Site: "S", Consent: testConsent, Seen: tc.seen})
		names := map[string]bool{}
		for _, r := range rows {
			names[r.DisplayName()] = true
		}
		for _, n := range append([]string{"consentgate", "session", "site_ab", "promo_*"}, tc.want...) {
			if !names[n] {
				t.Errorf("seen %v: no %s", tc.seen, n)
			}
		}
		for _, n := range tc.not {
			if names[n] {
				t.Errorf("seen %v: %s listed", tc.seen, n)
			}
		}
	}
}

// A platform's session cookie, listed as necessary, is described as one;
// and no row leaves a cell blank in either language.
func TestTableNeverBlank(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := New(cat, []string{"PHPSESSID", "ASP.NET_SessionId"}, []Declared{{Name: "wiz_", Prefix: true, Category: trackers.Social}})
	rows := p.Table(TableInput{Site: "Anytown Council", Consent: testConsent, Seen: allVendors(p),
		Undescribed: []Found{{Name: "cms_pref", Expiry: cookietable.Lasting(30 * 24 * time.Hour)}}})
	php := rows[1]
	if php.Name != "PHPSESSID" || php.Content.En != "A random session identifier" || php.Expiry.Words("en") != "when you close your browser" || php.Provider != "Anytown Council" {
		t.Errorf("PHPSESSID row %+v", php)
	}
	for _, r := range rows {
		for _, lang := range []string{"en", "cy"} {
			for col, v := range map[string]string{"name": r.DisplayName(), "provider": r.Provider, "purpose": r.Purpose.In(lang),
				"content": r.Content.In(lang), "expires": r.Expiry.Words(lang), "storage": r.Storage, "category": string(r.Category)} {
				if v == "" {
					t.Errorf("%s %s: %s blank", r.DisplayName(), lang, col)
				}
			}
			if lang == "cy" && (r.Purpose.Cy == "" || r.Content.Cy == "") {
				t.Errorf("%s: no Welsh", r.DisplayName())
			}
		}
	}
}

// allVendors are the IDs of every catalogue vendor.
func allVendors(p *Policy) []string {
	var ids []string
	for _, v := range p.catalogue.Vendors() {
		ids = append(ids, v.ID)
	}
	return ids
}

// A cookie the site's responses set that nothing describes is listed as
// not yet described, with the lifetime seen; one the table describes
// anyway, or the catalogue knows, is not listed twice; and nothing seen
// lists no catalogue vendor.
func TestTableUndescribed(t *testing.T) {
	p := testPolicy(t)
	rows := p.Table(TableInput{Site: "S", Consent: testConsent, Undescribed: []Found{
		{Name: "cms_pref", Expiry: cookietable.Lasting(30 * 24 * time.Hour)},
		{Name: "session", Expiry: cookietable.Session}, // necessary already
		{Name: "_ga", Expiry: cookietable.Lasting(time.Hour)},
		{Name: "promo_x", Expiry: cookietable.Session}, // a declared prefix
	}})
	var got []string
	for _, r := range rows {
		if r.Vendor != "" {
			t.Errorf("nothing seen, yet %s of %s listed", r.Name, r.Vendor)
		}
		if r.Category == cookietable.Undescribed {
			got = append(got, r.Name+" "+r.Expiry.Words("en")+" "+r.Purpose.In("cy"))
		}
	}
	if want := []string{"cms_pref 1 month Heb ei ddisgrifio eto"}; !slices.Equal(got, want) {
		t.Errorf("undescribed rows %q, want %q", got, want)
	}
}

func TestTracker(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		prefix bool
		vendor string // "" for none
	}{
		{"_ga", false, "google-analytics"},
		{"_ga_ABC", false, "google-analytics"},
		{"_fbp", false, "meta"},
		{"_gcl_au", false, "google-ads"},
		{"_g", true, "google-ads"}, // a prefix that takes in _gac_ and _ga
		{"PHPSESSID", false, ""},
		{"YSC", false, ""},         // media, not analytics or marketing
		{"_GRECAPTCHA", false, ""}, // the catalogue's own necessary cookie
		{"_gx", false, ""},
	} {
		id := ""
		if v := Tracker(cat, tc.name, tc.prefix); v != nil {
			id = v.ID
		}
		if id != tc.vendor {
			t.Errorf("Tracker(%q, %v) = %q, want %q", tc.name, tc.prefix, id, tc.vendor)
		}
	}
}
