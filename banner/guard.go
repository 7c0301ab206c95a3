package banner

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io/fs"
	"strings"
)

// guardSource is guard.js as served (see strip), without the final newline.
var guardSource = func() string {
	b, err := fs.ReadFile(Assets, "guard.js")
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}()

// guardText is the exact text of the guard's inline <script>, with the
// configuration filled in. For XHTML it is wrapped in a CDATA section
// behind line comments, so that HTML and XML parsers both run it.
func guardText(p Page) string {
	// Outside its strings JSON has no '<' or '>'; inside them an escape
	// means the same, so no HTML end tag, comment or CDATA end can appear.
	cfg := strings.NewReplacer("<", `\u003c`, ">", `\u003e`).Replace(p.Guard)
	js := strings.Replace(guardSource, "__CG_CONFIG__", cfg, 1)
	if p.XML {
		return "//<![CDATA[\n" + js + "\n//]]>"
	}
	return js
}

// GuardScript is the guard's inline script text for the head template.
func (p Page) GuardScript() template.JS { return template.JS(guardText(p)) }

// GuardHash returns the base64 SHA-256 of the guard's inline script as the
// browser hashes it (for XHTML, the text without the CDATA markers), for a
// CSP source 'sha256-<hash>' when the page's policy has neither a nonce nor
// 'unsafe-inline'. It is "" when p sends no guard.
func GuardHash(p Page) string {
	if p.Guard == "" {
		return ""
	}
	text := guardText(p)
	if p.XML {
		text = strings.Replace(strings.Replace(text, "<![CDATA[", "", 1), "]]>", "", 1)
	}
	sum := sha256.Sum256([]byte(text))
	return base64.StdEncoding.EncodeToString(sum[:])
}
