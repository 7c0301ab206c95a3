package rewrite

// The elements rules act on, by lower-cased name, and what the lexer needs
// to know of each: whether raw text follows its start tag, and whether a
// rule acts on its start or end tag even while the lexer coalesces (the
// head is written, the document decided, no foreign content, fill, held
// script or streamed script open). The other names only matter then.

const (
	tagRaw      uint8 = 1 << iota // raw text (RCDATA, RAWTEXT, script data, PLAINTEXT) follows the start tag in HTML
	tagStartAct                   // a rule acts on the start tag while coalescing
	tagEndAct                     // a rule acts on the end tag while coalescing
)

// tagFlags lists the names lookupTag knows.
var tagFlags = map[string]uint8{
	"html": tagStartAct, "head": tagStartAct, "body": tagStartAct | tagEndAct, "meta": tagStartAct, "base": 0, "title": tagRaw,
	"script": tagRaw | tagStartAct, "noscript": tagRaw | tagStartAct, "style": tagRaw, "textarea": tagRaw, "xmp": tagRaw,
	"noembed": tagRaw, "noframes": tagRaw, "plaintext": tagRaw,
	"iframe": tagRaw | tagStartAct, "frame": tagStartAct, "img": tagStartAct, "image": tagStartAct, "source": tagStartAct,
	"video": tagStartAct, "audio": tagStartAct, "embed": tagStartAct, "object": tagStartAct, "input": tagStartAct,
	"link": tagStartAct, "param": tagStartAct, "use": tagStartAct, "feimage": tagStartAct,
	"svg": tagStartAct, "math": tagStartAct,
	// Foreign content's integration points and break-outs: only inside svg
	// or math, where the lexer does not coalesce.
	"foreignobject": 0, "desc": 0, "mi": 0, "mo": 0, "mn": 0, "ms": 0, "mtext": 0, "annotation-xml": 0,
	"font": 0, "br": 0, "p": 0,
}

// ampComponents are the AMP components that load something (amp.go).
var ampComponents = []string{
	"amp-analytics", "amp-pixel", "amp-ad", "amp-embed", "amp-sticky-ad", "amp-auto-ads",
	"amp-youtube", "amp-iframe", "amp-twitter", "amp-facebook", "amp-facebook-page",
	"amp-facebook-like", "amp-facebook-comments", "amp-instagram", "amp-call-tracking",
}

// maxTagName is the longest name in tagFlags and ampComponents.
const maxTagName = len("amp-facebook-comments")

type tagEntry struct {
	name  string
	flags uint8
}

// tagTable holds the names by length and first letter, so that the lookup
// for a page's every tag is an index and a comparison or two: a map would
// hash each name.
var tagTable = func() (t [maxTagName + 1][26][]tagEntry) {
	add := func(n string, f uint8) {
		t[len(n)][n[0]-'a'] = append(t[len(n)][n[0]-'a'], tagEntry{n, f})
	}
	for n, f := range tagFlags {
		add(n, f)
	}
	for _, n := range ampComponents {
		add(n, tagStartAct|tagEndAct)
	}
	return t
}()

// tagLens has bit n set for first byte c (either case) when a name of
// length n starts with c: most names of a page are ruled out by one load.
var tagLens = func() (m [256]uint32) {
	for n := range tagTable {
		for c := range tagTable[n] {
			if len(tagTable[n][c]) > 0 {
				m['a'+c] |= 1 << n
				m['A'+c] |= 1 << n
			}
		}
	}
	return m
}()

// lookupTag returns the name and flags of the element named b (any case),
// or "" and 0 for an element no rule acts on.
func lookupTag(b []byte) (string, uint8) {
	if len(b) == 0 || len(b) > maxTagName || tagLens[b[0]]&(1<<len(b)) == 0 {
		return "", 0
	}
	for _, e := range tagTable[len(b)][lower(b[0])-'a'] {
		if nameIs(b, e.name) {
			return e.name, e.flags
		}
	}
	return "", 0
}

// tagName returns the name of the tag whose raw bytes start at b (after
// "<" or "</"), as lookupTag gives it.
func tagName(b []byte) string {
	n := 0
	for n < len(b) && !nameEnds[b[n]] {
		n++
	}
	name, _ := lookupTag(b[:n])
	return name
}

// isRawText reports whether an element's content is raw text in HTML
// (with scripting on, as browsers parse).
func isRawText(name string) bool { return tagFlags[name]&tagRaw != 0 }
