package cookieseen

import (
	"os"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/cookietable"
)

func fixture(t *testing.T) []Known {
	t.Helper()
	f, err := os.Open("testdata/open-cookie-database.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := ParseOpenCookieDatabase(f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A name gets the platform's entry before the database's, an exact entry
// before a prefix, the longest prefix of several; a hash prefix only
// before a hash.
func TestSuggest(t *testing.T) {
	const hash = "9f86d081884c7d659a2feaa0c55ad015"
	imported := append(fixture(t),
		Known{Name: "wp-settings-1", Provider: "Someone", Category: "marketing"},
		Known{Name: "_pk_", Prefix: true, Provider: "Short"},
	)
	tests := []struct{ name, provider, entry string }{
		{"PHPSESSID", "PHP", "PHPSESSID"},
		{"sessionid", "Django", "sessionid"}, // the database's is Instagram's
		{"XSRF-TOKEN", "The site's web application (Laravel, Angular or Spring)", "XSRF-TOKEN"},
		{"_ga", "Google", "_ga"},                      // imported, exact
		{"wp-settings-1", "Someone", "wp-settings-1"}, // an imported exact name beats a built-in prefix
		{"wp-settings-2", "WordPress", "wp-settings-"},
		{"wp-settings-time-2", "WordPress", "wp-settings-"},
		{"wordpress_test_cookie", "WordPress", "wordpress_test_cookie"},
		{"wordpress_logged_in_" + hash, "WordPress", "wordpress_logged_in_"},
		{"wordpress_" + hash, "WordPress", "wordpress_"},
		{"SESS" + hash, "Drupal", "SESS"},
		{"SSESS" + hash, "Drupal", "SSESS"},
		{"SESSION", "Spring Session (Java)", "SESSION"},
		{"__RequestVerificationToken", "Microsoft ASP.NET", "__RequestVerificationToken"},
		{"__RequestVerificationToken_L2FwcA2", "Microsoft ASP.NET", "__RequestVerificationToken"},
		{".AspNetCore.Antiforgery.Ab3_x", "Microsoft ASP.NET Core", ".AspNetCore.Antiforgery."}, // built-in prefix beats the database's
		{"ASPSESSIONIDQSTRBCAD", "Microsoft ASP", "ASPSESSIONID"},
		{"_pk_id.1.abcd", "Matomo", "_pk_id."}, // the longest prefix
		{"_pk_ref.1.abcd", "Short", "_pk_"},
		{"__cf_bm", "Cloudflare", "__cf_bm"},
		{"AWSALBCORS", "Amazon Web Services", "AWSALBCORS"},
		{"ARRAffinitySameSite", "Microsoft Azure", "ARRAffinitySameSite"},
		{"UMB-XSRF-TOKEN", "Umbraco", "UMB-XSRF-TOKEN"},
	}
	for _, tt := range tests {
		k, ok := Suggest(tt.name, imported)
		if !ok || k.Provider != tt.provider || k.Name != tt.entry {
			t.Errorf("Suggest(%q) = %+v, %v; want %s's %q", tt.name, k, ok, tt.provider, tt.entry)
		}
	}
	for _, name := range []string{"SESSIONID", "SESS" + hash[:31], "wordpress_logged_in_admin", "council_ab", "phpsessid", ""} {
		if k, ok := Suggest(name, imported); ok {
			t.Errorf("Suggest(%q) = %+v, want nothing", name, k)
		}
	}
}

// Every built-in entry can be declared as it stands: strictly necessary,
// with a purpose, and a lifetime the expires field reads.
func TestBuiltinsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range builtins {
		if b.Category != "necessary" || b.Provider == "" || b.Purpose == "" || strings.TrimSpace(b.Name) != b.Name || b.Name == "" {
			t.Errorf("%+v: incomplete", b.Known)
		}
		if _, err := cookietable.ParseExpiry(b.Retention); err != nil {
			t.Errorf("%s: %v", b.Name, err)
		}
		if seen[b.Name] {
			t.Errorf("%s: listed twice", b.Name)
		}
		seen[b.Name] = true
	}
}
