package banner

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// wellFormed parses s as the content of an XHTML element.
func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(`<div xmlns="http://www.w3.org/1999/xhtml">` + s + `</div>`))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestXHTMLBannerIsWellFormed(t *testing.T) {
	text, err := LoadText("cy", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Locale: "cy", Text: text, Site: "Cyngor & Co", Prefix: "/_consent", CookieTable: "/_consent/cookies",
		ReturnTo: "/a?b=1&c=2", Categories: []Category{{ID: "analytics", Name: "Dadansoddi", Providers: []string{"Google"}}}}
	html := string(Body(p))
	if wellFormed(html) == nil {
		t.Fatal("test premise: the HTML banner should not be well-formed XML (void inputs, bare attributes)")
	}
	x := string(XHTML([]byte(html), false))
	if err := wellFormed(x); err != nil {
		t.Fatalf("XHTML banner is not well-formed: %v\n%s", err, x)
	}
	for _, want := range []string{`<input type="hidden" name="return_to" value="/a?b=1&amp;c=2"/>`, `id="cg-root"`, `data-nosnippet=""`} {
		if !strings.Contains(x, want) {
			t.Errorf("XHTML banner lacks %s", want)
		}
	}
	for i := 0; i < len(x); i++ {
		if x[i] >= 0x80 {
			t.Fatalf("non-ASCII byte at %d: the banner must suit any ASCII-compatible charset", i)
		}
	}
}
