package rewrite

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/net/html"
)

// tok is a token as both tokenizers report it.
type tok struct {
	kind tokenKind
	raw  string
}

func (t tok) String() string { return fmt.Sprintf("%d%q", t.kind, t.raw) }

// chunked reads b n bytes at a time, as a response's body arrives.
type chunked struct {
	b []byte
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// lexAll returns the tokens of in, read n bytes at a time; with coalesce,
// the pass bytes flushed early are counted in the pass token that follows.
func lexAll(in []byte, n int, coalesce, cdata bool, max int) ([]tok, error) {
	var l lexer
	var src io.Reader = &chunked{in, n}
	if n%2 == 1 {
		src = iotest.DataErrReader(src) // the last bytes come with io.EOF, as decompressors give them
	}
	l.reset(src, max)
	l.cdata = cdata
	var flushed bytes.Buffer
	sink := bufio.NewWriterSize(&flushed, 16)
	var toks []tok
	for {
		l.coalesce, l.sink = coalesce, sink
		k := l.next()
		sink.Flush()
		raw := flushed.String() + string(l.raw())
		flushed.Reset()
		if k == tkError {
			if raw != "" {
				toks = append(toks, tok{k, raw})
			}
			if l.err == io.EOF {
				return toks, nil
			}
			return toks, l.err
		}
		if k == tkPass && len(toks) > 0 && toks[len(toks)-1].kind == tkPass {
			toks[len(toks)-1].raw += raw // flushed before an error, say
			continue
		}
		toks = append(toks, tok{k, raw})
	}
}

// xnetAll returns the tokens of in as golang.org/x/net/html reports them.
func xnetAll(in []byte, cdata bool) []tok {
	z := html.NewTokenizer(bytes.NewReader(in))
	z.AllowCDATA(cdata)
	var toks []tok
	for {
		tt := z.Next()
		raw := string(z.Raw())
		var k tokenKind
		switch tt {
		case html.ErrorToken:
			if raw != "" {
				toks = append(toks, tok{tkError, raw})
			}
			return toks
		case html.TextToken:
			k = tkText
		case html.StartTagToken:
			k = tkStart
		case html.SelfClosingTagToken:
			k = tkSelfClosing
		case html.EndTagToken:
			k = tkEnd
		case html.CommentToken:
			k = tkComment
		case html.DoctypeToken:
			k = tkDoctype
		}
		toks = append(toks, tok{k, raw})
	}
}

// differs explains why the lexer's tokens may differ from x/net/html's at
// token i, where x/net/html departs from the HTML standard, or returns "".
func differs(ours, theirs []tok, i int) string {
	if i >= len(ours) || i >= len(theirs) {
		return ""
	}
	o, t := ours[i], theirs[i]
	// x/net/html's readStartTag decides "/>" against the last attribute it
	// kept, skipping duplicates: <p a=1 a=/> is self-closing to it, while
	// §13.2.5.36 reads "/" as the unquoted value.
	if o.raw == t.raw && o.kind == tkStart && t.kind == tkSelfClosing {
		_, attrs := scanTag([]byte(o.raw), nil)
		seen := map[string]bool{}
		for _, a := range attrs {
			n := strings.ToLower(string(a.name))
			if seen[n] {
				return "duplicate attribute"
			}
			seen[n] = true
		}
	}
	// In the script data escaped less-than sign state, "<" and a byte that
	// is neither "/" nor a letter stays escaped (§13.2.5.21); x/net/html's
	// readScript goes back to script data, and can end a script where
	// browsers read on, in the double-escaped state.
	if o.kind == tkText && t.kind == tkText && len(t.raw) < len(o.raw) && strings.HasPrefix(o.raw, t.raw) &&
		strings.Contains(t.raw, "<!--") && endsScript([]byte(o.raw)) {
		return "script escape"
	}
	return ""
}

// compareTokens fails t unless the lexer splits in as x/net/html does, but
// for the listed departures from the standard.
func compareTokens(t *testing.T, in []byte, cdata bool) {
	theirs := xnetAll(in, cdata)
	for _, n := range []int{len(in) + 1, 1, 7} {
		ours, err := lexAll(in, n, false, cdata, 1<<30)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		for i := range max(len(ours), len(theirs)) {
			if i < len(ours) && i < len(theirs) && ours[i] == theirs[i] {
				continue
			}
			if why := differs(ours, theirs, i); why != "" {
				if why == "script escape" {
					break // the streams part here
				}
				continue
			}
			t.Fatalf("%q read %d bytes at a time: token %d:\n ours   %v\n x/net %v", in, n, i, ours[max(0, i-2):min(len(ours), i+2)], theirs[max(0, i-2):min(len(theirs), i+2)])
		}
		coalesced, err := lexAll(in, n, true, cdata, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, tk := range coalesced {
			all.WriteString(tk.raw)
		}
		if all.String() != string(in) {
			t.Fatalf("%q coalesced, %d at a time: the tokens make %q", in, n, all.String())
		}
	}
}

var lexerCases = []string{
	"", "a", "<", "<<", "a<b", "a< b", "<a", "<a ", "<a b", "<a b=", "<a b='", `<a b="x"`, "<a>", "<a/>", "<a / >",
	"<a b=x/>", "<a b='x'/>", "<a b/>", "<a b=/>", "<a =b>", "<a b=1 b=/>", `<a b="x"c>`, "</", "</>", "</ a>", "</a",
	"</a b='>'>", "<?xml version='1.0'?>", "<!", "<!>", "<!-", "<!--", "<!-->", "<!--->", "<!---->", "<!-- a -->",
	"<!-- --!>", "<!-- --!->", "<!-- --!-->x", "<!--!>-->", "<!---!>-->", "<!-- <!-- -->", "<!DOCTYPE", "<!doctype html>",
	"<!DOC", `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" ">">`, "<![CDATA[x]]>", "<![CDATA[x]>]]>y",
	"<title>a<b></title>", "<title>a</titlex></title >", "<TEXTAREA></textarea/>", "<style>a</style", "<style>a</sty",
	"<xmp><a></xmp>", "<iframe><p></iframe>", "<noscript><img src=x></noscript>", "<plaintext></plaintext><a>",
	"<script>a</script>", "<script>a</SCRIPT >", "<script>a</scriptx></script>", "<script><!--</script>",
	"<script><!-- <script></script> --></script>x", "<script><!-- <script>--></script>", "<script><!--<script></script></script>y",
	"<script><!-- a < b <script></script> --></script>", "<script><!-- <scriptx></script>", "<script>a<!-b</script>",
	"<script><!--->x</script>", "<script/>a</script>", "<script src=x>", "<p>a&amp;b</p>", "<a href='x>y'>z</a>",
	"<svg><script/></svg>", "<math><mi>x</mi></math>", "<div\tclass\n=\fx>", "<img\nsrc=\"//x\"\n/>",
}

func TestLexerAgreesWithXNetHTML(t *testing.T) {
	for _, c := range lexerCases {
		compareTokens(t, []byte(c), false)
		compareTokens(t, []byte(c), true)
	}
	page, err := readCorpusPage()
	if err != nil {
		t.Fatal(err)
	}
	compareTokens(t, page, false)
}

func FuzzLexer(f *testing.F) {
	for _, c := range lexerCases {
		f.Add([]byte(c), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, cdata bool) {
		compareTokens(t, in, cdata)
	})
}

// readCorpusPage is the demo site's home page, with every vendor snippet.
func readCorpusPage() ([]byte, error) { return os.ReadFile("../testdata/site/index.html") }

// endsScript reports whether browsers end a script whose text is text at
// a "</script>" after it.
func endsScript(text []byte) bool {
	m := rawScan{tag: "script", script: true}
	for _, c := range text {
		m.step(c)
	}
	for _, c := range []byte("</script>") {
		if m.step(c) {
			return true
		}
	}
	return false
}

// TestDecodeRefs: the matching view of a value decodes as x/net/html
// decodes an attribute value, or says it cannot.
func TestDecodeRefs(t *testing.T) {
	for _, v := range []string{
		"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1", "a&amp;b", "&lt;&gt;&quot;&apos;", "https:&#x2F;&#x2f;www.x.com&#47;a",
		"&#128512;", "&", "&&", "a&b=c", "&amp", "&#", "&#;", "&#x;", "&#xZZ;", "&#0;", "&#150;", "&#xD800;", "&#1114112;",
		"&copy;", "&copy", "&notit", "&not=x", "&amp;&amp;amp;", "x&#65", "&#65x", "&notify=1", "a& b", "&nbsp;",
	} {
		z := html.NewTokenizer(strings.NewReader(`<a href="` + v + `">`))
		z.Next()
		_, want, _ := z.TagAttr()
		if got, ok := decodeRefs(nil, []byte(v)); ok && string(got) != string(want) {
			t.Errorf("%q: %q, x/net/html %q", v, got, want)
		}
	}
	if _, ok := decodeRefs(nil, []byte("https://www.facebook.com/tr?id=1&ev=PageView&amp;noscript=1")); !ok {
		t.Error("a pixel's query string needs html.UnescapeString")
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		b, s string
		want bool
	}{
		{"<div data-consent-cookie-table>", "data-consent-cookie-table", true},
		{"<div DATA-Consent-Cookie-Table>", "data-consent-cookie-table", true},
		{"<div data-consent-cookie-tabl>", "data-consent-cookie-table", false},
		{"srcdoc", "srcdoc", true}, {"SRCDO", "srcdoc", false}, {"", "srcdoc", false},
		{"ddsrcDoc", "srcdoc", true}, {"<a -x>", "-x", true}, {"<a -X>", "-x", true},
	} {
		if got := containsFold([]byte(c.b), c.s); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.b, c.s, got)
		}
	}
}
