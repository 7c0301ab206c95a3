// Package rewrite neutralises tracker elements in an HTML stream. It copies
// the tokenizer's raw bytes through untouched and edits only the start tags of
// elements that load a tracker the visitor has not consented to, so a page is
// never re-serialised and never buffered whole.
//
// What is held, and how it looks on the wire:
//   - script: type="text/plain" first, data-consent, data-consent-vendor,
//     the page's type kept as data-consent-type, its URL attribute renamed
//     data-consent-src (or -href for SVG scripts);
//   - elements that fetch (iframe, img, source, video, audio, embed, object,
//     input, link, param, SVG image/use/feImage): the URL attributes renamed
//     data-consent-<name> (xlink:href as data-consent-href), any srcset
//     candidate counting; link hints to trackers dropped (renamed in XML);
//   - AMP components: renamed <cg-held data-consent-el="amp-x" ...> (amp.go);
//   - the site's own <iframe srcdoc> documents: rewritten as documents;
//   - tokens over MaxToken: streamed, fail-safe (oversize.go).
//
// HTML, XHTML and SVG are read as browsers read them: raw text with
// scripting on, foreign content inside inline <svg> and <math>
// (foreign.go), and in XML only script and style as raw text.
package rewrite

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/consentgate/consentgate/trackers"
)

// DefaultMaxToken bounds the bytes held for one token (a tag or a run of
// text). Larger tokens are streamed through by oversize.go, so memory per
// response stays bounded whatever the page.
const DefaultMaxToken = 1 << 20

// Page is what the rewriter knows about the document when it inserts something.
type Page struct {
	Lang        string // <html lang>
	ScriptNonce string // nonce from a <meta http-equiv="Content-Security-Policy"> seen before the insertion point, if any
	StyleNonce  string
	XML         bool // Options.XML: inserted markup must be well-formed XML
}

// Options configure a Rewriter.
type Options struct {
	Catalogue *trackers.Catalogue
	// Allowed reports whether the visitor has consented to a category;
	// elements of allowed categories pass untouched. Nil allows nothing.
	Allowed func(trackers.Category) bool
	// HeadInject is written once, early in the head: after a prologue,
	// doctype, <meta> (charset, http-equiv and the rest), <title> and <base>, before
	// the first script, stylesheet or any other element or text, so it runs
	// before page scripts and <meta charset> stays where it was. Nil: insert
	// nothing in the head (fragments, SVG).
	HeadInject func(Page) []byte
	// BodyInject is written once, before the first </body> end tag or at
	// the end. Nil: no banner (fragments, framed sub-documents, SVG).
	BodyInject func(Page) []byte
	// FrameInject is the head insertion for documents nested in the page
	// (the site's own <iframe srcdoc>): the run-time guard, no banner. Nil:
	// none.
	FrameInject func(Page) []byte
	// XML is for application/xhtml+xml and image/svg+xml: what the rewriter
	// writes is well-formed XML, and the contents of noscript, iframe,
	// textarea, title and the like are read as the live markup they are in
	// XML (only script and style stay raw text).
	XML bool
	// SniffDocument is for a response nothing in the request marks as a
	// navigation: when its first markup is not a document's (a <div> of an
	// htmx or jQuery fragment rather than a doctype, <html>, <head>, <meta>,
	// <title>, <link>, <style>, <script>...), nothing is inserted, or the page
	// swapping it in would get a second banner.
	SniffDocument bool
	// Decode, when set, wraps the incoming byte stream (content decoding).
	Decode func(io.Reader) (io.Reader, error)
	// MaxToken overrides DefaultMaxToken.
	MaxToken int
	// OnNeutralise is called once per element made inert.
	OnNeutralise func(v *trackers.Vendor)
	// Placeholder, when set, returns the document shown in a held-back
	// <iframe> instead of its content (src is the frame's URL, lang the
	// page's <html lang>), escaped by EscapeSrcdoc: it becomes the frame's
	// srcdoc as it is, so a caller can cache it escaped. The placeholder
	// keeps the frame's place and size whatever the page's CSS, and the
	// frame is marked
	// data-consent-ph. A frame's own srcdoc moves to data-consent-srcdoc.
	Placeholder func(v *trackers.Vendor, src, lang string) []byte
	// CookieTable, when set, is written in place of the children of each
	// element carrying the attribute data-consent-cookie-table (fill.go),
	// at the element's end tag, or at </body> or the end if it has none;
	// the children (the site's fallback text) are dropped. It is called only
	// for a page that has the marker. Not in srcdoc documents.
	CookieTable func(Page) []byte
	// CookieTableSelector names the elements CookieTable fills, for a
	// privacy page whose placeholder the site cannot mark itself
	// (ParseSelector). The zero Selector is [data-consent-cookie-table].
	CookieTableSelector Selector
	// SettingsHref, when set, is the settings page's URL: a link marked
	// data-consent-open whose href goes nowhere ("#") gets it, so that the
	// site's own "Cookie settings" link works without JavaScript
	// (openlink.go).
	SettingsHref string
}

// Rewriter is an io.WriteCloser that rewrites the HTML written to it and
// writes the result to its destination. The push-style Write is bridged to
// the pull-style tokenizer with a coroutine (iter.Pull), not a goroutine.
type Rewriter struct {
	opts Options
	out  *bufio.Writer

	next func() (struct{}, bool)
	stop func()
	in   []byte // the chunk being consumed by the tokenizer
	eof  bool   // Close was called: the source is exhausted
	done bool   // the coroutine has returned
	err  error  // a decode error, reported by Write or Close

	src        *source // what the lexer reads: bytes given back, then the input
	lex        lexer
	allAllowed bool // every category is consented: nothing is held
	depth      int  // srcdoc nesting depth of this document
	count      int  // elements neutralised, so a nested document knows it changed

	headDone, bodyDone bool
	sniffed            bool // SniffDocument has decided
	inTitle            bool // inside <title>: its text is no reason to insert the head
	langSeen           bool
	page               Page
	held               []byte // a <script> start tag awaiting its text (in heldBuf)
	heldBuf            []byte
	resume             string        // the raw-text element a fresh lexer starts in
	reactivate         bool          // the script being passed is held unclassified; see oversize.go
	foreign            []open        // open svg/math elements and their HTML integration points
	amp                []open        // open AMP components, held or not
	attrs              []attr        // scanTag's buffer, reused for every tag
	tags               [][2]int      // plainTags' buffer
	scan               scanner       // the streaming continuation's state
	scratch            []byte        // view's decoding buffer
	settingsHref       string        // Options.SettingsHref as an attribute value, once needed
	fill               *filling      // the marker element being filled, if any
	discard            *bufio.Writer // r.out while a marker's children are dropped
}

// open is an element whose end tag matters: name, and whether it is foreign
// content (for r.foreign) or held back (for r.amp).
type open struct {
	name string
	flag bool
}

// maxOpen bounds the r.foreign and r.amp stacks.
const maxOpen = 64

var errAborted = errors.New("rewrite: aborted")

// New returns a Rewriter writing to dst.
func New(dst io.Writer, opts Options) *Rewriter {
	if opts.MaxToken <= 0 {
		opts.MaxToken = DefaultMaxToken
	}
	opts.MaxToken = max(opts.MaxToken, 64)
	if opts.Allowed == nil {
		opts.Allowed = func(trackers.Category) bool { return false }
	}
	out := outPool.Get().(*bufio.Writer)
	out.Reset(dst)
	r := &Rewriter{opts: opts, out: out, allAllowed: true}
	r.page.XML = opts.XML
	for _, c := range trackers.Categories {
		r.allAllowed = r.allAllowed && opts.Allowed(c)
	}
	r.next, r.stop = iter.Pull(r.run)
	return r
}

// outPool recycles output buffers between responses: small pages would
// otherwise spend more on allocating one than on rewriting.
var outPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

// Write rewrites p. It returns an error if the content could not be decoded;
// everything decoded so far has then been written.
func (r *Rewriter) Write(p []byte) (int, error) {
	if r.done {
		if r.err != nil {
			return len(p), r.err
		}
		return 0, errors.New("rewrite: write after close")
	}
	r.in = p
	if _, ok := r.next(); !ok {
		r.done = true
	}
	r.in = nil
	if err := r.wire().Flush(); err != nil {
		r.Abort()
		return 0, err
	}
	if r.err != nil {
		return len(p), r.err
	}
	return len(p), nil
}

// Err is the error that ended decoding, if any. Input written after it is
// discarded.
func (r *Rewriter) Err() error { return r.err }

// Flush writes out everything rewritten so far. At most the element being
// classified is held back.
func (r *Rewriter) Flush() error {
	if r.out == nil { // closed
		return nil
	}
	return r.wire().Flush()
}

// wire is the response's output: r.out, unless a marker's children are
// being dropped.
func (r *Rewriter) wire() *bufio.Writer {
	if r.fill != nil {
		return r.fill.out
	}
	return r.out
}

// Close ends the input, writes what remains (injecting the banner at the end
// if the page had no </body>) and reports any decode error.
func (r *Rewriter) Close() error {
	if !r.done {
		r.eof = true
		for !r.done {
			if _, ok := r.next(); !ok {
				r.done = true
			}
		}
	}
	r.stop()
	r.lex.release()
	if r.out == nil { // closed before
		return r.err
	}
	err := r.out.Flush()
	r.out.Reset(nil)
	outPool.Put(r.out)
	r.out = nil
	if err != nil {
		return err
	}
	return r.err
}

// Abort releases the coroutine without writing more, for a response the
// client has gone away from.
func (r *Rewriter) Abort() {
	r.done = true
	r.stop()
	r.lex.release()
}

// chunkSource is the input as an io.Reader: it hands over the current chunk
// and, when that is used up, suspends the coroutine until the next Write.
type chunkSource struct {
	r     *Rewriter
	yield func(struct{}) bool
}

func (s *chunkSource) Read(p []byte) (int, error) {
	for len(s.r.in) == 0 {
		if s.r.eof {
			return 0, io.EOF
		}
		if !s.yield(struct{}{}) {
			return 0, errAborted
		}
	}
	n := copy(p, s.r.in)
	s.r.in = s.r.in[n:]
	return n, nil
}

// source is what tokenizers read: bytes given back by an abandoned
// tokenizer or the streaming continuation first, then the input.
type source struct {
	pend []byte
	r    io.Reader
}

func (s *source) Read(p []byte) (int, error) {
	if len(s.pend) > 0 {
		n := copy(p, s.pend)
		s.pend = s.pend[n:]
		return n, nil
	}
	return s.r.Read(p)
}

// unread puts b back in front of what is still to be read; b is copied.
func (s *source) unread(b []byte) {
	if len(b) == 0 {
		return
	}
	s.pend = append(append(make([]byte, 0, len(b)+len(s.pend)), b...), s.pend...)
}

func (r *Rewriter) run(yield func(struct{}) bool) {
	var in io.Reader = &chunkSource{r: r, yield: yield}
	if r.opts.Decode != nil {
		d, err := r.opts.Decode(in)
		if err != nil {
			r.err = err
			return
		}
		in = d
		if c, ok := d.(io.Closer); ok {
			defer c.Close()
		}
	}
	r.src = &source{r: in}
	defer func() { // an error or an abort mid-fill: the output is the response's again
		if r.fill != nil {
			r.out, r.fill = r.fill.out, nil
		}
	}()
	for {
		err := r.tokens(r.lexer())
		switch {
		case err == errTokenTooLong:
			// oversized streamed the token through; the lexer starts
			// afresh where it stopped.
		case err == io.EOF:
			if r.held != nil {
				r.flushHeld(nil)
			}
			r.fillEnd()
			r.injectBody() // the head's insertion first, if still due
			return
		default:
			if err != errAborted {
				r.err = err
			}
			return
		}
	}
}

// lexer readies r.lex to read r.src, in the raw-text state of r.resume if
// set.
func (r *Rewriter) lexer() *lexer {
	l := &r.lex
	l.reset(r.src, r.opts.MaxToken)
	l.xml, l.cdata = r.opts.XML, r.cdata()
	if r.resume != "" {
		l.rawTag, r.resume = r.resume, ""
	}
	return l
}

// cdata reports whether <![CDATA[ starts a CDATA section here: in XML, and
// in foreign (SVG, MathML) content of an HTML document.
func (r *Rewriter) cdata() bool {
	return r.opts.XML || len(r.foreign) > 0 && r.foreign[len(r.foreign)-1].flag
}

// coalescing reports whether only the tags the lexer knows as acted on
// (tagStartAct, tagEndAct, data-consent* attributes) can make a rule fire:
// the head is written, the document decided, and no foreign content, fill,
// held or streamed script is open. A custom cookie table selector can
// match any tag, so it turns coalescing off.
func (r *Rewriter) coalescing() bool {
	return r.headDone && (r.sniffed || !r.opts.SniffDocument) && r.held == nil && !r.reactivate && r.fill == nil &&
		len(r.foreign) == 0 && (r.opts.CookieTable == nil || r.opts.CookieTableSelector.alts == nil)
}

// tokens runs the lexer until an error token, copying raw bytes through
// and acting only where a rule fires.
func (r *Rewriter) tokens(l *lexer) error {
	for {
		l.coalesce = r.coalescing()
		l.sink = r.out
		k := l.next()
		raw := l.raw()
		if k == tkPass {
			r.out.Write(raw)
			continue
		}
		rawCtx := l.textOf
		if l.err == errTokenTooLong {
			// The token is cut at MaxToken bytes: the rest is streamed.
			r.src.unread(l.buffered())
			return r.oversized(raw, rawCtx)
		}
		if k == tkError {
			if len(raw) > 0 && !r.headDone && !blank(raw) {
				r.sniff(false)
				r.injectHead()
			}
			if r.held != nil {
				r.flushHeld(nil)
			}
			r.out.Write(raw)
			r.out.Write(l.buffered())
			return l.err
		}
		if r.held != nil {
			if k == tkText {
				r.flushHeld(raw)
				r.out.Write(raw)
				continue
			}
			r.flushHeld(nil)
		}
		switch k {
		case tkStart, tkSelfClosing:
			name, selfClosing := l.name, k == tkSelfClosing
			if r.fill != nil {
				r.fillTag(raw, false, selfClosing)
			}
			if r.startTag(name, raw, selfClosing) {
				l.nextIsNotRawText()
			}
			r.fillStart(name, raw, selfClosing)
			l.cdata = r.cdata()
		case tkEnd:
			if r.fill != nil {
				r.fillTag(raw, true, false)
			}
			r.endTag(l.name, raw)
			l.cdata = r.cdata()
		case tkText:
			r.text(rawCtx, raw)
		case tkDoctype:
			r.sniff(true)
			r.out.Write(raw)
		default:
			r.out.Write(raw)
		}
	}
}

// text handles a text token; rawCtx is the raw-text element it is the
// content of, if any.
func (r *Rewriter) text(rawCtx string, raw []byte) {
	if !r.sniffed && rawCtx == "" && !blank(raw) {
		r.sniff(false)
	}
	if !r.headDone && !r.inTitle && !blank(raw) {
		r.injectHead()
	}
	switch {
	case rawCtx == "noscript":
		r.fragment(raw)
	case r.reactivate: // the text of a held script (see oversize.go)
		if r.signature(raw) {
			r.reactivate = false
		}
		r.out.Write(raw)
	default:
		r.out.Write(raw)
	}
}

// blank reports whether text is only white space, after a byte order mark.
func blank(b []byte) bool {
	b = bytes.TrimPrefix(b, bom)
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

var bom = []byte("\xef\xbb\xbf")

// startTag handles a start tag, and reports whether the text that follows
// is markup although the tokenizer would read it as raw text (XML, foreign
// content, self-closed elements in XML).
func (r *Rewriter) startTag(name string, raw []byte, selfClosing bool) (notRaw bool) {
	r.sniff(documentStart(name))
	foreign := false
	if !r.opts.XML {
		foreign = r.foreignStart(name, raw, selfClosing)
	}
	if !r.headDone && r.headPoint(name) {
		r.injectHead()
	}
	switch name {
	case "html":
		if !r.langSeen {
			r.langSeen = true
			_, r.attrs = scanTag(raw, r.attrs)
			if l, ok := get(r.attrs, "lang"); ok {
				r.page.Lang = l.value()
			}
		}
	case "meta":
		if !r.bodyDone {
			r.readCSP(raw)
		}
	case "title":
		r.inTitle = !selfClosing || !r.opts.XML && !foreign
	}
	// The lexer reads raw text after these in HTML, and knows XML's rules.
	notRaw = foreign && isRawText(name)
	switch {
	case name == "":
		if !r.openLink(raw) {
			r.out.Write(raw)
		}
	case name == "script":
		r.script(raw, selfClosing && (r.opts.XML || foreign))
	case strings.HasPrefix(name, "amp-"):
		r.ampStart(name, raw, selfClosing && r.opts.XML)
	default:
		r.element(name, raw, false)
	}
	return notRaw
}

// endTag handles an end tag.
func (r *Rewriter) endTag(name string, raw []byte) {
	if !r.headDone && !r.inTitle {
		r.injectHead()
	}
	switch name {
	case "title":
		r.inTitle = false
	case "body":
		r.injectBody()
	}
	if !r.opts.XML && len(r.foreign) > 0 {
		r.foreignEnd(name)
	}
	if strings.HasPrefix(name, "amp-") {
		r.ampEnd(name, raw)
		return
	}
	r.out.Write(raw)
	if name == "script" && r.reactivate {
		r.writeReactivate()
	}
}

// headPoint reports whether the head insertion goes before this start tag:
// it follows what must stay first (the <html> and <head> tags, <meta>,
// <title>, <base>) and precedes the rest. Every <meta> is passed over, not
// only charset and http-equiv ones: a page may put its <meta charset> after
// its viewport, and it must stay within the first 1024 bytes.
func (r *Rewriter) headPoint(name string) bool {
	if r.inTitle {
		return false // markup inside an XML <title>
	}
	switch name {
	case "html", "head", "title", "base", "meta":
		return false
	}
	return true
}

// sniff applies SniffDocument at the first start tag or text: document
// reports whether it is one a whole document begins with.
func (r *Rewriter) sniff(document bool) {
	if r.sniffed || !r.opts.SniffDocument {
		return
	}
	r.sniffed = true
	if !document {
		r.opts.HeadInject, r.opts.BodyInject = nil, nil
	}
}

// documentStart reports whether a whole document can start with the
// element name (tagName's form): anything else starts a fragment.
func documentStart(name string) bool {
	switch name {
	case "html", "head", "body", "meta", "title", "base", "link", "style", "script", "noscript":
		return true
	}
	return false
}

func (r *Rewriter) injectHead() {
	if !r.headDone && r.opts.HeadInject != nil {
		r.out.Write(r.opts.HeadInject(r.page))
	}
	r.headDone = true
}

func (r *Rewriter) injectBody() {
	r.sniff(false) // an empty body is no page
	r.injectHead()
	if !r.bodyDone && r.opts.BodyInject != nil {
		r.out.Write(r.opts.BodyInject(r.page))
	}
	r.bodyDone = true
}

// script applies the script rules to a start tag. complete is for a
// self-closed script in XML or SVG, which has no text to wait for.
func (r *Rewriter) script(raw []byte, complete bool) {
	// Inline scripts are held until their text shows what they are; only
	// then are their attributes read.
	if !mayHaveURL(raw) {
		if complete {
			r.out.Write(raw)
			return
		}
		r.hold(raw)
		return
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	if !isJavaScript(attrs) {
		r.out.Write(raw)
		return
	}
	if src, srcName := scriptSrc(attrs); srcName != "" {
		v := r.opts.Catalogue.MatchURL(r.view(src))
		if v == nil || r.opts.Allowed(v.Category) {
			r.out.Write(raw)
			return
		}
		r.writeNeutralised(raw, nameEnd, attrs, v, nil, srcName)
		return
	}
	if complete {
		r.out.Write(raw)
		return
	}
	r.hold(raw)
}

// hold keeps a script start tag until its text decides it.
func (r *Rewriter) hold(raw []byte) {
	r.heldBuf = append(r.heldBuf[:0], raw...)
	r.held = r.heldBuf
}

// scriptSrcAttrs are where a script's URL can be: src, where page-speed
// plugins (WP Rocket, LiteSpeed) park it until their loader runs the script,
// and an SVG script's href.
var scriptSrcAttrs = []string{"src", "data-rocket-src", "data-src", "data-lazy-src", "href", "xlink:href"}

// scriptSrc returns a script's URL attribute and its name, or "".
func scriptSrc(attrs []attr) (attr, string) {
	for _, n := range scriptSrcAttrs {
		if a, ok := get(attrs, n); ok {
			return a, n
		}
	}
	return attr{}, ""
}

// mayHaveURL reports whether raw bytes can hold an absolute or
// protocol-relative URL: one needs "//", or a character reference or
// backslash standing in for a slash, or a tab or newline between the
// slashes (URL parsers drop them), or "http:" without slashes (an
// authority on a page of the other scheme). Anything else is passed on
// unparsed.
func mayHaveURL(raw []byte) bool {
	if bytes.Contains(raw, dslash) || bytes.ContainsAny(raw, "&\\\t\n\r") {
		return true
	}
	for i := bytes.IndexByte(raw, ':'); i >= 0; {
		if i >= 4 && bytes.EqualFold(raw[i-4:i], []byte("http")) || i >= 5 && bytes.EqualFold(raw[i-5:i], []byte("https")) {
			return true
		}
		j := bytes.IndexByte(raw[i+1:], ':')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

var dslash = []byte("//")

// urlAttrs lists, per element, the attributes whose URL makes the browser
// fetch something (lazy-loading variants included, as loader scripts turn
// them into real ones). SVG elements take href or xlink:href; an HTML
// <image> is an <img>.
var urlAttrs = map[string][]string{
	"iframe":  {"src", "data-src", "data-lazy-src"},
	"frame":   {"src"},
	"img":     {"src", "srcset", "data-src", "data-srcset", "data-lazy-src"},
	"image":   {"href", "xlink:href", "src", "srcset"},
	"source":  {"src", "srcset", "data-src", "data-srcset"},
	"video":   {"src", "poster"},
	"audio":   {"src"},
	"embed":   {"src"},
	"object":  {"data"},
	"input":   {"src"},
	"link":    {"href", "imagesrcset"},
	"param":   {"value"}, // <param name=movie value=...>, Flash-era video
	"use":     {"href", "xlink:href"},
	"feimage": {"href", "xlink:href"},
	"script":  scriptSrcAttrs, // for oversize.go; script() has its own rules
}

// hintRels are <link> relations that only warm a connection or cache; to a
// tracker host they are dropped outright.
var hintRels = []string{"preconnect", "dns-prefetch", "preload", "prefetch", "prerender", "modulepreload"}

// fetchRels are the other <link> relations a browser fetches; the rest
// (me, author, alternate, canonical...) are links and stay as they are.
var fetchRels = []string{"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "manifest", "import", "mask-icon"}

// hasFold reports whether list holds t in any case.
func hasFold(list []string, t string) bool {
	for _, s := range list {
		if strings.EqualFold(s, t) {
			return true
		}
	}
	return false
}

// unclassified stands for a tracker-capable element that could not be
// classified within MaxToken; it is held back as analytics.
var unclassified = &trackers.Vendor{ID: "unclassified", Name: "Unclassified", Category: trackers.Analytics}

// matchAttr returns the vendor of a URL attribute's value that the visitor
// has not consented to, or nil. Any candidate of a srcset may be it.
func (r *Rewriter) matchAttr(n string, a attr) *trackers.Vendor {
	if !mayHaveURL(a.val) {
		return nil
	}
	u := r.view(a)
	if strings.HasSuffix(n, "srcset") {
		for c := range srcsetURLs(u) {
			if v := r.opts.Catalogue.MatchURL(c); v != nil && !r.opts.Allowed(v.Category) {
				return v
			}
		}
		return nil
	}
	if v := r.opts.Catalogue.MatchURL(u); v != nil && !r.opts.Allowed(v.Category) {
		return v
	}
	return nil
}

// element applies the URL rules to a non-script start tag. With partial,
// raw is the first MaxToken bytes of a longer tag (see oversize.go): nothing
// is dropped, a srcdoc is held unread, and the result reports whether the
// consent markers were written.
func (r *Rewriter) element(name string, raw []byte, partial bool) (marked bool) {
	if name == "" || r.allAllowed { // most tags: tagName knows only those that matter
		r.out.Write(raw)
		return false
	}
	names, ok := urlAttrs[name]
	srcdoc := name == "iframe" && containsFold(raw, "srcdoc")
	if !ok || !srcdoc && !partial && !mayHaveURL(raw) {
		r.out.Write(raw)
		return false
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	var vendor *trackers.Vendor
	var hits [7]string // the attributes to rename ("" for none), and room for srcdoc
	for i, n := range names {
		if a, ok := get(attrs, n); ok {
			v := r.matchAttr(n, a)
			if v == nil && partial && !r.allAllowed && cut(raw, a) {
				v = unclassified
			}
			if v != nil {
				if vendor == nil {
					vendor = v
				}
				hits[i] = n
			}
		}
	}
	rename := hits[:len(names)]
	if vendor == nil && srcdoc {
		if a, ok := get(attrs, "srcdoc"); ok && a.hasValue {
			if _, ph := get(attrs, attrPlaceholder); !ph {
				if partial || r.depth >= maxDepth {
					vendor = unclassified
					rename = append(rename, "srcdoc")
				} else if r.nestedSrcdoc(raw, a) {
					return false
				}
			}
		}
	}
	if vendor == nil {
		r.out.Write(raw)
		return false
	}
	if name == "link" {
		rel, _ := get(attrs, "rel")
		fetches := false
		for t := range strings.FieldsSeq(r.view(rel)) {
			if hasFold(hintRels, t) {
				if partial || r.opts.XML {
					fetches = true // renamed: dropping could unbalance XML or a streamed tag
					break
				}
				r.neutralised(vendor)
				return false // dropped: a hint is worth nothing without consent
			}
			fetches = fetches || hasFold(fetchRels, t)
		}
		if !fetches {
			r.out.Write(raw)
			return false
		}
	}
	var ph []byte
	if name == "iframe" && r.opts.Placeholder != nil && vendor != unclassified {
		var src string
		for _, n := range hits {
			if a, ok := get(attrs, n); ok && n != "" {
				src = a.value()
				break
			}
		}
		ph = r.opts.Placeholder(vendor, src, r.page.Lang)
		if _, ok := get(attrs, "srcdoc"); ok {
			rename = append(rename, "srcdoc")
		}
	}
	r.writeNeutralised(raw, nameEnd, attrs, vendor, ph, rename...)
	return true
}

// maxDepth bounds srcdoc nesting; deeper documents are held unread.
const maxDepth = 4

// nestedSrcdoc rewrites the document in a frame's srcdoc a as a document of
// its own (the head gets FrameInject, no banner) and, if that neutralised
// anything, writes the tag with the result in place of a's value, in a's
// quote style. It reports whether it wrote the tag.
func (r *Rewriter) nestedSrcdoc(raw []byte, a attr) bool {
	var b bytes.Buffer
	opts := r.opts
	opts.HeadInject, opts.BodyInject, opts.Decode, opts.XML, opts.CookieTable = opts.FrameInject, nil, nil, false, nil
	sub := New(&b, opts)
	sub.depth = r.depth + 1
	sub.page.ScriptNonce, sub.page.StyleNonce = r.page.ScriptNonce, r.page.StyleNonce // srcdoc frames inherit the policy
	sub.Write([]byte(a.value()))
	if err := sub.Close(); err != nil || sub.count == 0 {
		return false
	}
	r.count += sub.count
	q := byte('"')
	if c := raw[a.valueStart]; c == '\'' {
		q = c
	}
	w := r.out
	w.Write(raw[:a.valueStart])
	w.WriteByte(q)
	escapeAttr(w, b.Bytes(), q, r.opts.XML)
	w.WriteByte(q)
	w.Write(raw[a.valueEnd:])
	return true
}

// containsFold reports whether b contains the lower-case ASCII s in any case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if lower(b[i]) == s[0] && bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}

// EscapeSrcdoc escapes a document for a double-quoted srcdoc attribute, as
// Options.Placeholder returns it: markup characters and every non-ASCII
// character as references, so it is right in XML and whatever the page's
// charset.
func EscapeSrcdoc(doc []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(doc) + len(doc)/8)
	w := bufio.NewWriterSize(&b, 4096)
	writeAttrValue(w, string(doc))
	w.Flush()
	return b.Bytes()
}

// fragment rewrites the raw text of a <noscript>, which the tokenizer (with
// scripting on, as browsers parse) reports as one text token: GTM's iframe and
// the Meta pixel's img live there. Plain markup is split in place; anything
// else goes through a tokenizer of its own.
func (r *Rewriter) fragment(text []byte) {
	if bytes.IndexByte(text, '<') < 0 || !mayHaveURL(text) {
		r.out.Write(text)
		return
	}
	tags, ok := plainTags(text, r.tags)
	r.tags = tags
	if !ok {
		r.tokenizeFragment(text)
		return
	}
	pos := 0
	for _, t := range tags {
		r.out.Write(text[pos:t[0]])
		r.element(tagName(text[t[0]+1:]), text[t[0]:t[1]], false)
		pos = t[1]
	}
	r.out.Write(text[pos:])
}

// plainTags finds the start tags in text that this package knows by name,
// splitting it exactly as html.Tokenizer would, and appends their spans to
// tags[:0]. It handles text, complete start and end tags, and the raw text of
// elements such as iframe; for comments, doctypes, scripts, nested noscripts
// and incomplete tags it reports !ok, and the caller uses the tokenizer.
// A noscript holds a tag or two, and a tokenizer costs 4 KB to make.
func plainTags(text []byte, tags [][2]int) ([][2]int, bool) {
	tags = tags[:0]
	i := 0
	for {
		j := bytes.IndexByte(text[i:], '<')
		if j < 0 || i+j+1 >= len(text) {
			return tags, true // a '<' at the very end is text
		}
		i += j
		switch c := text[i+1]; {
		case isLetter(c):
			end := tagAfter(text, i+1)
			if end < 0 {
				return tags, false
			}
			name := tagName(text[i+1:])
			switch name {
			case "script", "noscript", "plaintext":
				return tags, false
			case "":
			default:
				tags = append(tags, [2]int{i, end})
			}
			i = end
			if isRawText(name) {
				i = rawTextEnd(text, i, name)
			}
		case c == '/' && i+2 < len(text) && isLetter(text[i+2]):
			if i = tagAfter(text, i+2); i < 0 {
				return tags, false
			}
		case c == '/' || c == '!' || c == '?':
			return tags, false
		default:
			i++ // '<' before anything else is text
		}
	}
}

func isLetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// tagAfter returns the offset just past the '>' that ends the tag whose
// name starts at b[i], or -1 if the tag is incomplete.
func tagAfter(b []byte, i int) int {
	for i < len(b) && !nameEnds[b[i]] {
		i++
	}
	end, _, _ := tagEnd(b, i, false)
	return end
}

// rawTextEnd returns the offset of the "</name" that ends raw text starting
// at b[i], or len(b), as html.Tokenizer's readRawOrRCDATA finds it.
func rawTextEnd(b []byte, i int, name string) int {
	for {
		j := bytes.Index(b[i:], []byte("</"))
		if j < 0 {
			return len(b)
		}
		k := i + j + 2
		if k+len(name) < len(b) && bytes.EqualFold(b[k:k+len(name)], []byte(name)) {
			switch b[k+len(name)] {
			case ' ', '\n', '\r', '\t', '\f', '/', '>':
				return i + j
			}
		}
		i = i + j + 1
	}
}

// tokenizeFragment is fragment for markup plainTags does not take on.
func (r *Rewriter) tokenizeFragment(text []byte) {
	var l lexer
	l.resetBytes(text)
	nested := false // the text that follows is a nested <noscript>'s
	for {
		k := l.next()
		raw := l.raw()
		wasNested := nested
		nested = false
		switch k {
		case tkError:
			r.out.Write(raw)
			return
		case tkText:
			if wasNested {
				r.fragment(raw)
			} else {
				r.out.Write(raw)
			}
		case tkStart, tkSelfClosing:
			switch l.name {
			case "script":
				r.out.Write(raw) // scripts in noscript never run
			case "noscript":
				r.out.Write(raw)
				nested = k == tkStart
			default:
				r.element(l.name, raw, false)
			}
		default:
			r.out.Write(raw)
		}
	}
}

// flushHeld writes the held inline script start tag, neutralised if text
// (the script's source, nil when it has none) matches a tracker signature.
func (r *Rewriter) flushHeld(text []byte) {
	held := r.held
	r.held = nil
	if text != nil {
		nameEnd, attrs := scanTag(held, r.attrs)
		r.attrs = attrs
		if _, src := scriptSrc(attrs); isJavaScript(attrs) && src == "" {
			if v := r.opts.Catalogue.MatchInline(text); v != nil && !r.opts.Allowed(v.Category) {
				r.writeNeutralised(held, nameEnd, attrs, v, nil)
				return
			}
		}
	}
	r.out.Write(held)
}

// writeNeutralised writes raw with the consent markers inserted after the tag
// name and each attribute named in rename ("" are ignored) prefixed with
// "data-consent-". For scripts, type="text/plain" is
// inserted first, so it wins over the page's own type (browsers keep the
// first of duplicate attributes), which is kept in data-consent-type for
// re-activation; in XML, where duplicates are an error, the page's type is
// renamed to data-consent-type instead. A frame's placeholder ph, escaped,
// becomes its srcdoc, marked data-consent-ph.
func (r *Rewriter) writeNeutralised(raw []byte, nameEnd int, attrs []attr, v *trackers.Vendor, ph []byte, rename ...string) {
	r.neutralised(v)
	w := r.out
	w.Write(raw[:nameEnd])
	script := tagName(raw[1:]) == "script"
	if script && r.opts.XML {
		// XML has no duplicate attributes: the page's type is renamed.
		w.WriteString(` type="text/plain"`)
		rename = append(rename[:len(rename):len(rename)], "type")
	} else if script {
		w.WriteString(` type="text/plain"`)
		if t, ok := get(attrs, "type"); ok {
			w.WriteString(" " + attrType + `="`)
			writeAttrValue(w, t.value())
			w.WriteByte('"')
		}
	}
	w.WriteString(" " + attrCategory + `="`)
	w.WriteString(string(v.Category))
	w.WriteString(`" ` + attrVendor + `="`)
	writeAttrValue(w, v.ID)
	w.WriteByte('"')
	if ph != nil {
		if r.opts.XML {
			w.WriteString(" " + attrPlaceholder + `="" srcdoc="`)
		} else {
			w.WriteString(" " + attrPlaceholder + ` srcdoc="`)
		}
		w.Write(ph)
		w.WriteByte('"')
	}
	pos := nameEnd
	for _, a := range attrs {
		if !slices.ContainsFunc(rename, func(n string) bool { return n != "" && a.is(n) }) {
			continue
		}
		w.Write(raw[pos:a.nameStart])
		w.WriteString(attrHeld)
		writeHeldName(w, a.name, attrs)
		pos = a.nameEnd
	}
	w.Write(raw[pos:])
}

// writeHeldName writes what follows "data-consent-" in the name of a held
// attribute: the name in lower case, with xlink:href as plain href (SVG 2
// takes both, and banner.js restores data-consent-X as X) unless the element
// has its own href. A ':' would be an undeclared namespace prefix in XML,
// so it becomes '-'.
func writeHeldName(w *bufio.Writer, name []byte, attrs []attr) {
	if len(name) == len("xlink:href") && bytes.EqualFold(name, []byte("xlink:href")) {
		if _, ok := get(attrs, "href"); !ok {
			w.WriteString("href")
			return
		}
	}
	for _, c := range name {
		if c == ':' {
			c = '-'
		}
		w.WriteByte(lower(c))
	}
}

func (r *Rewriter) neutralised(v *trackers.Vendor) {
	r.count++
	if r.opts.OnNeutralise != nil && r.fill == nil { // a dropped child is not on the page
		r.opts.OnNeutralise(v)
	}
}

// isJavaScript reports whether a script element's type makes it run as
// classic script or module, or makes a page-speed loader (Partytown, WP
// Rocket, LiteSpeed) run it later; JSON-LD, templates and the like are data.
// MIME parameters are ignored, erring towards treating a script as code.
func isJavaScript(attrs []attr) bool {
	t, ok := get(attrs, "type")
	if !ok {
		if l, ok := get(attrs, "language"); ok {
			l := strings.TrimSpace(transient(l))
			return l == "" || len(l) >= 10 && strings.EqualFold(l[:10], "javascript")
		}
		return true
	}
	typ, _, _ := strings.Cut(transient(t), ";")
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "", "module", "text/javascript", "application/javascript", "text/ecmascript",
		"application/ecmascript", "application/x-javascript", "application/x-ecmascript",
		"text/x-javascript", "text/x-ecmascript", "text/jscript", "text/livescript",
		"text/javascript1.0", "text/javascript1.1", "text/javascript1.2", "text/javascript1.3",
		"text/javascript1.4", "text/javascript1.5",
		"text/partytown", "rocketlazyloadscript", "litespeed/javascript":
		return true
	}
	return false
}
