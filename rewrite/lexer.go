package rewrite

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
)

// lexer splits HTML into tokens whose raw bytes partition the input, as the
// HTML standard's tokenizer does (§13.2.5): data, RCDATA, RAWTEXT, script
// data with its escaped and double-escaped states, PLAINTEXT, tags,
// comments (with "--!>", "<!-->" and "<!--->"), doctypes, bogus comments
// and, where allowed, CDATA sections. It knows nothing of trackers.
//
// It is faster than a general tokenizer for two reasons. It decodes
// nothing: text is skipped with bytes.IndexByte, quoted attribute values
// and comments too, and a tag is only located, never parsed into
// attributes. And while coalescing, everything no rule acts on (text,
// comments, tags other than the interesting ones and their raw text) is
// returned as one pass token, and flushed straight to the output when the
// buffer fills, so the rewriter sees a few tokens per page, not one per
// tag.
//
// A token other than a pass token is held whole, up to max bytes: longer,
// next returns its first max bytes with err errTokenTooLong, and the caller
// streams the rest (oversize.go).
type lexer struct {
	src   io.Reader // nil: buf is the whole input
	buf   []byte
	start int // the current token's first byte
	pos   int // the next byte to scan
	end   int // buf[:end] is what the current token may see
	read  int // buf[:read] is read
	err   error
	max   int

	rawTag string // the raw-text element whose text comes next, or ""
	cdata  bool   // "<![CDATA[" opens a CDATA section (XML, foreign content)
	xml    bool   // only script and style have raw text, and not self-closed

	// Coalescing: set by the caller before each next.
	coalesce bool
	sink     *bufio.Writer // where a pass token's bytes go when the buffer fills
	passEnd  int           // buf[start:passEnd] is decided pass

	textOf           string // the raw-text element the text token is the content of, or ""
	pendTextOf       string
	hasPend          bool // a token scanned after a pass token, returned next
	pend             tokenKind
	pendFrom, pendTo int

	name   string // the last tag's name, as lookupTag gives it ("" for most)
	flags  uint8  // and its flags
	watch  bool   // the last start tag has a data-consent* attribute
	tokAt  int    // where the token being scanned starts
	nameAt int    // where the tag's name starts
	attrAt int    // where the attribute name (or comment data) being scanned starts
	scr    rawScan
}

// tokenKind is what a token is.
type tokenKind uint8

const (
	tkError       tokenKind = iota // end of input or a read error (err); raw is any unfinished tag
	tkText                         // text, raw text or a CDATA section
	tkStart                        // start tag
	tkSelfClosing                  // start tag ending "/>"
	tkEnd                          // end tag
	tkComment                      // comment, bogus comment, or "</>"
	tkDoctype
	tkPass // coalesced bytes no rule acts on
)

// errTokenTooLong is the err of a token cut at max bytes.
var errTokenTooLong = errors.New("rewrite: token longer than MaxToken")

// lexBufSize is a lexer's first buffer: it grows, up to max, only for a
// token that does not fit.
const lexBufSize = 4 << 10

// reset readies l to read src from its start.
func (l *lexer) reset(src io.Reader, max int) {
	buf := l.buf
	if cap(buf) != lexBufSize {
		buf = lexPool.Get().(*[lexBufSize]byte)[:]
	}
	*l = lexer{src: src, buf: buf[:cap(buf)], max: max, scr: rawScan{tag: "script", script: true}}
}

// release gives the buffer back for another response; a buffer grown for
// a long token is left to the collector.
func (l *lexer) release() {
	if cap(l.buf) == lexBufSize {
		lexPool.Put((*[lexBufSize]byte)(l.buf[:lexBufSize]))
	}
	l.buf, l.read, l.end, l.pos, l.start = nil, 0, 0, 0, 0
}

// lexPool recycles lexer buffers between responses.
var lexPool = sync.Pool{New: func() any { return new([lexBufSize]byte) }}

// resetBytes readies l to read b, which is the whole input.
func (l *lexer) resetBytes(b []byte) {
	*l = lexer{buf: b, end: len(b), read: len(b), max: len(b) + 1, scr: rawScan{tag: "script", script: true}}
}

// raw is the current token's bytes, valid until the next call to next.
func (l *lexer) raw() []byte { return l.buf[l.start:l.pos] }

// buffered is what has been read beyond the current token.
func (l *lexer) buffered() []byte { return l.buf[l.pos:l.read] }

// nextIsNotRawText makes the text after the start tag just returned
// markup: in XML, and in foreign content.
func (l *lexer) nextIsNotRawText() { l.rawTag = "" }

// more makes more input visible, keeping buf[start:] (less a pass prefix,
// which is flushed). It reports false at the end of input, on a read
// error, or when the current token has reached max bytes: a token never
// sees more, so one cut at max is cut where it would be in any buffer.
func (l *lexer) more() bool {
	if l.coalesce && l.passEnd > l.start {
		l.sink.Write(l.buf[l.start:l.passEnd])
		l.start = l.passEnd
	}
	lim := l.start + l.max
	if l.end >= lim {
		l.err = errTokenTooLong
		return false
	}
	if l.end < l.read { // read before, beyond the last token's bound
		l.end = min(l.read, lim)
		return true
	}
	if l.err != nil || l.src == nil {
		if l.err == nil {
			l.err = io.EOF
		}
		return false
	}
	if l.start > 0 {
		d := l.start
		l.read = copy(l.buf, l.buf[d:l.read])
		l.start, l.pos, l.end, l.passEnd = 0, l.pos-d, l.end-d, max(l.passEnd-d, 0)
		l.tokAt, l.nameAt, l.attrAt = l.tokAt-d, l.nameAt-d, l.attrAt-d
	}
	if l.read == len(l.buf) {
		b := make([]byte, min(2*len(l.buf), max(l.max, len(l.buf))))
		copy(b, l.buf[:l.read])
		l.buf = b
	}
	for range 100 {
		n, err := l.src.Read(l.buf[l.read:])
		l.read += n
		if err != nil {
			l.err = err
		}
		if n > 0 {
			l.end = min(l.read, l.start+l.max)
			return true
		}
		if err != nil {
			return false
		}
	}
	l.err = io.ErrNoProgress
	return false
}

// need reports whether n bytes from pos are read, reading more if not.
func (l *lexer) need(n int) bool {
	for l.end-l.pos < n {
		if !l.more() {
			return false
		}
	}
	return true
}

// next scans the next token. While coalescing, consecutive tokens no rule
// acts on come as one tkPass.
func (l *lexer) next() tokenKind {
	if l.hasPend {
		l.hasPend = false
		l.start, l.pos, l.textOf = l.pendFrom, l.pendTo, l.pendTextOf
		return l.pend
	}
	l.start, l.passEnd, l.textOf = l.pos, l.pos, ""
	if l.err != nil && l.pos == l.read {
		return tkError
	}
	for {
		if l.rawTag != "" {
			tag := l.rawTag
			pass := l.coalesce && tag != "script" && tag != "noscript"
			l.rawTag, l.tokAt = "", l.pos
			l.rawText(tag, pass)
			if l.pos > l.tokAt && (!pass || l.err == errTokenTooLong) {
				k := l.emit(l.tokAt, tkText)
				if l.hasPend {
					l.pendTextOf = tag
				} else {
					l.textOf = tag
				}
				return k
			}
			if pass {
				l.passEnd = l.pos
			}
		}
		if l.coalesce {
			l.skim()
		}
		// Data: skip to the next '<'.
		j := bytes.IndexByte(l.buf[l.pos:l.end], '<')
		if j < 0 {
			l.pos = l.end
			l.commitText()
			if !l.more() {
				return l.finish()
			}
			continue
		}
		l.pos += j
		l.commitText()
		at := l.pos
		l.tokAt = at
		if !l.need(2) {
			l.pos = l.end
			return l.finish()
		}
		at = l.tokAt
		c := l.buf[at+1]
		if !isLetter(c) && c != '/' && c != '!' && c != '?' {
			l.pos = at + 1 // a '<' that opens nothing is text
			continue
		}
		if !l.coalesce && at > l.start {
			return tkText // the token is scanned again next time
		}
		var k tokenKind
		switch {
		case isLetter(c):
			l.pos = at + 1
			k = l.tag(false)
		case c == '/':
			if !l.need(3) {
				l.pos = l.end
				return l.finish()
			}
			at = l.tokAt
			switch c := l.buf[at+2]; {
			case isLetter(c):
				l.pos = at + 2
				k = l.tag(true)
			case c == '>':
				l.pos, k = at+3, tkComment // "</>": nothing, in browsers
			default:
				l.pos = at + 2
				k = l.untilGt(tkComment)
			}
		case c == '!':
			l.pos = at + 2
			k = l.markup()
		default: // '?'
			l.pos = at + 2
			k = l.untilGt(tkComment)
		}
		if !l.coalesce || k == tkError || l.err == errTokenTooLong || !l.dull(k) {
			return l.emit(l.tokAt, k)
		}
		l.passEnd = l.pos
	}
}

// commitText marks the text scanned so far as pass while coalescing.
func (l *lexer) commitText() {
	if l.coalesce {
		l.passEnd = l.pos
	}
}

// finish returns what is left before the end of input or an error.
func (l *lexer) finish() tokenKind {
	switch {
	case l.pos == l.start:
		return tkError
	case l.coalesce:
		return tkPass
	}
	return tkText
}

// emit returns token k, which starts at from: after the pass token before
// it, if any, which is returned first.
func (l *lexer) emit(from int, k tokenKind) tokenKind {
	if from == l.start {
		return k
	}
	l.hasPend, l.pend, l.pendFrom, l.pendTo = true, k, from, l.pos
	l.pos = from
	return tkPass
}

// dull reports whether no rule acts on token k just scanned, while
// coalescing.
func (l *lexer) dull(k tokenKind) bool {
	switch k {
	case tkStart, tkSelfClosing:
		return l.flags&tagStartAct == 0 && !l.watch
	case tkEnd:
		return l.flags&tagEndAct == 0
	}
	return true
}

// tag scans a start or end tag from its name's first byte at pos to just
// past its '>', setting name, flags, watch and the raw-text state.
func (l *lexer) tag(end bool) tokenKind {
	l.nameAt = l.pos
	for {
		b := l.buf[l.pos:l.end]
		i := 0
		for i < len(b) && !nameEnds[b[i]] {
			i++
		}
		l.pos += i
		if i < len(b) {
			break
		}
		if !l.more() {
			return tkError
		}
	}
	l.name, l.flags = lookupTag(l.buf[l.nameAt:l.pos])
	var selfClosing, ok bool
	if e, sc, w := tagEnd(l.buf[:l.end], l.pos, !end); e >= 0 {
		l.pos, selfClosing, l.watch, ok = e, sc, w, true
	} else {
		l.watch = false
		selfClosing, ok = l.tagBody(!end)
	}
	switch {
	case !ok:
		return tkError
	case end:
		return tkEnd
	}
	if l.flags&tagRaw != 0 && (!l.xml || !selfClosing && (l.name == "script" || l.name == "style")) {
		l.rawTag = l.name
	}
	if selfClosing {
		return tkSelfClosing
	}
	return tkStart
}

// skim passes over text and dull tags in what is read, while coalescing:
// the common case, kept to one loop over a slice. It stops before
// anything else (a tag a rule acts on, a raw-text element, a comment, a
// tag the buffer cuts), which next takes on.
func (l *lexer) skim() {
	b := l.buf[:l.end]
	i := l.pos
	for {
		at := i // a tag right after a tag (55% of the council page's) needs no IndexByte
		if i >= len(b) || b[i] != '<' {
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				i = len(b)
				break
			}
			at += j
		}
		k := at + 1
		if k+1 >= len(b) {
			i = at
			break
		}
		end := b[k] == '/'
		if end {
			k++
		}
		if !isLetter(b[k]) {
			if !end && b[k] != '!' && b[k] != '?' {
				i = k // a '<' that opens nothing is text
				continue
			}
			i = at
			break
		}
		from := k
		for k < len(b) && !nameEnds[b[k]] {
			k++
		}
		if k == len(b) {
			i = at
			break
		}
		var flags uint8
		if n := k - from; n <= maxTagName && tagLens[b[from]]&(1<<n) != 0 { // most names are ruled out here
			_, flags = lookupTag(b[from:k])
		}
		e, watched := k+1, false
		if b[k] != '>' { // most tags have no attributes: <td>, </td>
			e, _, watched = tagEnd(b, k, !end)
		}
		if e < 0 || end && flags&tagEndAct != 0 || !end && (flags&(tagStartAct|tagRaw) != 0 || watched) {
			i = at
			break
		}
		i = e
	}
	l.pos, l.passEnd = i, i
}

// tagEnd returns the offset just past the '>' that ends a tag whose name
// ends at b[i], following the tag states (§13.2.5.32-40), whether it is
// self-closing, and, with watch, whether an attribute is named
// data-consent*; -1 if b ends first.
func tagEnd(b []byte, i int, watch bool) (end int, selfClosing, watched bool) {
	var from int
	n := len(b)
beforeName:
	for ; i < n; i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r', '\f':
		case '>':
			return i + 1, false, watched
		case '/':
			i++
			goto slash
		default:
			goto name // even '=': it is the name's first byte
		}
	}
	return -1, false, false
slash:
	if i >= n {
		return -1, false, false
	}
	if b[i] == '>' {
		return i + 1, true, watched
	}
	goto beforeName
name:
	from = i
	for i++; i < n && !attrNameEnds[b[i]]; i++ {
	}
	if watch && i-from >= len(watchPrefix) && i < n && bytes.EqualFold(b[from:from+len(watchPrefix)], []byte(watchPrefix)) {
		watched = true
	}
	for i < n && isSpace(b[i]) {
		i++
	}
	if i >= n {
		return -1, false, false
	}
	switch b[i] {
	case '/':
		i++
		goto slash
	case '>':
		return i + 1, false, watched
	case '=':
	default:
		goto name
	}
	for i++; i < n && isSpace(b[i]); i++ {
	}
	if i >= n {
		return -1, false, false
	}
	switch q := b[i]; q {
	case '"', '\'':
		j := bytes.IndexByte(b[i+1:], q)
		if j < 0 {
			return -1, false, false
		}
		i += j + 2
		if i >= n {
			return -1, false, false
		}
		switch b[i] {
		case '>':
			return i + 1, false, watched
		case '/':
			i++
			goto slash
		}
		goto beforeName
	case '>':
		return i + 1, false, watched
	}
	for i < n && !unquotedEnds[b[i]] {
		i++
	}
	if i >= n {
		return -1, false, false
	}
	if b[i] == '>' {
		return i + 1, false, watched
	}
	goto beforeName
}

// nameEnds are the bytes that end a tag name.
var nameEnds = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '/': true, '>': true}

// watchPrefix starts the attribute names that make any start tag
// interesting while coalescing: the site's own consent markers.
const watchPrefix = attrCategory

// attrNameEnds and unquotedEnds end an attribute name and an unquoted value.
var (
	attrNameEnds = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '/': true, '>': true, '=': true}
	unquotedEnds = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '>': true}
)

// tagBody scans from the end of a tag name to just past the tag's '>', a
// byte at a time with oversize.go's tagScan (quoted values with IndexByte):
// the path for a tag tagEnd cannot finish in what is read. It reports
// whether the tag is self-closing, and false at the end of input. With
// watch, an attribute named data-consent* sets l.watch.
func (l *lexer) tagBody(watch bool) (selfClosing, ok bool) {
	t := tagScan{state: tsBeforeAttr}
	for {
		if l.pos == l.end && !l.more() {
			return false, false
		}
		at, was := l.pos, t.state
		end := t.step(l.buf[at])
		l.pos++
		switch {
		case t.state == tsAttrName && was != tsAttrName:
			l.attrAt = at
		case was == tsAttrName && t.state != tsAttrName && watch && at-l.attrAt >= len(watchPrefix) &&
			bytes.EqualFold(l.buf[l.attrAt:l.attrAt+len(watchPrefix)], []byte(watchPrefix)):
			l.watch = true
		}
		if end {
			return t.slash, true
		}
		if t.state == tsQuoted {
			if !l.until(t.q) {
				return false, false
			}
			t.state = tsBeforeAttr
		}
	}
}

// until moves pos just past the next byte q; false at the end of input.
func (l *lexer) until(q byte) bool {
	for {
		if j := bytes.IndexByte(l.buf[l.pos:l.end], q); j >= 0 {
			l.pos += j + 1
			return true
		}
		l.pos = l.end
		if !l.more() {
			return false
		}
	}
}

// untilGt scans a doctype or bogus comment to just past its '>', or to the
// end of input.
func (l *lexer) untilGt(k tokenKind) tokenKind {
	l.until('>')
	return k
}

// markup scans what follows "<!": a comment, a doctype, a CDATA section
// where allowed, or a bogus comment.
func (l *lexer) markup() tokenKind {
	if !l.need(2) {
		l.pos = l.end
		return tkComment
	}
	if l.buf[l.pos] == '-' && l.buf[l.pos+1] == '-' {
		l.pos += 2
		return l.comment()
	}
	if l.need(7) {
		switch w := l.buf[l.pos : l.pos+7]; {
		case bytes.EqualFold(w, []byte("doctype")):
			l.pos += 7
			return l.untilGt(tkDoctype)
		case l.cdata && string(w) == "[CDATA[":
			l.pos += 7
			return l.ended("]]", tkText)
		}
	}
	return l.untilGt(tkComment)
}

// comment scans a comment after "<!--": it ends at "-->" or "--!>", or at
// once with "<!-->" or "<!--->".
func (l *lexer) comment() tokenKind {
	l.attrAt = l.pos // the comment's data
	for l.until('>') {
		n := l.pos - 1 - l.attrAt // data bytes before the '>'
		d := l.buf[l.attrAt : l.pos-1]
		if n == 0 || n == 1 && d[0] == '-' || n >= 2 && d[n-2] == '-' && d[n-1] == '-' ||
			n >= 3 && d[n-3] == '-' && d[n-2] == '-' && d[n-1] == '!' {
			return tkComment
		}
	}
	return tkComment
}

// ended scans to just past a '>' preceded by suffix (after pos), or to the
// end of input.
func (l *lexer) ended(suffix string, k tokenKind) tokenKind {
	l.attrAt = l.pos
	for l.until('>') {
		if d := l.buf[l.attrAt : l.pos-1]; len(d) >= len(suffix) && string(d[len(d)-len(suffix):]) == suffix {
			break
		}
	}
	return k
}

// rawText scans the text of raw-text element tag up to its end tag (which
// is left for next), or to the end of input. With pass, what is scanned
// is a pass token's, and flushed as it goes.
func (l *lexer) rawText(tag string, pass bool) {
	if tag == "script" {
		l.script()
		return
	}
	n := len(tag)
	for {
		if tag == "plaintext" {
			l.pos = l.end
		} else if j := bytes.IndexByte(l.buf[l.pos:l.end], '<'); j >= 0 {
			l.pos += j
			if pass {
				l.passEnd = l.pos
			}
			if !l.need(n + 3) {
				l.pos = l.end
				return
			}
			if e := l.buf[l.pos:]; e[1] == '/' && nameIs(e[2:2+n], tag) && nameEnds[e[2+n]] {
				return
			}
			l.pos++
			continue
		}
		l.pos = l.end
		if pass {
			l.passEnd = l.pos
		}
		if !l.more() {
			return
		}
	}
}

// nameIs reports whether b is the lower-case name in any case.
func nameIs(b []byte, name string) bool {
	for i := range len(name) {
		if lower(b[i]) != name[i] {
			return false
		}
	}
	return true
}

// script scans script data (§13.2.5.4 and on) up to "</script" and a byte
// that ends a tag name, outside the double-escaped state.
func (l *lexer) script() {
	m := &l.scr
	m.state, m.k = rsData, 0
	for {
		if m.state == rsData {
			if j := bytes.IndexByte(l.buf[l.pos:l.end], '<'); j >= 0 {
				l.pos += j
			} else {
				l.pos = l.end
			}
		}
		if l.pos == l.end {
			if !l.more() {
				return
			}
			continue
		}
		c := l.buf[l.pos]
		l.pos++
		if m.step(c) {
			l.pos -= len("</script") + 1
			return
		}
	}
}

func isLetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }
