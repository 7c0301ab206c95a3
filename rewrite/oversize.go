package rewrite

import (
	"bytes"
	"io"
	"strings"
)

// A token a rule must read whole (a tag the rules act on, a comment, a
// script's text, noscript's) is held by the lexer up to MaxToken bytes;
// one longer (a tag with a 1.5 MB attribute, a big inline script) comes
// cut there, with errTokenTooLong. Resuming a lexer there would start
// mid-token, in the wrong state: a tag's tail read as text, a '<!--' or
// '<textarea>' in an attribute swallowing the rest of the page. Instead the
// token is streamed to its real end by small state machines that follow the
// tokenizer's own rules, and a fresh lexer starts after it (in the raw-text
// state of the element whose start tag it was, if any). Memory stays at one
// token of MaxToken plus a scan buffer. What no rule reads (text, other
// tags) the lexer streams itself, at any length.
//
// Classification stays fail-safe:
//   - A start tag is decided on its first MaxToken bytes (URLs are matched
//     on their prefix, where host and path are). URL attributes of a
//     tracker-capable element in the rest of the tag cannot be read before
//     they are sent, so they are renamed data-consent-*, and the element is
//     marked held (vendor "unclassified", analytics) if it was not already.
//   - A script whose start tag or text is too long to decide on is held the
//     same way (type="text/plain" first). Its text is scanned as it streams,
//     in windows overlapping by 256 bytes, for tracker signatures. If none is
//     found and no URL attribute came after the bound, a tiny inline script
//     (with the page's nonce) written right after its end tag re-activates
//     it in place; otherwise it stays held until consent, like any tracker.
//   - The rest of an oversized noscript is passed unread (it does nothing
//     with scripting on); its first MaxToken bytes are rewritten as usual.

// oversized streams the rest of a token whose first MaxToken bytes are raw;
// the lexer's buffered input is already back in r.src. It returns
// errTokenTooLong, for a fresh lexer, or the input's error.
func (r *Rewriter) oversized(raw []byte, rawCtx string) error {
	s := &r.scan
	s.reset(r)
	if r.held != nil && rawCtx == "" {
		r.decideBigScript(raw) // an SVG script's text in an HTML page: markup
	}
	if r.reactivate {
		s.sig = true
		s.tail = append(s.tail[:0], raw[max(0, len(raw)-sigOverlap):]...)
	}
	switch {
	case rawCtx != "":
		r.bigText(rawCtx, raw)
	case len(raw) > 2 && raw[0] == '<' && isLetter(raw[1]):
		r.bigStartTag(raw)
	case len(raw) > 3 && raw[0] == '<' && raw[1] == '/' && isLetter(raw[2]):
		r.bigEndTag(raw)
	case len(raw) > 2 && raw[0] == '<' && (raw[1] == '!' || raw[1] == '?' || raw[1] == '/'):
		r.bigMarkup(raw)
	default:
		// Text: a '<' at its very end may open the next token.
		keep := 0
		if n := len(raw); raw[n-1] == '<' {
			keep = 1
		} else if n > 1 && raw[n-2] == '<' {
			keep = 2
		}
		r.text("", raw[:len(raw)-keep])
		r.src.unread(raw[len(raw)-keep:])
	}
	if s.err != nil && s.err != io.EOF {
		return s.err
	}
	return errTokenTooLong
}

// bigText streams the rest of the raw text of element name.
func (r *Rewriter) bigText(name string, raw []byte) {
	s := &r.scan
	if r.held != nil {
		r.decideBigScript(raw)
	}
	if name == "noscript" {
		r.bigNoscript(raw)
		return
	}
	r.text(name, raw)
	if name == "plaintext" {
		for s.next() {
		}
		s.done()
		return
	}
	m := rawScan{tag: name, script: name == "script"}
	ended := false
	for i, c := range raw {
		// The bound can fall on the byte that completes "</name".
		ended = m.step(c) && i == len(raw)-1
	}
	if ended {
		s.c = raw[len(raw)-1]
	}
	if r.reactivate && name == "script" {
		s.sig = true
		s.tail = append(s.tail[:0], raw[max(0, len(raw)-sigOverlap):]...)
	}
	for !ended && s.next() {
		ended = m.step(s.c)
	}
	if ended && s.c != '>' { // the end tag goes on: "</script foo>"
		t := tagScan{state: tsBeforeAttr}
		for end := t.step(s.c); !end && s.next(); end = t.step(s.c) {
		}
	}
	s.done()
	switch name {
	case "title":
		r.inTitle = false
	case "script":
		if r.reactivate {
			r.writeReactivate()
		}
	}
}

// bigNoscript rewrites an oversized noscript's content as a fragment of
// its own, streamed through a nested Rewriter up to its end tag.
func (r *Rewriter) bigNoscript(raw []byte) {
	s := &r.scan
	opts := r.opts
	opts.HeadInject, opts.BodyInject, opts.Decode, opts.XML = nil, nil, nil, false
	sub := New(r.out, opts)
	m := rawScan{tag: "noscript"}
	ended := false
	for i, c := range raw {
		ended = m.step(c) && i == len(raw)-1
	}
	partial := 0 // the start of a possible end tag at raw's end
	switch {
	case ended:
		partial = len("</noscript>")
		s.c = raw[len(raw)-1]
	case m.state == rsLt:
		partial = 1
	case m.state == rsEnd:
		partial = 2 + m.k
	}
	sub.Write(raw[:len(raw)-partial])
	if partial > 0 {
		s.seed(raw[len(raw)-partial:])
	}
	s.sink = sub
	if ended {
		s.holdAt = 0
	}
	for !ended && s.next() {
		if ended = m.step(s.c); ended {
			break
		}
		switch m.state {
		case rsLt:
			s.holdAt = s.i - 1
		case rsEnd:
		default:
			s.holdAt = -1
		}
	}
	if ended {
		s.emit(s.buf[s.start:s.holdAt])
		s.start, s.holdAt = s.holdAt, -1
	} else {
		s.holdAt = -1
		s.emit(s.buf[s.start:s.i])
		s.start = s.i
	}
	s.sink = nil
	sub.Close()
	r.count += sub.count
	if ended && s.c != '>' {
		t := tagScan{state: tsBeforeAttr}
		for end := t.step(s.c); !end && s.next(); end = t.step(s.c) {
		}
	}
	s.done()
}

// decideBigScript writes the held script start tag whose text is longer
// than MaxToken; text is its first MaxToken bytes.
func (r *Rewriter) decideBigScript(text []byte) {
	held := r.held
	r.held = nil
	nameEnd, attrs := scanTag(held, r.attrs)
	r.attrs = attrs
	if _, src := scriptSrc(attrs); !isJavaScript(attrs) || src != "" || r.allAllowed {
		r.out.Write(held)
		return
	}
	if v := r.opts.Catalogue.MatchInline(text); v != nil {
		if r.opts.Allowed(v.Category) {
			r.out.Write(held)
		} else {
			r.writeNeutralised(held, nameEnd, attrs, v, nil)
		}
		return
	}
	r.writeNeutralised(held, nameEnd, attrs, unclassified, nil)
	r.reactivate = true
}

// bigStartTag streams the rest of a start tag.
func (r *Rewriter) bigStartTag(raw []byte) {
	s := &r.scan
	name := tagName(raw[1:])
	t := tagScan{state: tsName}
	nameAt := -1
	complete := false // the bound fell on the tag's '>'
	for k := 2; k < len(raw); k++ {
		prev := t.state
		complete = t.step(raw[k])
		if t.state == tsAttrName && prev != tsAttrName {
			nameAt = k
		}
	}
	head := raw
	if t.state == tsAttrName { // an attribute name is cut: read it whole first
		head = raw[:nameAt]
	}
	nForeign, nAMP := len(r.foreign), len(r.amp)
	foreign := false
	if !r.opts.XML {
		foreign = r.foreignStart(name, head, false)
	}
	r.sniff(documentStart(name))
	if !r.headDone && r.headPoint(name) {
		r.injectHead()
	}
	switch name {
	case "title":
		r.inTitle = true
	case "html":
		if !r.langSeen {
			r.langSeen = true
			_, r.attrs = scanTag(head, r.attrs)
			if l, ok := get(r.attrs, "lang"); ok && l.valueEnd < len(head) {
				r.page.Lang = l.value()
			}
		}
	}
	capable, marked := false, false
	switch {
	case name == "script":
		marked = r.bigScriptTag(head)
		capable = marked
	case strings.HasPrefix(name, "amp-"):
		_, r.attrs = scanTag(head, r.attrs)
		v := r.ampVendor(name, r.attrs)
		if v == nil && name == "amp-iframe" {
			v = unclassified // its src may be in the rest
		}
		held := v != nil && !r.opts.Allowed(v.Category)
		if len(r.amp) < maxOpen {
			r.amp = append(r.amp, open{name, held})
		}
		if held {
			r.writeHeldAMP(name, head, v)
		} else {
			r.out.Write(head)
		}
	case urlAttrs[name] != nil:
		capable = !r.allAllowed
		marked = r.element(name, head, true)
	default:
		r.out.Write(head)
	}
	if len(head) < len(raw) {
		s.seed(raw[len(head):])
	}
	names := urlAttrs[name]
	if name == "iframe" {
		names = append(names[:len(names):len(names)], "srcdoc")
	}
	for !complete && s.next() {
		prev := t.state
		end := t.step(s.c)
		if prev == tsAttrName && t.state != tsAttrName && s.holdAt >= 0 {
			// An attribute name is complete (s.c ends it).
			an := s.buf[s.holdAt : s.i-1]
			if capable && containsName(names, an) {
				if !marked {
					r.neutralised(unclassified)
					s.r.out.WriteString(attrCategory + `="analytics" ` + attrVendor + `="unclassified" `)
					marked = true
				}
				if name == "script" {
					r.reactivate = false // a URL it may load: held until consent
				}
				s.r.out.WriteString(attrHeld)
				writeHeldName(s.r.out, an, nil)
				s.start = s.i - 1
			}
			s.holdAt = -1
		}
		if t.state == tsAttrName && prev != tsAttrName {
			s.hold()
		}
		if s.holdAt >= 0 && s.i-s.holdAt > maxAttrName {
			s.holdAt = -1 // no attribute we act on has so long a name
		}
		if end {
			break
		}
	}
	s.done()
	selfClosing := t.slash
	if selfClosing && (r.opts.XML || foreign) {
		r.foreign = r.foreign[:min(nForeign, len(r.foreign))]
		if r.opts.XML {
			r.amp = r.amp[:min(nAMP, len(r.amp))]
		}
		if name == "title" {
			r.inTitle = false
		}
		if name == "script" && r.reactivate {
			r.writeReactivate()
		}
		return
	}
	if isRawText(name) && !foreign && !(r.opts.XML && name != "script" && name != "style") {
		r.resume = name
	}
}

// cut reports whether the value of a, an attribute of the first part head
// of an oversized tag, is cut too short to tell its URL: a tracker's host
// and path are in its first bytes, and data: URLs (big inline images) fetch
// nothing.
func cut(head []byte, a attr) bool {
	if !a.hasValue || a.valueEnd < len(head) || len(a.val) >= 256 {
		return false
	}
	v := strings.TrimLeft(a.value(), " \t\n\r\f")
	return len(v) < 5 || !strings.EqualFold(v[:5], "data:")
}

// maxAttrName bounds the attribute names bigStartTag holds to read.
const maxAttrName = 64

// containsName reports whether b, in any case, is one of names.
func containsName(names []string, b []byte) bool {
	for _, n := range names {
		if len(n) == len(b) && bytes.EqualFold(b, []byte(n)) {
			return true
		}
	}
	return false
}

// bigScriptTag writes the first part head of a script start tag and
// reports whether the script is held.
func (r *Rewriter) bigScriptTag(head []byte) bool {
	nameEnd, attrs := scanTag(head, r.attrs)
	r.attrs = attrs
	if t, ok := get(attrs, "type"); ok && !isJavaScript(attrs) && t.valueEnd < len(head) {
		r.out.Write(head) // a data block, by a type read whole
		return false
	}
	if src, n := scriptSrc(attrs); n != "" {
		v := r.opts.Catalogue.MatchURL(src.value())
		if v == nil && cut(head, src) && !r.allAllowed {
			v = unclassified // no re-activation: the URL is unknown
		}
		if v != nil && !r.opts.Allowed(v.Category) {
			r.writeNeutralised(head, nameEnd, attrs, v, nil, n)
			return true
		}
		r.out.Write(head)
		return false
	}
	if r.allAllowed {
		r.out.Write(head)
		return false
	}
	r.writeNeutralised(head, nameEnd, attrs, unclassified, nil)
	r.reactivate = true
	return true
}

// bigEndTag streams the rest of an end tag.
func (r *Rewriter) bigEndTag(raw []byte) {
	s := &r.scan
	name := tagName(raw[2:])
	t := tagScan{state: tsName}
	complete := false
	for _, c := range raw[3:] {
		complete = t.step(c)
	}
	reactivate := r.reactivate
	r.reactivate = false // not inside the end tag
	r.endTag(name, raw)  // writes raw, renamed for a held component
	for !complete && s.next() && !t.step(s.c) {
	}
	s.done()
	if reactivate && name == "script" {
		r.writeReactivate()
	}
	r.reactivate = reactivate && name != "script"
}

// bigMarkup streams the rest of a comment, doctype, CDATA section or bogus
// comment.
func (r *Rewriter) bigMarkup(raw []byte) {
	s := &r.scan
	r.out.Write(raw)
	switch {
	case bytes.HasPrefix(raw, []byte("<!--")):
		m := commentScan{begin: true}
		complete := false
		for _, c := range raw[4:] {
			complete = m.step(c)
		}
		for !complete && s.next() && !m.step(s.c) {
		}
	case r.cdata() && bytes.HasPrefix(raw, []byte("<![CDATA[")):
		b := 0
		for _, c := range raw[9:] {
			b = cdataStep(b, c)
		}
		for b >= 0 && s.next() {
			b = cdataStep(b, s.c)
		}
	case raw[len(raw)-1] != '>':
		for s.next() && s.c != '>' {
		}
	}
	s.done()
}

// cdataStep counts the ']' before c; -1 when c ends the section.
func cdataStep(brackets int, c byte) int {
	switch c {
	case ']':
		return brackets + 1
	case '>':
		if brackets >= 2 {
			return -1
		}
	}
	return 0
}

// reactivateJS replaces the script element before it (held unclassified)
// with a live copy: the page's attributes, its type and src back from
// data-consent-*, its nonce, its text. It has no '<' or '&', so it is the
// same in XML.
const reactivateJS = `(function(s){var n=document.createElement("script"),a,i;for(i=0;a=s.attributes[i];i++)if(a.name.indexOf("data-consent")){if(a.name!="type")n.setAttribute(a.name,a.value)}else if(/^data-consent-(?!vendor$)/.test(a.name))n.setAttribute(a.name.slice(13),a.value);n.nonce=s.nonce;n.async=!1;n.text=s.text;s.parentNode.replaceChild(n,s)})(document.currentScript.previousElementSibling)`

// writeReactivate writes the re-activation script for a held script whose
// streamed text had no tracker signature.
func (r *Rewriter) writeReactivate() {
	r.reactivate = false
	w := r.out
	w.WriteString("<script")
	if r.page.ScriptNonce != "" {
		w.WriteString(` nonce="`)
		writeAttrValue(w, r.page.ScriptNonce)
		w.WriteByte('"')
	}
	w.WriteString(">" + reactivateJS + "</script>")
}

// signature reports whether script text holds the signature of a vendor the
// visitor has not consented to.
func (r *Rewriter) signature(text []byte) bool {
	v := r.opts.Catalogue.MatchInline(text)
	return v != nil && !r.opts.Allowed(v.Category)
}

// sigOverlap is how much of the previous window a signature scan sees again,
// so a signature split between two reads is still found.
const sigOverlap = 256

// scanner reads r.src byte by byte for the state machines, passing what it
// has read to the output in runs. It can hold back an attribute name until
// it is known whether to rename it.
type scanner struct {
	r      *Rewriter
	buf    []byte
	start  int // buf[start:i] is read but not yet written
	i, n   int
	holdAt int  // start of the held attribute name in buf, or -1
	c      byte // the byte next returned
	err    error
	sig    bool   // scan what passes for signatures (see oversize.go doc)
	tail   []byte // the last sigOverlap bytes scanned
	win    []byte
	sink   io.Writer // where what is read goes, if not r.out
}

func (s *scanner) reset(r *Rewriter) {
	s.r = r
	if s.buf == nil {
		s.buf = make([]byte, 32<<10)
	}
	s.start, s.i, s.n, s.holdAt, s.err, s.sig = 0, 0, 0, -1, nil, false
}

// next reads the next byte into s.c; false at the end of input or on error.
func (s *scanner) next() bool {
	if s.i == s.n && !s.fill() {
		return false
	}
	s.c = s.buf[s.i]
	s.i++
	return true
}

func (s *scanner) fill() bool {
	if s.err != nil {
		return false
	}
	keep := s.i
	if s.holdAt >= 0 {
		keep = s.holdAt
	}
	s.emit(s.buf[s.start:keep])
	m := copy(s.buf, s.buf[keep:s.n])
	if s.holdAt >= 0 {
		s.holdAt -= keep
	}
	s.i -= keep
	s.n, s.start = m, 0
	for range 100 {
		k, err := s.r.src.Read(s.buf[s.n:])
		s.n += k
		if k > 0 {
			return true
		}
		if err != nil {
			s.err = err
			return false
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// hold starts holding back an attribute name whose first byte was just read.
func (s *scanner) hold() {
	s.emit(s.buf[s.start : s.i-1])
	s.start = s.i - 1
	s.holdAt = s.start
}

// seed makes b, the start of an attribute name cut by MaxToken, the held
// bytes already read.
func (s *scanner) seed(b []byte) {
	s.n = copy(s.buf, b)
	s.start, s.i, s.holdAt = 0, s.n, 0
}

// done writes what was read and gives the rest back to r.src.
func (s *scanner) done() {
	s.emit(s.buf[s.start:s.i])
	s.r.src.unread(s.buf[s.i:s.n])
	s.start, s.i, s.n, s.holdAt, s.sig = 0, 0, 0, -1, false
}

func (s *scanner) emit(p []byte) {
	if len(p) == 0 {
		return
	}
	if s.sig {
		s.win = append(append(s.win[:0], s.tail...), p...)
		if s.r.signature(s.win) {
			s.sig = false
			s.r.reactivate = false
		}
		s.tail = append(s.tail[:0], s.win[max(0, len(s.win)-sigOverlap):]...)
	}
	if s.sink != nil {
		s.sink.Write(p)
		return
	}
	s.r.out.Write(p)
}

// tagScan follows the tag states (as the lexer's tagEnd) through a tag's name and
// attributes, one byte at a time.
type tagScan struct {
	state int
	q     byte // the quote of a quoted value
	slash bool // the last byte was a '/' outside a value: "<x/>" is self-closing
}

const (
	tsName = iota
	tsBeforeAttr
	tsAttrName
	tsAfterName
	tsBeforeVal
	tsQuoted
	tsUnquoted
)

// step consumes c and reports whether it ended the tag.
func (t *tagScan) step(c byte) bool {
	slash := t.slash
	t.slash = false
	for {
		switch t.state {
		case tsName:
			if isSpace(c) {
				t.state = tsBeforeAttr
				return false
			}
			if c != '/' && c != '>' {
				return false
			}
			t.state = tsBeforeAttr
		case tsBeforeAttr:
			switch {
			case isSpace(c):
			case c == '>':
				t.slash = slash
				return true
			case c == '/':
				t.slash = true
			default:
				t.state = tsAttrName // c, even '=', is the name's first byte
			}
			return false
		case tsAttrName:
			if !isSpace(c) && c != '/' && c != '>' && c != '=' {
				return false
			}
			t.state = tsAfterName
		case tsAfterName:
			switch {
			case isSpace(c):
				return false
			case c == '/':
				t.state, t.slash = tsBeforeAttr, true
				return false
			case c == '=':
				t.state = tsBeforeVal
				return false
			}
			t.state = tsBeforeAttr
		case tsBeforeVal:
			switch {
			case isSpace(c):
				return false
			case c == '"' || c == '\'':
				t.state, t.q = tsQuoted, c
				return false
			case c == '>':
				t.state = tsBeforeAttr
				continue
			}
			t.state = tsUnquoted
			return false
		case tsQuoted:
			if c == t.q {
				t.state = tsBeforeAttr
			}
			return false
		case tsUnquoted:
			if isSpace(c) {
				t.state = tsBeforeAttr
				return false
			}
			if c != '>' {
				return false
			}
			t.state = tsBeforeAttr
		}
	}
}

// commentScan follows the comment states (as the lexer's comment) after "<!--": "-->",
// "--!>", and "<!-->" / "<!--->" at the very beginning end it.
type commentScan struct {
	dashes int
	begin  bool // nothing but dashes read yet
	bang   bool // "--!" read
}

// step consumes c and reports whether it ended the comment.
func (m *commentScan) step(c byte) bool {
	if m.bang {
		m.bang = false
		switch c {
		case '>':
			return true
		case '-':
			m.dashes, m.begin = 1, false
			return false
		}
		m.dashes, m.begin = 0, false
		return false
	}
	switch c {
	case '-':
		m.dashes++
		return false
	case '>':
		if m.dashes >= 2 || m.begin {
			return true
		}
	case '!':
		if m.dashes >= 2 {
			m.bang = true
			return false
		}
	}
	m.dashes, m.begin = 0, false
	return false
}

// rawScan finds the end tag of raw text: "</tag" followed by white space,
// '/' or '>', and for scripts the escaped ("<!--") and double-escaped
// ("<!--<script>") states of the HTML standard, in which "</script>" inside
// a commented-out document.write does not end the script.
type rawScan struct {
	tag    string
	script bool
	state  int
	k      int // bytes of the tag name matched
}

const (
	rsData = iota
	rsLt
	rsEnd // "</" and k bytes of the name, from data
	rsEscStart
	rsEscStartDash
	rsEsc
	rsEscDash
	rsEscDashDash
	rsEscLt
	rsEscEnd // from escaped
	rsDblStart
	rsDbl
	rsDblDash
	rsDblDashDash
	rsDblLt
	rsDblEnd // from double escaped
)

// step consumes c and reports whether it is the byte after "</tag" that
// makes it the end tag.
func (m *rawScan) step(c byte) bool {
	for {
		switch m.state {
		case rsData:
			if c == '<' {
				m.state = rsLt
			}
			return false
		case rsLt:
			switch {
			case c == '/':
				m.state, m.k = rsEnd, 0
				return false
			case c == '!' && m.script:
				m.state = rsEscStart
				return false
			}
			m.state = rsData
		case rsEnd, rsEscEnd, rsDblEnd:
			back := rsData
			switch m.state {
			case rsEscEnd:
				back = rsEsc
			case rsDblEnd:
				back = rsDbl
			}
			if m.k < len(m.tag) {
				if lower(c) == m.tag[m.k] {
					m.k++
					return false
				}
				m.state = back
				continue
			}
			if isSpace(c) || c == '/' || c == '>' {
				if m.state == rsDblEnd {
					m.state = rsEsc
					return false
				}
				return true
			}
			m.state = back
		case rsEscStart, rsEscStartDash:
			if c == '-' {
				if m.state == rsEscStart {
					m.state = rsEscStartDash
				} else {
					m.state = rsEscDashDash
				}
				return false
			}
			m.state = rsData
		case rsEsc, rsEscDash, rsEscDashDash, rsDbl, rsDblDash, rsDblDashDash:
			dbl := m.state >= rsDbl
			base, dash, dashDash, lt := rsEsc, rsEscDash, rsEscDashDash, rsEscLt
			if dbl {
				base, dash, dashDash, lt = rsDbl, rsDblDash, rsDblDashDash, rsDblLt
			}
			switch {
			case c == '-' && m.state == base:
				m.state = dash
			case c == '-':
				m.state = dashDash
			case c == '<':
				m.state = lt
			case c == '>' && m.state == dashDash:
				m.state = rsData
			default:
				m.state = base
			}
			return false
		case rsEscLt:
			if c == '/' {
				m.state, m.k = rsEscEnd, 0
				return false
			}
			if isLetter(c) {
				m.state, m.k = rsDblStart, 0
				continue
			}
			m.state = rsEsc // §13.2.5.21: still escaped
		case rsDblStart:
			if m.k < len("script") {
				if lower(c) == "script"[m.k] {
					m.k++
					return false
				}
				m.state = rsEsc
				continue
			}
			if isSpace(c) || c == '/' || c == '>' {
				m.state = rsDbl
				return false
			}
			m.state = rsEsc
		case rsDblLt:
			if c == '/' {
				m.state, m.k = rsDblEnd, 0
				return false
			}
			m.state = rsDbl
		}
	}
}
