package caddymodule

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// visitor is what the handler knows of the person making a request.
type visitor struct {
	decision consent.Decision // zero ID when there is no valid cookie
	decided  bool             // a current choice: made under this policy version, not expired
	gpc      bool             // Sec-GPC: 1
}

// allows reports whether the visitor has consented to c.
func (v visitor) allows(c trackers.Category) bool {
	return c == trackers.Necessary || v.decided && v.decision.Allows(c)
}

// visitorOf reads the consent cookie. A cookie that is forged, from an older
// policy or expired counts as no choice, but its consent ID is kept so a
// renewed choice continues the same record history.
func (h *Handler) visitorOf(r *http.Request) visitor {
	v := visitor{gpc: r.Header.Get("Sec-GPC") == "1"}
	c, err := r.Cookie(consent.CookieName)
	if err != nil {
		return v
	}
	d, err := h.codec.Decode(c.Value)
	if err != nil {
		return v
	}
	v.decision = d
	v.decided = h.policy.Current(d, time.Now())
	return v
}

// locale picks the banner language from the path, then the page's own lang.
func (h *Handler) locale(path, pageLang string) string {
	for _, p := range h.WelshPaths {
		if strings.HasPrefix(path, p) || path+"/" == p {
			return "cy"
		}
	}
	if l := strings.ToLower(pageLang); l == "cy" || strings.HasPrefix(l, "cy-") {
		return "cy"
	}
	return "en"
}

// page builds the banner's view of a visitor.
func (h *Handler) page(v visitor, locale, returnTo string) banner.Page {
	t := h.texts[locale]
	p := banner.Page{
		Locale: locale, Text: t, Site: h.SiteName, Prefix: Prefix,
		CookieTable: h.CookieTablePath, ReturnTo: returnTo,
		Decided: v.decided, ConsentID: v.decision.ID, GPC: v.gpc,
	}
	if !v.decided {
		p.ConsentID = ""
	}
	if !v.grantsAll() {
		p.Guard = h.guardConfig
	}
	for _, c := range trackers.Categories {
		ct := t.Categories[string(c)]
		p.Categories = append(p.Categories, banner.Category{
			ID: string(c), Name: ct.Name, Desc: ct.Desc,
			Providers: h.providers[c], Checked: v.decided && v.decision.Allows(c),
		})
	}
	return p
}

// safeReturn accepts only a same-origin absolute path, so the forms cannot
// be used to redirect visitors elsewhere, and returns it cleaned: dot
// segments and doubled slashes resolved, no fragment, every byte printable
// ASCII. Anything else, a control byte (%00, CR, LF) or a backslash above
// all, becomes "/": such a value never came from the banner, which posts
// the page's own request URI, and it must not reach Location or the record.
func safeReturn(s string) string {
	if s == "" || s[0] != '/' || len(s) > 2048 || strings.HasPrefix(s, "//") {
		return "/"
	}
	for i := range len(s) {
		if b := s[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	p := path.Clean(u.EscapedPath())
	if strings.HasSuffix(u.Path, "/") && p != "/" {
		p += "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	var b strings.Builder
	for i := range len(p) {
		if c := p[i]; c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
