// Package rewrite neutralises tracker elements in an HTML stream. It copies
// the lexer's raw bytes through untouched and edits only the start tags of
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
//
// The files, by concern: lexer.go splits the stream into tokens and knows
// nothing of trackers; tags.go lists the elements rules act on; this file
// runs the token loop and the head and body insertions; element.go,
// script.go, amp.go, nested.go (noscript and srcdoc documents), fill.go
// (the cookie table) and openlink.go are the rules; stream.go and
// oversize.go are the streaming plumbing; wire.go names what banner.js reads.
package rewrite

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
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
	// HeadInject appends to dst what is written once, early in the head:
	// after a prologue, doctype, <meta> (charset, http-equiv and the rest),
	// <title> and <base>, before the first script, stylesheet or any other
	// element or text, so it runs before page scripts and <meta charset>
	// stays where it was. dst is the free end of the output buffer, so an
	// insertion that fits costs no allocation. Nil: insert nothing in the
	// head (fragments, SVG).
	HeadInject func(dst []byte, p Page) []byte
	// BodyInject appends what is written once, before the first </body>
	// end tag or at the end. Nil: no banner (fragments, framed
	// sub-documents, SVG).
	BodyInject func(dst []byte, p Page) []byte
	// FrameInject is the head insertion for documents nested in the page
	// (the site's own <iframe srcdoc>): the run-time guard, no banner. Nil:
	// none.
	FrameInject func(dst []byte, p Page) []byte
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
	// Placeholder, when set, appends to dst the document shown in a
	// held-back <iframe> instead of its content (src is the frame's URL,
	// lang the page's <html lang>), escaped by EscapeSrcdoc: it becomes the
	// frame's srcdoc as it is, so a caller can cache it escaped. dst is the
	// rewriter's, reused for every frame, and src is valid only during the
	// call (it may share the page's memory): a page of many frames costs no
	// allocation per frame. The placeholder keeps the frame's place and size
	// whatever the page's CSS, and the frame is marked data-consent-ph. A
	// frame's own srcdoc moves to data-consent-srcdoc.
	Placeholder func(dst []byte, v *trackers.Vendor, src, lang string) []byte
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
// the pull-style lexer with a coroutine (iter.Pull), not a goroutine.
type Rewriter struct {
	opts Options
	out  *bufio.Writer // over dst
	dst  stickyWriter

	next func() (struct{}, bool)
	stop func()
	in   []byte // the chunk being consumed by the lexer
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
	scan               scanner       // the streaming continuation's state
	scratch            []byte        // view's decoding buffer
	phBuf              []byte        // the placeholder of the frame being written, reused for the next
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
	r := &Rewriter{opts: opts, dst: stickyWriter{w: dst}, allAllowed: true}
	r.out = outPool.Get().(*bufio.Writer)
	r.out.Reset(&r.dst)
	r.page.XML = opts.XML
	for _, c := range trackers.Optional {
		r.allAllowed = r.allAllowed && opts.Allowed(c)
	}
	r.next, r.stop = iter.Pull(r.run)
	return r
}

// outPool recycles output buffers between responses: small pages would
// otherwise spend more on allocating one than on rewriting. 16 KiB, four
// times the lexer's buffer, so that the lexer's flushes reach the
// connection in writes of that size: with 4 KiB Caddy made a write system
// call for each, a fifth of its time under load.
var outPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

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
// is markup although the lexer would read it as raw text: foreign content
// (the lexer knows XML's rules itself).
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
		r.insert(r.opts.HeadInject)
	}
	r.headDone = true
}

func (r *Rewriter) injectBody() {
	r.sniff(false) // an empty body is no page
	r.injectHead()
	if !r.bodyDone && r.opts.BodyInject != nil {
		r.insert(r.opts.BodyInject)
	}
	r.bodyDone = true
}

// insert writes what f appends, built in the output buffer's free end. The
// banner's insertions are a few KB (the head's guard about 12): with less
// room than insertRoom, the buffer is flushed first so that they fit.
func (r *Rewriter) insert(f func([]byte, Page) []byte) {
	if r.out.Available() < insertRoom {
		r.out.Flush()
	}
	r.out.Write(f(r.out.AvailableBuffer(), r.page))
}

// insertRoom is the free space insert makes in the output buffer.
const insertRoom = 12 << 10
