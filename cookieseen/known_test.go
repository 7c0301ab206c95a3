package cookieseen

import (
	"io"
	"os"
	"strings"
	"testing"
)

// The fixture is the real file's header and rows in its format: quoted
// commas and line breaks, wildcard rows, blank controllers, a row the
// database has not named.
func TestParseOpenCookieDatabase(t *testing.T) {
	f, err := os.Open("testdata/open-cookie-database.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseOpenCookieDatabase(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 23 {
		t.Errorf("%d entries, want 23 (24 rows, one without a name)", len(got))
	}
	byName := map[string]Known{}
	for _, k := range got {
		byName[k.Name] = k
	}
	want := []Known{
		{Name: "_ga", Provider: "Google", Category: "analytics", Purpose: "ID used to identify users", Retention: "2 years"},
		{Name: "_ga_", Prefix: true, Provider: "Google", Category: "analytics", Purpose: "ID used to persist session state, per property", Retention: "2 years"},
		{Name: "_gac_", Prefix: true, Provider: "Google", Category: "marketing", Purpose: "Contains campaign information for the user, shared with Google Ads when the accounts are linked.", Retention: "90 days"},
		{Name: "AMP_TOKEN", Provider: "Google", Category: "analytics", Purpose: "Contains a token used to read a Client ID from the AMP Client ID Service. Reference: https://support.google.com/analytics/answer/7486764?hl=en", Retention: "30 seconds till 1 year"},
		{Name: "CookieConsent", Provider: "Cookiebot", Category: "necessary", Purpose: "Stores the user's cookie consent state for the current domain", Retention: "1 year"},
		{Name: ".AspNetCore.Antiforgery.", Prefix: true, Provider: "Microsoft", Category: "necessary", Purpose: "Anti-forgery cookie that defends against cross-site request forgery (CSRF) attacks.", Retention: "Session"},
		{Name: "XSRF-TOKEN", Category: "necessary", Purpose: "Helps with site security by preventing Cross-Site Request Forgery attacks.", Retention: "Session"},
		{Name: "nmstat", Provider: "Siteimprove", Category: "analytics", Purpose: "Used to record the visitor's behaviour on the website, for statistics.", Retention: "1000 days"},
		{Name: "sidebarPinned", Provider: "Salesforce", Category: "", Purpose: "Controls the state of the Salesforce Classic sidebar.", Retention: "10 years"},
	}
	for _, w := range want {
		if g := byName[w.Name]; g != w {
			t.Errorf("%s:\n got %+v\nwant %+v", w.Name, g, w)
		}
	}
}

// Columns are found by name: in any order, in any case and spacing, after
// a byte order mark, with columns the parser does not know.
func TestParseOpenCookieDatabaseHeader(t *testing.T) {
	in := "\ufeffwildcard MATCH,Notes,COOKIE / DATA KEY NAME,category,Platform\n1,x,_pk_id.,Analytics,Matomo\n"
	got, err := ParseOpenCookieDatabase(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Known{Name: "_pk_id.", Prefix: true, Provider: "Matomo", Category: "analytics"}); len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// What is not the database, or not all of it, is refused with a reason a
// web team can act on.
func TestParseOpenCookieDatabaseRefuses(t *testing.T) {
	const header = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"
	const row = "a,P,Analytics,n,d,desc,1 year,C,u,0\n"
	tests := []struct {
		name string
		in   io.Reader
		want string
	}{
		{"empty", strings.NewReader(""), "empty"},
		{"no name column", strings.NewReader("ID,Category\n1,Analytics\n"), `no "Cookie / Data Key name" column`},
		{"no category column", strings.NewReader("Cookie / Data Key name\n_ga\n"), `no "Category" column`},
		{"bare quote", strings.NewReader(header + row + "b,P,Analytics,n\"x,d,desc,1 year,C,u,0\n"), "line 3"},
		{"short row", strings.NewReader(header + row + row + "c,P,Analytics\n"), "record on line 4: wrong number of fields"},
		{"unclosed quote", strings.NewReader(header + row + "d,P,Analytics,n,d,\"desc,1 year,C,u,0\n"), "line 3"},
		{"too many rows", strings.NewReader(header + strings.Repeat(row, maxDatabaseRows+1)), "more than 100000 rows"},
		{"too large", io.MultiReader(strings.NewReader(header), &repeatReader{line: []byte("a,P,Analytics,n,d," + strings.Repeat("long description ", 30) + ",1 year,C,u,0\n")}), "over 16 MiB"},
	}
	for _, tt := range tests {
		_, err := ParseOpenCookieDatabase(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "open cookie database: ") {
			t.Errorf("%s: got %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	if got, err := ParseOpenCookieDatabase(strings.NewReader(header + strings.Repeat(row, maxDatabaseRows))); err != nil || len(got) != maxDatabaseRows {
		t.Errorf("%d rows: got %d entries, %v", maxDatabaseRows, len(got), err)
	}
}

// repeatReader repeats line without end.
type repeatReader struct {
	line []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.line[r.off:])
		n += c
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}
