package caddymodule

import (
	"testing"

	"github.com/consentgate/consentgate/banner"
)

// The cookie table's wording is overridden with the banner's text
// directive: those keys validate, go to the table and not to the banner,
// and unknown keys are still refused.
func TestTableTextOverrides(t *testing.T) {
	for _, lang := range banner.Locales {
		ov := map[string]string{"tableTitle": "x", "acceptAll": "y"}
		h := &Handler{Text: map[string]map[string]string{lang: ov}}
		if err := h.Validate(); err != nil {
			t.Errorf("%s: a table override is refused: %v", lang, err)
		}
		if got := h.bannerText(lang); len(got) != 1 || got["acceptAll"] != "y" {
			t.Errorf("%s: the banner gets %v, want only acceptAll", lang, got)
		}
		h.Text[lang]["noSuchKey"] = "z"
		if err := h.Validate(); err == nil {
			t.Errorf("%s: an unknown text key was accepted", lang)
		}
	}
}
