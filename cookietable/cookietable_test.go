package cookietable

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteHTMLLanguages(t *testing.T) {
	rows := []Row{{Name: "_ga", Provider: "Google Analytics", Category: "analytics", Expiry: "2 years", ThirdParty: false}, {Name: "fr", Provider: "Meta", ThirdParty: true}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{`<html lang="en">`, "Cookies used on Cyngor &lt;Test&gt;", "Typical content", "This site", "Third party"}},
		{"cy", []string{`<html lang="cy">`, "Cwcis a ddefnyddir ar Cyngor &lt;Test&gt;", "Cynnwys nodweddiadol", "Y wefan hon", "Trydydd parti"}},
		{"fr", []string{`<html lang="en">`}},
	} {
		var b bytes.Buffer
		if err := WriteHTML(&b, "Cyngor <Test>", "/_consent", tc.lang, rows); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: page lacks %q", tc.lang, w)
			}
		}
	}
}
