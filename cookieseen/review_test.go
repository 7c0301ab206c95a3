package cookieseen

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/consentgate/consentgate/trackers"
)

func builtinCatalogue(t *testing.T) *trackers.Catalogue {
	t.Helper()
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Sightings of one name from several sources are one finding; what nobody
// declared comes first, then every name in order, vendors left out.
func TestReview(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 11, n, 9, 0, 0, 0, time.UTC) }
	seen := []Sighting{
		{Kind: Cookie, Name: "PHPSESSID", Source: Banner, MaxAge: -1, First: day(3), Last: day(9), Hits: 4},
		{Kind: Cookie, Name: "PHPSESSID", Source: Upstream, MaxAge: 0, First: day(1), Last: day(8), Hits: 10},
		{Kind: Cookie, Name: "_ga", Source: Banner, MaxAge: -1, First: day(2), Last: day(2), Hits: 1},
		{Kind: Vendor, Name: "youtube", Source: Page, MaxAge: -1, First: day(1), Last: day(1), Hits: 3},
		{Kind: Cookie, Name: "council_ab_test", Source: Upstream, MaxAge: 7776000, First: day(5), Last: day(6), Hits: 2},
		{Kind: Cookie, Name: "cookie_consent", Source: Upstream, MaxAge: 31536000, First: day(1), Last: day(9), Hits: 50},
		{Kind: Storage, Name: "mapZoom", Source: Banner, MaxAge: -1, First: day(4), Last: day(4), Hits: 1},
		{Kind: Cookie, Name: "anytown_pref_font", Source: Banner, MaxAge: -1, First: day(4), Last: day(4), Hits: 1},
	}
	d := Declaration{Version: "3", Cookies: []Declared{
		{Name: "cookie_consent", Category: "necessary"},
		{Name: "anytown_pref_", Prefix: true, Category: "necessary"},
	}}
	got := Review(seen, d, builtinCatalogue(t), nil)
	type row struct {
		kind   Kind
		name   string
		status Status
		vendor string
	}
	var rows []row
	for _, f := range got {
		rows = append(rows, row{f.Kind, f.Name, f.Status, f.Vendor})
	}
	want := []row{
		{Cookie, "PHPSESSID", StatusUndeclared, ""},
		{Cookie, "council_ab_test", StatusUndeclared, ""},
		{Storage, "mapZoom", StatusUndeclared, ""},
		{Cookie, "_ga", StatusCatalogue, "Google Analytics"},
		{Cookie, "anytown_pref_font", StatusDeclared, ""},
		{Cookie, "cookie_consent", StatusDeclared, ""},
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("got\n%v\nwant\n%v", rows, want)
	}
	php := got[0]
	if !slices.Equal(php.Sources, []Source{Banner, Upstream}) || php.First != day(1) || php.Last != day(9) || php.Hits != 14 || php.MaxAge != 0 {
		t.Errorf("PHPSESSID merged as %+v", php)
	}
	if php.Suggestion == nil || php.Suggestion.Provider != "PHP" || got[1].Suggestion != nil {
		t.Errorf("suggestions: PHPSESSID %+v, council_ab_test %+v", php.Suggestion, got[1].Suggestion)
	}
	if got[2].MaxAge != -1 {
		t.Errorf("mapZoom: MaxAge %d with no upstream sighting, want -1", got[2].MaxAge)
	}
	for _, f := range got {
		if (f.Snippet != "") != (f.Status == StatusUndeclared) {
			t.Errorf("%s (%s): snippet %q", f.Name, f.Status, f.Snippet)
		}
	}
}

// The snippet is the module's cookie sub-directive, ready to review: the
// suggestion's words, the upstream's lifetime before the database's, a
// justification for a strictly necessary cookie, and a category nobody may
// paste unchosen.
func TestReviewSnippet(t *testing.T) {
	const hash = "9f86d081884c7d659a2feaa0c55ad015"
	imported := append(fixture(t),
		Known{Name: "jadu_ab", Provider: `The "Jadu" CMS`, Category: "analytics", Purpose: `Splits visitors into groups A\B`, Retention: "Unknown"},
	)
	tests := []struct {
		name   string
		maxAge int64
		want   string
	}{
		{"PHPSESSID", 0, `cookie PHPSESSID necessary {
	provider PHP
	purpose "Keeps your visit together from page to page, such as a form you are part way through"
	expires session
	justification "Needed for the site to work: keeps your visit together from page to page, such as a form you are part way through"
}
`},
		{"wp-settings-3", -1, `cookie wp-settings- necessary prefix {
	provider WordPress
	purpose "Remembers how a signed-in editor has set out the WordPress dashboard"
	expires "1 year"
	justification "Needed for the site to work: remembers how a signed-in editor has set out the WordPress dashboard"
}
`},
		{"SESS" + hash, -1, `cookie SESS` + hash + ` necessary {
	provider Drupal
	purpose "Keeps your visit together from page to page, such as a form you are part way through"
	expires "up to 23 days"
	justification "Needed for the site to work: keeps your visit together from page to page, such as a form you are part way through"
}
`},
		{"AWSALB", 604800, `cookie AWSALB necessary {
	provider "Amazon Web Services"
	purpose "Sends your requests to the same server, so your visit keeps working while the site is shared between servers"
	expires "1 week"
	justification "Needed for the site to work: sends your requests to the same server, so your visit keeps working while the site is shared between servers"
}
`},
		{"council_ab_test", 7776000, `# choose: necessary, analytics, media, social or marketing
cookie council_ab_test CATEGORY {
	# provider "who sets it"
	# purpose "what it does, in plain words"
	expires "3 months"
}
`},
		{"council_forever", 1 << 40, `# choose: necessary, analytics, media, social or marketing
cookie council_forever CATEGORY {
	# provider "who sets it"
	# purpose "what it does, in plain words"
	expires "400 days"
}
`},
		{"odd name{1}", -1, `# choose: necessary, analytics, media, social or marketing
cookie "odd name{1}" CATEGORY {
	# provider "who sets it"
	# purpose "what it does, in plain words"
}
`},
		{"sidebarPinned", -1, `# choose: necessary, analytics, media, social or marketing
cookie sidebarPinned CATEGORY {
	provider Salesforce
	purpose "Controls the state of the Salesforce Classic sidebar."
	expires "10 years"
}
`},
		{"XSRF-TOKEN", 0, `cookie XSRF-TOKEN necessary {
	provider "The site's web application (Laravel, Angular or Spring)"
	purpose "Protects the site's forms from being sent by another site in your name (cross-site request forgery)"
	expires session
	justification "Needed for the site to work: protects the site's forms from being sent by another site in your name (cross-site request forgery)"
}
`},
		{"_pk_id.1.ab12", -1, `cookie _pk_id. analytics prefix {
	provider Matomo
	purpose "Used to store a few details about the user such as the unique visitor ID"
	expires "13 months"
}
`},
		{"jadu_ab", -1, "cookie jadu_ab analytics {\n\tprovider `The \"Jadu\" CMS`\n\tpurpose `Splits visitors into groups A\\B`\n}\n"},
	}
	for _, tt := range tests {
		got := Review([]Sighting{{Kind: Cookie, Name: tt.name, Source: Upstream, MaxAge: tt.maxAge}}, Declaration{}, builtinCatalogue(t), imported)
		if len(got) != 1 || got[0].Snippet != tt.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tt.name, got[0].Snippet, tt.want)
			continue
		}
		// The Caddyfile lexer reads back every value as written.
		f := got[0]
		k := Known{Name: f.Name}
		if f.Suggestion != nil {
			k = *f.Suggestion
		}
		d := caddyfile.NewTestDispenser(f.Snippet)
		d.Next()
		args := d.RemainingArgs()
		if len(args) < 2 || !strings.HasPrefix(tt.name, args[0]) {
			t.Errorf("%s: read back as cookie %q", tt.name, args)
		}
		fields := map[string]string{}
		for n := d.Nesting(); d.NextBlock(n); {
			field, v := d.Val(), d.RemainingArgs()
			if len(v) != 1 {
				t.Errorf("%s: %s read back as %q", tt.name, field, v)
				continue
			}
			fields[field] = v[0]
		}
		if fields["provider"] != k.Provider || fields["purpose"] != k.Purpose {
			t.Errorf("%s: read back as %q, want provider %q and purpose %q", tt.name, fields, k.Provider, k.Purpose)
		}
	}
}

// A name the catalogue knows is the catalogue's, even when the imported
// database files it under another category.
func TestReviewCatalogueFirst(t *testing.T) {
	got := Review([]Sighting{{Kind: Cookie, Name: "_ga", Source: Upstream, MaxAge: 63072000}}, Declaration{}, builtinCatalogue(t), fixture(t))
	if got[0].Status != StatusCatalogue || got[0].Suggestion != nil || got[0].Snippet != "" {
		t.Errorf("got %+v", got[0])
	}
	if got := Review([]Sighting{{Kind: Cookie, Name: "_ga", Source: Upstream, MaxAge: 63072000}}, Declaration{}, nil, fixture(t)); got[0].Status != StatusUndeclared || got[0].Suggestion == nil {
		t.Errorf("without a catalogue: got %+v", got[0])
	}
}
