package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/consentgate/consentgate/consentlog"
)

// The banner text page answers "what exactly did this person agree to":
// each record names the text its visitor was shown by hash, and the store
// keeps every version of the text under that hash.

type bannerTextData struct {
	consentlog.BannerText
	First    string
	Strings  []consentlog.BannerString // nil: the text is not an object of strings, shown as it is
	Download string
}

// bannerHash normalises a hash a DPO may have copied by hand and checks it
// is the hex SHA-256 that records carry.
func bannerHash(raw string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(raw))
	if h == "" {
		return "", badInput("Give the hash of the banner text to show, as a record's “Text shown” links to it.")
	}
	if !consentlog.IsBannerHash(h) {
		return "", badInput(fmt.Sprintf("“%s” is not a banner text hash: a hash is 64 letters a–f and digits.", raw))
	}
	return h, nil
}

func (h *handler) bannerText(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	hash, err := bannerHash(q.Get("hash"))
	if err != nil {
		h.bad(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" {
		h.bad(w, r, badInput(fmt.Sprintf("“%s” is not a format for the banner text: leave it out for the page, or choose json.", format)))
		return
	}
	if err := h.audit(r.Context(), r, "banner_text", "", consentlog.AuditDetail("hash", hash, "format", format)); err != nil {
		h.unavailable(w, r, "banner_text", err)
		return
	}
	t, ok, err := h.store.BannerText(r.Context(), hash)
	if err != nil {
		h.unavailable(w, r, "banner_text", err)
		return
	}
	if !ok {
		h.fail(w, r, http.StatusNotFound, "No banner text kept for this hash",
			"No banner text is kept under hash “"+hash+"”. Texts are kept from the version of consentgate that started keeping them; records from before it name a text that was never stored.")
		return
	}
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="banner-text-`+hash[:12]+`.json"`)
		_, _ = w.Write([]byte(t.Text))
		return
	}
	d := bannerTextData{BannerText: t, First: t.First.UTC().Format(isoTime), Download: h.link("/banner-text", "hash", hash, "format", "json")}
	d.Strings, _ = t.Strings()
	h.render(w, r, http.StatusOK, "bannertext", view{Title: "Banner text shown to visitors", Nav: "search", Data: d})
}
