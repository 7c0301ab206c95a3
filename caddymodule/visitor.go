package caddymodule

import (
	"net/http"
	"strings"
	"time"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// visitorOf reads the visitor's consent cookie and GPC signal.
func (h *Handler) visitorOf(r *http.Request) consent.Visitor {
	var cookie string
	if c, err := r.Cookie(consent.CookieName); err == nil {
		cookie = c.Value
	}
	return consent.ReadVisitor(h.codec, h.consentPolicy(), cookie, r.Header.Get("Sec-GPC") == "1", time.Now())
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
func (h *Handler) page(v consent.Visitor, locale, returnTo string) banner.Page {
	t := h.texts[locale]
	p := banner.Page{
		Locale: locale, Text: t, Site: h.siteName(locale), Prefix: Prefix,
		CookieTable: h.CookieTablePath, ReturnTo: returnTo,
		Decided: v.Decided, ConsentID: v.Decision.ID, GPC: v.GPC, Report: h.reportShare(),
	}
	if !v.Decided {
		p.ConsentID = ""
	}
	if !v.GrantsAll() {
		p.Guard = h.guardConfig
	}
	for _, c := range trackers.Categories {
		ct := t.Categories[string(c)]
		p.Categories = append(p.Categories, banner.Category{
			ID: string(c), Name: ct.Name, Desc: ct.Desc,
			Providers: h.providers[c], Checked: v.Decided && v.Decision.Allows(c),
		})
	}
	return p
}

// defaultCookieReport is the share of consenting visitors' page views whose
// banner reports the names in the browser: enough for a council site to
// find every script's cookie within a day, few enough to cost nothing.
const defaultCookieReport = 0.1

// reportShare is the configured cookie_report share.
func (h *Handler) reportShare() float64 {
	if h.CookieReport == nil {
		return defaultCookieReport
	}
	return *h.CookieReport
}
