package banner

import (
	"bytes"
	"html"
	"net/url"
	"testing"
)

// TestHoleEscaping: a hole is filled in byte for byte as
// html.EscapeString and asciiOnly made it, a query hole as url.QueryEscape,
// and a srcdoc hole with each reference's '&' escaped once more.
func TestHoleEscaping(t *testing.T) {
	for _, s := range []string{"", "/", "/services/bins.html?week=2&area=north", `/a"b<c>'d&e`, "/gwasanaethau/ŵyn?ardal=Llanfair Pwll", "/caf\xffé\U0001F36A", "a b+c~d.e_f-g%"} {
		want := string(asciiOnly([]byte(html.EscapeString(s))))
		if got := string(appendText(nil, s, false)); got != want {
			t.Errorf("text %q: got %q, want %q", s, got, want)
		}
		if got, want := string(appendText(nil, s, true)), string(appendAttr(nil, []byte(want))); got != want {
			t.Errorf("srcdoc text %q: got %q, want %q", s, got, want)
		}
		if got, want := string(appendQuery(nil, s)), url.QueryEscape(s); got != want {
			t.Errorf("query %q: got %q, want %q", s, got, want)
		}
	}
}

// TestCachedRenderingAllocatesOnce: from the cache, a banner costs the one
// allocation of its result, and a banner, its head or a frame's srcdoc
// appended to a buffer with room none, whatever the state.
func TestCachedRenderingAllocatesOnce(t *testing.T) {
	var c Cache
	p := testPage(t, "cy", nil)
	p.ReturnTo, p.Decided, p.ConsentID, p.Nonce = "/gwasanaethau/ŵyn?a=1&b=2", true, "abcdefghij", "n0nce"
	e := Embed{Page: p, Provider: "YouTube", Category: p.Categories[1], Link: "https://www.youtube.com/watch?v=x"}
	buf := c.AppendSrcdoc(nil, e)
	room := make([]byte, 0, 64<<10)
	if got, want := c.AppendHead([]byte("x"), p), append([]byte("x"), c.Head(p)...); !bytes.Equal(got, want) {
		t.Errorf("AppendHead is not Head:\n%s\n%s", got, want)
	}
	if got, want := c.AppendBody([]byte("x"), p), append([]byte("x"), c.Body(p)...); !bytes.Equal(got, want) {
		t.Errorf("AppendBody is not Body:\n%s\n%s", got, want)
	}
	for name, want := range map[string]struct {
		render func()
		allocs float64
	}{
		"body":        {func() { c.Body(p) }, 1},
		"srcdoc":      {func() { buf = c.AppendSrcdoc(buf[:0], e) }, 0},
		"append head": {func() { c.AppendHead(room[:0], p) }, 0},
		"append body": {func() { c.AppendBody(room[:0], p) }, 0},
	} {
		want.render()
		if n := testing.AllocsPerRun(100, want.render); n != want.allocs {
			t.Errorf("%s: %v allocations, want %v", name, n, want.allocs)
		}
	}
}
