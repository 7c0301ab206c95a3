package caddymodule

import (
	"net/http"
	"slices"
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
	if len(pageLang) >= 2 && strings.EqualFold(pageLang[:2], "cy") && (len(pageLang) == 2 || pageLang[2] == '-') {
		return "cy"
	}
	return "en"
}

// page builds the banner's view of a visitor.
func (h *Handler) page(v consent.Visitor, locale, returnTo string) banner.Page {
	p := banner.Page{
		Locale: locale, Text: h.texts[locale], Site: h.siteName(locale), Prefix: Prefix,
		CookieTable: h.CookieTablePath, ReturnTo: returnTo,
		Decided: v.Decided, ConsentID: v.Decision.ID, GPC: v.GPC, Report: h.reportShare(),
		Categories: h.bannerCats[locale][grantMask(v)],
	}
	if !v.Decided {
		p.ConsentID = ""
	}
	if e := h.StatisticsException; e != nil {
		p.NoticeOnly, p.Noticed = e.NoticeOnly, v.Decision.Noticed
	}
	if !v.GrantsAll() {
		p.Guard = h.guardConfig
	}
	return p
}

// grantMask has bit i set when trackers.Optional[i] runs for v.
func grantMask(v consent.Visitor) int {
	m := 0
	for i, c := range trackers.Optional {
		if v.Allows(c) {
			m |= 1 << i
		}
	}
	return m
}

// newBannerCategories is every row set of the settings layer, by locale and
// grant mask: the banner's categories differ only by those, so a page view
// builds none. Where statistics run under the exception, they have the last
// row: on unless the visitor objects.
func (h *Handler) newBannerCategories() map[string][][]banner.Category {
	out := map[string][][]banner.Category{}
	cats := trackers.Categories
	if h.StatisticsException != nil {
		cats = trackers.Optional
	}
	for locale, t := range h.texts {
		byMask := make([][]banner.Category, 1<<len(trackers.Optional))
		for m := range byMask {
			for i, c := range cats {
				ct := t.Categories[string(c)]
				byMask[m] = append(byMask[m], banner.Category{
					ID: string(c), Name: ct.Name, Desc: ct.Desc, Providers: h.providers[c], Checked: m&(1<<i) != 0,
				})
			}
		}
		out[locale] = byMask
	}
	return out
}

// allowedBy is rewrite.Options.Allowed for each grant mask, so a response
// makes no closure for it.
var allowedBy = func() []func(trackers.Category) bool {
	out := make([]func(trackers.Category) bool, 1<<len(trackers.Optional))
	for m := range out {
		out[m] = func(c trackers.Category) bool {
			i := slices.Index(trackers.Optional, c)
			return c == trackers.Necessary || i >= 0 && m&(1<<i) != 0
		}
	}
	return out
}()

// allowing is v.Allows, shared by every visitor who granted the same: a
// choice naming a category outside trackers.Categories keeps its own.
func allowing(v consent.Visitor) func(trackers.Category) bool {
	for _, c := range v.Decision.Granted {
		if c != trackers.Necessary && !slices.Contains(trackers.Categories, c) {
			return v.Allows
		}
	}
	return allowedBy[grantMask(v)]
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
