package rewrite

import "strings"

// readCSP reads the nonces of a <meta http-equiv="Content-Security-Policy">
// so that what is inserted after it can carry them. The first policy naming
// a nonce wins.
func (r *Rewriter) readCSP(raw []byte) {
	if !containsFold(raw, "content-security-policy") {
		return
	}
	_, r.attrs = scanTag(raw, r.attrs)
	he, _ := get(r.attrs, "http-equiv")
	if !strings.EqualFold(strings.TrimSpace(he.value()), "content-security-policy") {
		return
	}
	c, _ := get(r.attrs, "content")
	script, style := CSPNonces(c.value())
	if r.page.ScriptNonce == "" {
		r.page.ScriptNonce = script
	}
	if r.page.StyleNonce == "" {
		r.page.StyleNonce = style
	}
}

// CSPNonces returns the nonces a Content-Security-Policy accepts for script
// and style elements, each from the directive that governs them: script-src-elem, else
// script-src, else default-src (style likewise). Of duplicate directives the
// first counts, as in browsers.
func CSPNonces(policy string) (script, style string) {
	dirs := map[string]string{} // directive → its first nonce ("" for none)
	for d := range strings.SplitSeq(policy, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := dirs[name]; dup {
			continue
		}
		dirs[name] = ""
		for _, s := range f[1:] {
			if len(s) > len("'nonce-'") && strings.HasPrefix(strings.ToLower(s), "'nonce-") && strings.HasSuffix(s, "'") {
				dirs[name] = s[len("'nonce-") : len(s)-1]
				break
			}
		}
	}
	pick := func(names ...string) string {
		for _, n := range names {
			if v, ok := dirs[n]; ok {
				return v
			}
		}
		return ""
	}
	return pick("script-src-elem", "script-src", "default-src"), pick("style-src-elem", "style-src", "default-src")
}
