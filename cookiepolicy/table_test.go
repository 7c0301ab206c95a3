package cookiepolicy

import (
	"testing"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookietable"
)

func TestTable(t *testing.T) {
	rows := testPolicy(t).Table("Site & Co", consent.Policy{AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour})
	want := []cookietable.Row{
		{Name: "consentgate", Provider: "Site & Co", Category: "necessary", Purpose: "Remembers your cookie choice",
			Content: "Consent ID, the categories you chose, the date", Expiry: "6 months if you reject, 365 days if you accept", Storage: "cookie"},
		{Name: "session", Provider: "Site & Co", Category: "necessary", Purpose: "Needed for the site to work", Storage: "cookie"},
		{Name: "_ga_keep", Provider: "Site & Co", Category: "necessary", Purpose: "Needed for the site to work", Storage: "cookie"},
		{Name: "site_ab", Provider: "Site & Co", Category: "analytics", Storage: "cookie"},
		{Name: "promo_*", Provider: "Site & Co", Category: "marketing", Storage: "cookie"},
		{Name: "_gid", Provider: "Site & Co", Category: "media", Storage: "cookie"},
	}
	if len(rows) <= len(want) {
		t.Fatalf("%d rows: no catalogue cookies after the site's", len(rows))
	}
	for i, w := range want {
		if rows[i] != w {
			t.Errorf("row %d\n got %+v\nwant %+v", i, rows[i], w)
		}
	}
	for _, r := range rows[len(want):] {
		if r.Name == "_ga" && r.Category != "analytics" {
			t.Errorf("catalogue row %+v", r)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{90 * time.Minute, "1h30m0s"},
		{1500 * time.Millisecond, "2s"},
		{24 * time.Hour, "1 day"},
		{45 * 24 * time.Hour, "45 days"},
		{30 * 24 * time.Hour, "1 month"},
		{180 * 24 * time.Hour, "6 months"},
		{365 * 24 * time.Hour, "365 days"},
		{390 * 24 * time.Hour, "13 months"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
