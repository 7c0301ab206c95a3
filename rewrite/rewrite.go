// Package rewrite neutralises tracker elements in an HTML stream. It copies
// the tokenizer's raw bytes through untouched and edits only the start tags of
// elements that load a tracker the visitor has not consented to, so a page is
// never re-serialised and never buffered whole.
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

	"golang.org/x/net/html"

	"github.com/consentgate/consentgate/trackers"
)

// DefaultMaxToken bounds the bytes held for one token (a tag or a run of
// text). Larger tokens are passed through in pieces, so memory per response
// stays bounded whatever the page.
const DefaultMaxToken = 1 << 20

// Options configure a Rewriter.
type Options struct {
	Catalogue *trackers.Catalogue
	// Allowed reports whether the visitor has consented to a category;
	// elements of allowed categories pass untouched. Nil allows nothing.
	Allowed func(trackers.Category) bool
	// HeadInject is written right after the <head> start tag (or before the
	// first element that implies one), before any page script can run.
	HeadInject []byte
	// BodyInject returns what to write before the first </body>, or at the
	// end; lang is the <html lang> attribute, so the banner can match the
	// page's language.
	BodyInject func(lang string) []byte
	// Decode, when set, wraps the incoming byte stream (content decoding).
	Decode func(io.Reader) (io.Reader, error)
	// MaxToken overrides DefaultMaxToken.
	MaxToken int
	// OnNeutralise is called once per element made inert.
	OnNeutralise func(v *trackers.Vendor)
	// Placeholder, when set, returns the document shown in a held-back
	// <iframe> instead of its content (src is the frame's URL, lang the
	// page's <html lang>): it becomes
	// the frame's srcdoc, so the placeholder keeps the frame's place and
	// size whatever the page's CSS, and the frame is marked
	// data-consent-ph. A frame's own srcdoc moves to data-consent-srcdoc.
	Placeholder func(v *trackers.Vendor, src, lang string) []byte
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

	headDone, bodyDone bool
	held               []byte   // a <script> start tag awaiting its text
	rawCtx             string   // the raw-text element whose text comes next
	lang               string   // the <html lang> attribute
	attrs              []attr   // scanTag's buffer, reused for every tag
	tags               [][2]int // plainTags' buffer
}

var errAborted = errors.New("rewrite: aborted")

// New returns a Rewriter writing to dst.
func New(dst io.Writer, opts Options) *Rewriter {
	if opts.MaxToken <= 0 {
		opts.MaxToken = DefaultMaxToken
	}
	if opts.Allowed == nil {
		opts.Allowed = func(trackers.Category) bool { return false }
	}
	out := outPool.Get().(*bufio.Writer)
	out.Reset(dst)
	r := &Rewriter{opts: opts, out: out}
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
	if err := r.out.Flush(); err != nil {
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
	return r.out.Flush()
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
}

// chunkSource is the tokenizer's io.Reader: it hands over the current chunk
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

func (r *Rewriter) run(yield func(struct{}) bool) {
	var src io.Reader = &chunkSource{r: r, yield: yield}
	if r.opts.Decode != nil {
		d, err := r.opts.Decode(src)
		if err != nil {
			r.err = err
			return
		}
		src = d
		if c, ok := d.(io.Closer); ok {
			defer c.Close()
		}
	}
	z := html.NewTokenizer(src)
	for {
		err := r.tokens(z)
		switch {
		case errors.Is(err, html.ErrBufferExceeded):
			if r.rawCtx != "" {
				z = html.NewTokenizerFragment(src, r.rawCtx)
				r.rawCtx = ""
			} else {
				z = html.NewTokenizer(src)
			}
		case err == io.EOF:
			r.injectBody()
			return
		default:
			if err != errAborted {
				r.err = err
			}
			return
		}
	}
}

// tokens runs the tokenizer loop until an error token, copying raw bytes
// through and acting only where a rule fires.
func (r *Rewriter) tokens(z *html.Tokenizer) error {
	z.SetMaxBuf(r.opts.MaxToken)
	for {
		tt := z.Next()
		raw := z.Raw()
		rawCtx := r.rawCtx
		r.rawCtx = ""
		if tt == html.ErrorToken {
			if errors.Is(z.Err(), html.ErrBufferExceeded) {
				// An oversized token: classify a held script by what we
				// have, pass the rest through, and resume in the same
				// raw-text context.
				if r.held != nil {
					r.flushHeld(raw)
				}
				r.rawCtx = rawCtx
			} else if r.held != nil {
				r.flushHeld(nil)
			}
			r.out.Write(raw)
			r.out.Write(z.Buffered())
			return z.Err()
		}
		if r.held != nil {
			if tt == html.TextToken {
				r.flushHeld(raw)
				r.out.Write(raw)
				continue
			}
			r.flushHeld(nil)
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name := tagName(raw[1:])
			r.startTag(name, raw)
			if tt == html.StartTagToken && isRawText(name) {
				r.rawCtx = name
			}
		case html.EndTagToken:
			if tagName(raw[2:]) == "body" {
				r.injectBody()
			}
			r.out.Write(raw)
		case html.TextToken:
			if rawCtx == "noscript" {
				r.fragment(raw)
			} else {
				r.out.Write(raw)
			}
		default:
			r.out.Write(raw)
		}
	}
}

// tagName returns the lower-cased name of the tag whose raw bytes start at
// b, as one of the constant names this package acts on, or "" for any other:
// the tokenizer's TagName allocates for every tag, and most tags are nothing
// to us.
func tagName(b []byte) string {
	var buf [9]byte // len("plaintext")
	n := 0
	for ; n < len(b) && !isSpace(b[n]) && b[n] != '/' && b[n] != '>'; n++ {
		if n == len(buf) {
			return ""
		}
		buf[n] = lower(b[n])
	}
	switch string(buf[:n]) {
	case "html":
		return "html"
	case "head":
		return "head"
	case "body":
		return "body"
	case "script":
		return "script"
	case "noscript":
		return "noscript"
	case "iframe":
		return "iframe"
	case "frame":
		return "frame"
	case "img":
		return "img"
	case "source":
		return "source"
	case "video":
		return "video"
	case "audio":
		return "audio"
	case "embed":
		return "embed"
	case "object":
		return "object"
	case "input":
		return "input"
	case "link":
		return "link"
	case "param":
		return "param"
	case "style":
		return "style"
	case "textarea":
		return "textarea"
	case "title":
		return "title"
	case "xmp":
		return "xmp"
	case "noembed":
		return "noembed"
	case "noframes":
		return "noframes"
	case "plaintext":
		return "plaintext"
	}
	return ""
}

// isRawText reports whether the tokenizer reports an element's content as one
// text token (with scripting on, as browsers parse).
func isRawText(name string) bool {
	switch name {
	case "script", "style", "noscript", "textarea", "title", "iframe", "xmp", "noembed", "noframes", "plaintext":
		return true
	}
	return false
}

func (r *Rewriter) injectBody() {
	if !r.bodyDone && r.opts.BodyInject != nil {
		r.out.Write(r.opts.BodyInject(r.lang))
	}
	r.bodyDone = true
}

func (r *Rewriter) startTag(name string, raw []byte) {
	if name == "html" && !r.headDone {
		_, r.attrs = scanTag(raw, r.attrs)
		if l, ok := get(r.attrs, "lang"); ok {
			r.lang = l.value()
		}
	}
	if !r.headDone && name != "html" {
		r.headDone = true
		if name == "head" {
			r.out.Write(raw)
			r.out.Write(r.opts.HeadInject)
			return
		}
		r.out.Write(r.opts.HeadInject)
	}
	if name != "script" {
		r.element(name, raw)
		return
	}
	// Inline scripts are held until their text shows what they are; only
	// then are their attributes read.
	if !mayHaveURL(raw) {
		r.held = append(r.held[:0], raw...)
		return
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	if !isJavaScript(attrs) {
		r.out.Write(raw)
		return
	}
	if src, srcName := scriptSrc(attrs); srcName != "" {
		v := r.opts.Catalogue.MatchURL(src.value())
		if v == nil || r.opts.Allowed(v.Category) {
			r.out.Write(raw)
			return
		}
		r.writeNeutralised(raw, nameEnd, attrs, v, nil, srcName)
		return
	}
	r.held = append(r.held[:0], raw...)
}

// scriptSrcAttrs are where a script's URL can be: src, or where page-speed
// plugins (WP Rocket, LiteSpeed) park it until their loader runs the script.
var scriptSrcAttrs = []string{"src", "data-rocket-src", "data-src", "data-lazy-src"}

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
// slashes (URL parsers drop them). Anything else is passed on unparsed.
func mayHaveURL(raw []byte) bool {
	return bytes.Contains(raw, dslash) || bytes.ContainsAny(raw, "&\\\t\n\r")
}

var dslash = []byte("//")

// urlAttrs lists, per element, the attributes whose URL makes the browser
// fetch something (lazy-loading variants included, as loader scripts turn
// them into real ones).
var urlAttrs = map[string][]string{
	"iframe": {"src", "data-src", "data-lazy-src"},
	"frame":  {"src"},
	"img":    {"src", "srcset", "data-src", "data-srcset", "data-lazy-src"},
	"source": {"src", "srcset", "data-src", "data-srcset"},
	"video":  {"src", "poster"},
	"audio":  {"src"},
	"embed":  {"src"},
	"object": {"data"},
	"input":  {"src"},
	"link":   {"href"},
	"param":  {"value"}, // <param name=movie value=...>, Flash-era video
}

// hintRels are <link> relations that only warm a connection or cache; to a
// tracker host they are dropped outright.
var hintRels = []string{"preconnect", "dns-prefetch", "preload", "prefetch", "prerender", "modulepreload"}

// fetchRels are the other <link> relations a browser fetches; the rest
// (me, author, alternate, canonical...) are links and stay as they are.
var fetchRels = []string{"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed", "manifest", "import", "mask-icon"}

// element applies the URL rules to a non-script start tag.
func (r *Rewriter) element(name string, raw []byte) {
	if name == "" { // most tags: tagName knows only those that matter
		r.out.Write(raw)
		return
	}
	names, ok := urlAttrs[name]
	if !ok || !mayHaveURL(raw) {
		r.out.Write(raw)
		return
	}
	nameEnd, attrs := scanTag(raw, r.attrs)
	r.attrs = attrs
	var vendor *trackers.Vendor
	var hits [5]string // the attributes to rename; "" for none
	for i, n := range names {
		a, ok := get(attrs, n)
		if !ok || !mayHaveURL(a.val) {
			continue
		}
		u := a.value()
		if strings.HasSuffix(n, "srcset") {
			u, _, _ = strings.Cut(strings.TrimSpace(u), " ")
		}
		if v := r.opts.Catalogue.MatchURL(u); v != nil && !r.opts.Allowed(v.Category) {
			if vendor == nil {
				vendor = v
			}
			hits[i] = n
		}
	}
	if vendor == nil {
		r.out.Write(raw)
		return
	}
	if name == "link" {
		rel, _ := get(attrs, "rel")
		fetches := false
		for _, t := range strings.Fields(strings.ToLower(rel.value())) {
			if slices.Contains(hintRels, t) {
				r.neutralised(vendor)
				return // dropped: a hint is worth nothing without consent
			}
			fetches = fetches || slices.Contains(fetchRels, t)
		}
		if !fetches {
			r.out.Write(raw)
			return
		}
	}
	var extra []byte
	rename := hits[:]
	if name == "iframe" && r.opts.Placeholder != nil {
		var src string
		for _, n := range hits {
			if a, ok := get(attrs, n); ok && n != "" {
				src = a.value()
				break
			}
		}
		extra = r.srcdoc(r.opts.Placeholder(vendor, src, r.lang))
		if _, ok := get(attrs, "srcdoc"); ok {
			rename = append(rename, "srcdoc")
		}
	}
	r.writeNeutralised(raw, nameEnd, attrs, vendor, extra, rename...)
}

// srcdoc renders a placeholder document as the attributes of its frame.
func (r *Rewriter) srcdoc(doc []byte) []byte {
	var b bytes.Buffer
	w := bufio.NewWriterSize(&b, len(doc)+len(doc)/8+32)
	w.WriteString(` data-consent-ph srcdoc="`)
	writeAttrValue(w, string(doc))
	w.WriteByte('"')
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
		r.element(tagName(text[t[0]+1:]), text[t[0]:t[1]])
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
			end := tagEnd(text, i+1)
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
			if i = tagEnd(text, i+2); i < 0 {
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

// tagEnd returns the offset just past the '>' that ends the tag whose name
// starts at b[i], or -1 if the tag is incomplete. It follows html.Tokenizer's
// readTag: attribute names, quoted and unquoted values, stray '/'.
func tagEnd(b []byte, i int) int {
	for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return -1
		}
		if b[i] == '>' {
			return i + 1
		}
		for k := i; i < len(b); i++ { // the attribute name; it may start with '='
			if c := b[i]; isSpace(c) || c == '/' || c == '>' || c == '=' && i > k {
				break
			}
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return -1
		}
		if b[i] == '/' {
			i++
			continue
		}
		if b[i] != '=' {
			continue
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch q := b[i]; q {
		case '>':
		case '"', '\'':
			e := bytes.IndexByte(b[i+1:], q)
			if e < 0 {
				return -1
			}
			i += e + 2
		default:
			for i < len(b) && !isSpace(b[i]) && b[i] != '>' {
				i++
			}
		}
	}
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
	z := html.NewTokenizer(bytes.NewReader(text))
	nested := false // the text that follows is a nested <noscript>'s
	for {
		tt := z.Next()
		raw := z.Raw()
		wasNested := nested
		nested = false
		switch tt {
		case html.ErrorToken:
			r.out.Write(raw)
			return
		case html.TextToken:
			if wasNested {
				r.fragment(raw)
			} else {
				r.out.Write(raw)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			switch name := tagName(raw[1:]); name {
			case "script":
				r.out.Write(raw) // scripts in noscript never run
			case "noscript":
				r.out.Write(raw)
				nested = tt == html.StartTagToken
			default:
				r.element(name, raw)
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
// re-activation.
func (r *Rewriter) writeNeutralised(raw []byte, nameEnd int, attrs []attr, v *trackers.Vendor, extra []byte, rename ...string) {
	r.neutralised(v)
	w := r.out
	w.Write(raw[:nameEnd])
	if tagName(raw[1:]) == "script" {
		w.WriteString(` type="text/plain"`)
		if t, ok := get(attrs, "type"); ok {
			w.WriteString(` data-consent-type="`)
			writeAttrValue(w, t.value())
			w.WriteByte('"')
		}
	}
	w.WriteString(` data-consent="`)
	w.WriteString(string(v.Category))
	w.WriteString(`" data-consent-vendor="`)
	writeAttrValue(w, v.ID)
	w.WriteByte('"')
	w.Write(extra)
	pos := nameEnd
	for _, a := range attrs {
		if !slices.ContainsFunc(rename, func(n string) bool { return n != "" && a.is(n) }) {
			continue
		}
		w.Write(raw[pos:a.nameStart])
		w.WriteString("data-consent-")
		for _, c := range a.name {
			w.WriteByte(lower(c))
		}
		pos = a.nameEnd
	}
	w.Write(raw[pos:])
}

func (r *Rewriter) neutralised(v *trackers.Vendor) {
	if r.opts.OnNeutralise != nil {
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
			l := strings.TrimSpace(l.value())
			return l == "" || len(l) >= 10 && strings.EqualFold(l[:10], "javascript")
		}
		return true
	}
	typ, _, _ := strings.Cut(t.value(), ";")
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
