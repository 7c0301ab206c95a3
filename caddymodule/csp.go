package caddymodule

import (
	"net/http"
	"strings"
)

// cspNonces returns the nonces a page's Content-Security-Policy allows for
// scripts and for styles, so the injected banner carries them: a page with a
// strict, nonce-based policy would otherwise block it. The page's policy is
// never changed (adding a nonce to it would disable its own inline code).
func cspNonces(hdr http.Header) (script, style string) {
	for _, policy := range hdr.Values("Content-Security-Policy") {
		dirs := map[string]string{}
		for d := range strings.SplitSeq(policy, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			name = strings.ToLower(name)
			if _, seen := dirs[name]; !seen && name != "" {
				dirs[name] = value
			}
		}
		if n := nonceIn(dirs, "script-src-elem", "script-src", "default-src"); n != "" && script == "" {
			script = n
		}
		if n := nonceIn(dirs, "style-src-elem", "style-src", "default-src"); n != "" && style == "" {
			style = n
		}
	}
	return script, style
}

// nonceIn finds the nonce in the first of names the policy has: the
// directive that governs the element, as CSP falls back.
func nonceIn(dirs map[string]string, names ...string) string {
	for _, name := range names {
		v, ok := dirs[name]
		if !ok {
			continue
		}
		for src := range strings.FieldsSeq(v) {
			if n, ok := strings.CutPrefix(src, "'nonce-"); ok && strings.HasSuffix(n, "'") {
				return strings.TrimSuffix(n, "'")
			}
		}
		return ""
	}
	return ""
}
