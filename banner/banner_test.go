package banner

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func testPage(t *testing.T, locale string, overrides map[string]string) Page {
	t.Helper()
	text, err := LoadText(locale, overrides)
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Locale: locale, Text: text, Site: "Llanwern County Council", Prefix: "/_consent", CookieTable: "/_consent/cookies"}
	for _, id := range []string{"analytics", "media", "social", "marketing"} {
		p.Categories = append(p.Categories, Category{ID: id, Name: text.Categories[id].Name, Desc: text.Categories[id].Desc, Providers: []string{"Vendor " + id}})
	}
	return p
}

// tokens reads markup into comparable strings, with attribute values
// unescaped and any return_to query value decoded: two renderings that a
// browser reads the same way give the same tokens.
func tokens(t *testing.T, b []byte) []string {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(b))
	var out []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		tok := z.Token()
		s := tt.String() + " " + tok.Data
		for _, a := range tok.Attr {
			v := a.Val
			if a.Key == "href" && strings.Contains(v, "?") {
				u, err := url.Parse(v)
				if err != nil {
					t.Fatalf("href %q: %v", v, err)
				}
				v = u.Path + " return_to=" + u.Query().Get("return_to")
			}
			s += fmt.Sprintf(" %s=%q", a.Key, v)
		}
		out = append(out, s)
	}
}

func TestCacheMatchesRender(t *testing.T) {
	var c Cache
	returns := []string{"/", "/services/bins.html?week=2&area=north", `/a"b<c>'d&e`, "/caf%C3%A9?q=%20x+y", "/gwasanaethau/ŵyn?ardal=Llanfair"}
	for _, locale := range Locales {
		base := testPage(t, locale, nil)
		for state := range 64 {
			p := base
			p.Categories = slices.Clone(base.Categories)
			p.Decided, p.GPC = state&1 != 0, state&2 != 0
			for i := range p.Categories {
				p.Categories[i].Checked = state&(4<<i) != 0
			}
			if state%3 == 0 {
				p.Nonce, p.StyleNonce = "rAnd0m+/nonce=", ""
			} else if state%3 == 1 {
				p.Nonce, p.StyleNonce = "", "sTyle"
			}
			if p.Decided {
				p.ConsentID = "abcdefghijklmnopqrstuvwxyz"[:10+state%16]
			}
			for _, ret := range returns {
				p.ReturnTo = ret
				embed := Embed{Page: p, Provider: "YouTube", Category: p.Categories[state%4], Link: "https://www.youtube.com/watch?v=" + ret}
				for _, name := range []string{"body.html", "head.html", "placeholder.html"} {
					var got, want []byte
					switch name {
					case "body.html":
						got, want = c.Body(p), render(name, p)
					case "head.html":
						got, want = c.Head(p), render(name, p)
					default:
						got, want = c.Placeholder(embed), Placeholder(embed)
					}
					if !slices.Equal(tokens(t, got), tokens(t, want)) {
						t.Fatalf("%s %s state %d return_to %q: cached rendering differs\n got: %s\nwant: %s", locale, name, state, ret, got, want)
					}
				}
			}
		}
	}
}

func TestConfigTextIsEscaped(t *testing.T) {
	p := testPage(t, "en", map[string]string{"acceptAll": `<script>alert(1)</script>`, "categories.media.desc": `"><img src=x onerror=alert(2)>`})
	p.Site = `Evil "Council" <b>`
	p.ReturnTo = `/x"><script>alert(3)</script>`
	var c Cache
	for _, out := range [][]byte{Body(p), c.Body(p)} {
		for _, bad := range []string{"<script>alert", "<img src=x", `"Council"`, "<b>", `x">`} {
			if bytes.Contains(out, []byte(bad)) {
				t.Errorf("config or request text %q reached the markup unescaped", bad)
			}
		}
		if !bytes.Contains(out, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
			t.Error("overridden acceptAll text is not shown (escaped)")
		}
	}
}

func TestWelshBodyIsASCII(t *testing.T) {
	p := testPage(t, "cy", map[string]string{"intro": "Croeso i wefan y Cyngor — ŵ ŷ â"})
	out := Body(p)
	for i, b := range out {
		if b >= 0x80 {
			t.Fatalf("byte %d of the Welsh banner is %#x: the banner must be ASCII to be right in a page of any charset", i, b)
		}
	}
	if !bytes.Contains(out, []byte("&#373;")) {
		t.Error("ŵ is not written as a character reference")
	}
	if !bytes.Contains(out, []byte(`lang="cy"`)) {
		t.Error(`Welsh banner lacks lang="cy"`)
	}
}

func TestLoadTextRejectsUnknownKeys(t *testing.T) {
	for _, k := range []string{"acceptAl", "categories", "categories.video.name", "categories.media.title"} {
		if _, err := LoadText("en", map[string]string{k: "x"}); err == nil {
			t.Errorf("override %q accepted", k)
		}
	}
	if _, err := LoadText("fr", nil); err == nil {
		t.Error("unknown locale fr accepted")
	}
}

func TestPlaceholder(t *testing.T) {
	p := testPage(t, "cy", nil)
	p.ReturnTo = "/cy/newyddion?a=1&b=2"
	out := Placeholder(Embed{Page: p, Provider: "YouTube", Category: p.Categories[1], Link: ProviderLink("//www.youtube-nocookie.com/embed/abc123?rel=0")})
	for _, want := range []string{
		`lang="cy"`,
		`<strong>YouTube</strong>`,
		`href="https://www.youtube.com/watch?v=abc123"`,
		`target="_top"`,
		`name="category" value="media"`,
		`value="/cy/newyddion?a=1&amp;b=2"`,
		`data-cg-load hidden`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("placeholder lacks %s:\n%s", want, out)
		}
	}
	for i, b := range out {
		if b >= 0x80 {
			t.Fatalf("byte %d of the placeholder is %#x; it must be ASCII", i, b)
		}
	}
	if bytes.Contains(out, []byte("ytimg")) || bytes.Contains(out, []byte("<img")) {
		t.Error("the placeholder fetches a picture from the provider")
	}
}

func TestProviderLink(t *testing.T) {
	for src, want := range map[string]string{
		"https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0":                                   "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
		"//www.youtube-nocookie.com/embed/abc":                                              "https://www.youtube.com/watch?v=abc",
		"https://www.youtube.com/embed/videoseries?list=PL123":                              "https://www.youtube.com/playlist?list=PL123",
		"https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fc": "https://www.facebook.com/c",
		"https://maps.google.com/maps?q=x":                                                  "https://maps.google.com/maps?q=x",
		"javascript:alert(1)":                                                               "",
		"/relative":                                                                         "",
	} {
		if got := ProviderLink(src); got != want {
			t.Errorf("ProviderLink(%q) = %q, want %q", src, got, want)
		}
	}
}

// TestCacheIsBounded: links come from pages, so distinct placeholders past
// the bound are rendered each time, correctly, and not kept.
func TestCacheIsBounded(t *testing.T) {
	var c Cache
	p := testPage(t, "en", nil)
	for i := range maxCached + 50 {
		e := Embed{Page: p, Provider: "YouTube", Category: p.Categories[1], Link: fmt.Sprintf("https://www.youtube.com/watch?v=%d", i)}
		if got, want := c.Placeholder(e), Placeholder(e); !bytes.Equal(got, want) {
			t.Fatalf("placeholder %d differs from a direct rendering", i)
		}
	}
	if n := len(c.m); n != maxCached {
		t.Errorf("cache holds %d renderings, want the bound %d", n, maxCached)
	}
}
