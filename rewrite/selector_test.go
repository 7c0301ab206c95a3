package rewrite

import (
	"strings"
	"testing"
)

// A site names its own placeholder; only the elements its selector matches
// are filled, whatever the case of tag and attribute names, however the
// input is cut.
func TestCookieTableSelector(t *testing.T) {
	const page = `<p class="intro">a</p>` +
		`<div id="cookies" class="table wide" data-x="1">A</div>` +
		`<section class="cookie-list">B</section>` +
		`<DIV ID="Cookies" Data-Role="cookie table">C</DIV>` +
		`<aside data-x>D</aside>`
	// Each want lists the fallbacks replaced, in order.
	tests := []struct{ sel, want string }{
		{"section", "B"},
		{"SECTION", "B"},
		{"#cookies", "A"},
		{"#Cookies", "C"},
		{".table", "A"},
		{".wide.table", "A"},
		{".tab", ""},
		{".cookie-list", "B"},
		{"[data-x]", "AD"},
		{"[DATA-X]", "AD"},
		{`[data-x="1"]`, "A"},
		{`[data-role="cookie table"]`, "C"},
		{`[data-role='cookie table']`, "C"},
		{`[ data-role = "cookie table" ]`, "C"},
		{`[data-role="Cookie table"]`, ""},
		{"div#cookies.table[data-x]", "A"},
		{`div#cookies.table[data-x="2"]`, ""},
		{"aside[data-x]", "D"},
		{"div[data-x]", "A"},
		{"#cookies, .cookie-list", "AB"},
		{" aside , section ", "BD"},
	}
	for _, tt := range tests {
		sel, err := ParseSelector(tt.sel)
		if err != nil {
			t.Fatalf("%q: %v", tt.sel, err)
		}
		want := page
		for _, f := range "ABCD" {
			if strings.ContainsRune(tt.want, f) {
				want = strings.Replace(want, ">"+string(f)+"<", "><TABLE lang=><", 1)
			}
		}
		for _, chunk := range []int{0, 1, 3, 7} {
			got := string(run(t, []byte(page), chunk, Options{CookieTable: table, CookieTableSelector: sel}))
			if got != want {
				t.Errorf("%q, chunk %d:\ngot:  %s\nwant: %s", tt.sel, chunk, got, want)
			}
		}
	}
}

// A configured selector replaces the default marker, which then is plain
// markup.
func TestCookieTableSelectorReplacesDefault(t *testing.T) {
	sel, err := ParseSelector("#cookies")
	if err != nil {
		t.Fatal(err)
	}
	in := `<div data-consent-cookie-table>a</div><div id=cookies>b</div>`
	if got, want := string(run(t, []byte(in), 0, Options{CookieTable: table, CookieTableSelector: sel})),
		`<div data-consent-cookie-table>a</div><div id=cookies><TABLE lang=></div>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// The rules of the default marker hold for a configured one: a void or
// self-closed element, raw text and SVG are not filled.
func TestCookieTableSelectorUntouched(t *testing.T) {
	sel, err := ParseSelector(".c")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		`<img class="c" src="/a.png">text`,
		`<div class="c"/>text</div>`,
		`<textarea class="c">x</textarea>`,
		`<svg><g class="c">x</g></svg>`,
		`<div title="c" data-class="c">x</div>`,
	} {
		if got := string(run(t, []byte(in), 0, Options{CookieTable: table, CookieTableSelector: sel})); got != in {
			t.Errorf("%s: changed to %s", in, got)
		}
	}
}

// XHTML: a self-closed child is closed, and the selector matches as in HTML.
func TestCookieTableSelectorXML(t *testing.T) {
	sel, err := ParseSelector(`div[data-table="cookies"]`)
	if err != nil {
		t.Fatal(err)
	}
	in := `<div data-table="cookies"><div/>x</div>y<div data-table="other">z</div>`
	want := `<div data-table="cookies"><TABLE lang=></div>y<div data-table="other">z</div>`
	for _, chunk := range []int{0, 2} {
		if got := string(run(t, []byte(in), chunk, Options{XML: true, CookieTable: table, CookieTableSelector: sel})); got != want {
			t.Errorf("chunk %d: got %s, want %s", chunk, got, want)
		}
	}
}

// What needs more than one start tag to decide, or is not a selector, is
// refused with the reason.
func TestParseSelectorRefuses(t *testing.T) {
	tests := []struct{ sel, want string }{
		{"", "empty selector"},
		{"div,", "empty selector"},
		{"main div", "combinators are not supported"},
		{"main > div", "combinators are not supported"},
		{"h2 + div", "combinators are not supported"},
		{"h2~div", "combinators are not supported"},
		{"div:first-child", "pseudo-classes are not supported"},
		{"p::before", "pseudo-classes are not supported"},
		{"*", "unexpected"},
		{"#", "must be followed by a name"},
		{".1x", "must be followed by a name"},
		{"#a#b", "two ids"},
		{"[data-x", "want ]"},
		{"[data-x~=a]", "want ]"},
		{"[data-x^=a]", "want ]"},
		{"[data-x=a i]", "want ]"},
		{"[=a]", "wants an attribute name"},
		{`[data-x="a]`, "unclosed quote"},
		{"[data-x=a b]", "want ]"},
		{"[data-x=1a]", "quote a value"},
		{`[data-x="a\"b"]`, "escapes are not supported"},
		{`div\:x`, "unexpected"},
	}
	for _, tt := range tests {
		_, err := ParseSelector(tt.sel)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSelector(%q) = %v, want an error saying %q", tt.sel, err, tt.want)
		}
	}
}
