package caddymodule

import (
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookiepolicy"
	"github.com/consentgate/consentgate/cookietable"
)

// cookieTableCSP is the cookie table page's Content-Security-Policy: the
// page is one document with one inline style and links, and runs nothing.
var cookieTableCSP = "default-src 'none'; style-src " + cookietable.StyleHash + "; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// serveCookieTable is the cookie table as a page, JSON or CSV, in the
// language ?lang= asks for.
func (h *Handler) serveCookieTable(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lang := h.locale("", q.Get("lang"))
	self := r.URL.Path
	if lang == "cy" {
		self += "?lang=cy"
	}
	p := h.cookieTable(h.visitorOf(r), lang, self)
	names := p.CategoryNames()
	switch q.Get("format") {
	case "json":
		w.Header().Set("Content-Type", "application/json")
		return cookietable.WriteJSON(w, cookietable.Records(p.Rows, lang, names))
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="cookies-`+lang+`.csv"`)
		return cookietable.WriteCSV(w, cookietable.Records(p.Rows, lang, names))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", cookieTableCSP)
	w.Header().Set("Cache-Control", "no-store") // it shows the visitor's consent ID
	return cookietable.WriteHTML(w, p)
}

// cookieTableFill is the table in a page of the site's own, in place of the
// children of its data-consent-cookie-table element
// (rewrite.Options.CookieTable); returnTo is that page. It is rendered for
// each response that has the marker, which only a privacy page has: a
// rarely visited page, and the table shows the visitor's own choice. The
// rewritten response is already private and varies by the consent cookie.
func (h *Handler) cookieTableFill(v consent.Visitor, lang, returnTo string) []byte {
	b, err := cookietable.Fragment(h.cookieTable(v, lang, consent.SafeReturn(returnTo)))
	if err != nil { // the templates are tested: a bug, and the fallback is gone
		h.logger.Error("cookie_consent: rendering the cookie table for a page", zap.Error(err))
	}
	return b
}

// cookieTable is the table for visitor v in lang, its settings link
// returning to returnTo.
func (h *Handler) cookieTable(v consent.Visitor, lang, returnTo string) cookietable.Page {
	d := h.declaration()
	rows := h.cookies.Table(cookiepolicy.TableInput{Site: h.siteName(lang), Consent: h.policy, Details: h.cookieDetails(),
		Seen: d.listed, Undescribed: d.undescribed})
	t := h.texts[lang]
	cats := map[string]cookietable.CategoryText{}
	for id, c := range t.Categories {
		cats[id] = cookietable.CategoryText{Name: c.Name, Desc: c.Desc}
	}
	objects := v.Objects() // before the expired choice goes: its objection stands
	if !v.Decided {
		v.Decision = consent.Decision{} // as the banner does: an expired choice's ID is not shown
	}
	return cookietable.Page{
		Lang: lang, Site: h.siteName(lang), SiteSoft: h.siteNameAfter(lang), Prefix: Prefix, Rows: rows, ReturnTo: returnTo,
		Text: h.Text[lang], Category: cats, IDLabel: t.ConsentID, NoChoice: t.NoChoice,
		ConsentID: v.Decision.ID, Decided: v.Decided, Granted: v.Decision.Granted, Changed: h.tableChanged(),
		Statistics: v.Statistics, Objected: objects, GPC: v.GPC,
	}
}

// bannerText is the site's text overrides for locale without those of the
// cookie table's own wording (cookietable.Wording), which the table
// applies. A Welsh title gets the site's Welsh name mutated after "ar",
// unless the site words the title itself.
func (h *Handler) bannerText(locale string) map[string]string {
	overrides := h.Text[locale]
	out := make(map[string]string, len(overrides)+1)
	for k, v := range overrides {
		if _, table := cookietable.Wording[locale][k]; !table {
			out[k] = v
		}
	}
	if _, own := out["title"]; !own && h.siteNameAfter(locale) != h.siteName(locale) {
		if t, err := banner.LoadText(locale, nil); err == nil {
			out["title"] = strings.ReplaceAll(t.Title, "{site}", h.siteNameAfter(locale))
		}
	}
	return out
}

// cookieDetails is what the config says of each declared cookie, for the
// table. Validate has checked every expiry parses.
func (h *Handler) cookieDetails() map[string]cookiepolicy.Details {
	out := make(map[string]cookiepolicy.Details, len(h.Cookies))
	for _, c := range h.Cookies {
		d := cookiepolicy.Details{
			Provider:      c.Provider,
			Purpose:       cookietable.Text{En: c.Purpose, Cy: c.PurposeCy},
			Content:       cookietable.Text{En: c.Content, Cy: c.ContentCy},
			Justification: cookietable.Text{En: c.Justification, Cy: c.JustificationCy},
		}
		if e, err := cookietable.ParseExpiry(c.Expires); c.Expires != "" && err == nil {
			d.Expiry = &e
		}
		out[c.Name] = d
	}
	return out
}
