package rewrite

// Foreign content: inside <svg> and <math> of an HTML document browsers
// tokenize no raw text (an SVG <script> or <style> holds markup, and
// "<script/>" is complete) and read CDATA sections. r.foreign tracks the open
// svg and math elements (flag set) and the HTML integration points inside
// them (flag clear), as far as the tree builder's rules can be followed
// without building a tree.

// foreignStart updates r.foreign for a start tag and reports whether the
// element itself is foreign.
func (r *Rewriter) foreignStart(name string, raw []byte, selfClosing bool) bool {
	inForeign := r.cdata()
	if inForeign && breaksOut(raw) {
		r.popForeign()
		inForeign = r.cdata()
	}
	foreign := inForeign || name == "svg" || name == "math"
	if selfClosing && foreign || len(r.foreign) == maxOpen {
		return foreign
	}
	switch {
	case name == "svg" || name == "math":
		r.foreign = append(r.foreign, open{name, true})
	case inForeign && integrationPoint(name, raw):
		r.foreign = append(r.foreign, open{name, false})
	}
	return foreign
}

// foreignEnd pops r.foreign up to the element an end tag closes.
func (r *Rewriter) foreignEnd(name string) {
	switch name {
	case "":
		return
	case "p", "br": // the two end tags that break out
		if r.cdata() {
			r.popForeign()
		}
		return
	}
	for i := len(r.foreign) - 1; i >= 0; i-- {
		if r.foreign[i].name == name {
			r.foreign = r.foreign[:i]
			return
		}
	}
}

// popForeign closes foreign elements back to HTML content.
func (r *Rewriter) popForeign() {
	for len(r.foreign) > 0 && r.foreign[len(r.foreign)-1].flag {
		r.foreign = r.foreign[:len(r.foreign)-1]
	}
}

// integrationPoint reports whether a foreign element's content is HTML:
// SVG's foreignObject, desc and title, MathML's text elements, and an
// annotation-xml holding HTML.
func integrationPoint(name string, raw []byte) bool {
	switch name {
	case "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext":
		return true
	case "annotation-xml":
		_, attrs := scanTag(raw, nil)
		e, _ := get(attrs, "encoding")
		switch lowerASCII(e.value()) {
		case "text/html", "application/xhtml+xml":
			return true
		}
	}
	return false
}

// breaksOut reports whether a start tag in foreign content closes it (the
// tree builder's list; <font> only with color, face or size). raw starts
// with '<' and the name.
func breaksOut(raw []byte) bool {
	var buf [12]byte
	n := 0
	for i := 1; i < len(raw) && !isSpace(raw[i]) && raw[i] != '/' && raw[i] != '>'; i++ {
		if n == len(buf) {
			return false
		}
		buf[n] = lower(raw[i])
		n++
	}
	switch string(buf[:n]) {
	case "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed",
		"h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr",
		"ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var":
		return true
	case "font":
		_, attrs := scanTag(raw, nil)
		for _, k := range []string{"color", "face", "size"} {
			if _, ok := get(attrs, k); ok {
				return true
			}
		}
	}
	return false
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}
