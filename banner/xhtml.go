package banner

import (
	"bytes"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// XHTML re-serialises markup rendered for an HTML page so that it is
// well-formed XML, for pages served as application/xhtml+xml, where one
// unclosed tag gives the visitor an XML error page instead of the site:
// void elements self-closed, every attribute given a value, only XML's
// character references. in is parsed as the children of a <head> (inHead)
// or a <body>. Script text must already be XML-safe (the guard wraps itself
// in CDATA for XML pages). The result is ASCII, as the input is.
func XHTML(in []byte, inHead bool) []byte {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	if inHead {
		ctx = &html.Node{Type: html.ElementNode, Data: "head", DataAtom: atom.Head}
	}
	nodes, err := html.ParseFragment(bytes.NewReader(in), ctx)
	if err != nil {
		return nil // only a reader error; in is in memory
	}
	var b bytes.Buffer
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return nil
		}
	}
	return asciiOnly(b.Bytes())
}
