package caddymodule

import (
	"bytes"
	"context"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/rewrite"
	"github.com/consentgate/consentgate/trackers"
)

// TestSrcdocIsThePlaceholderEscaped: a held-back frame's srcdoc, cached
// escaped with its holes escaped as they are filled in, is byte for byte
// what escaping the filled-in placeholder for each frame gave, for return
// paths, nonces and text with markup characters and Welsh in them.
func TestSrcdocIsThePlaceholderEscaped(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{SiteName: `Llanwern "County" <Council> & Co`, SiteNameCy: "Cyngor Sir Llanwern", Secret: "a test secret of 16+ bytes",
		Text: map[string]map[string]string{"en": {"placeholderText": `{provider} & "<b>" ŵyn`}}}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	defer h.Cleanup()
	var youtube *trackers.Vendor
	for _, v := range h.rewriting.Vendors() {
		if v.ID == "youtube" {
			youtube = v
		}
	}
	returns := []string{"/", `/a"b<c>'d&e`, "/gwasanaethau/ŵyn-a-defaid?ardal=Llanfair&q=\"<>'", "/caf\xffé"}
	nonces := []string{"", "rAnd0m+/nonce=", `n"&<>'ŷ`}
	visitors := []consent.Visitor{{}, {Decided: true, Decision: consent.Decision{ID: "abc&<>\"ŵ", Granted: []trackers.Category{trackers.Analytics}}}}
	for _, locale := range banner.Locales {
		for _, v := range visitors {
			for _, ret := range returns {
				for _, nonce := range nonces {
					p := h.page(v, locale, ret)
					p.StyleNonce = nonce
					e := banner.Embed{Page: p, Provider: youtube.Name, Category: p.Categories[1],
						Link: banner.ProviderLink("https://www.youtube.com/embed/dQw4w9WgXcQ?x=" + ret)}
					want := rewrite.EscapeSrcdoc(h.rendered.Placeholder(e))
					for range 2 { // compiled, then from the cache
						if got := h.rendered.AppendSrcdoc([]byte("kept:"), e); !bytes.Equal(got, append([]byte("kept:"), want...)) {
							t.Fatalf("%s, return %q, nonce %q:\n got: %s\nwant: %s", locale, ret, nonce, got, want)
						}
					}
				}
			}
		}
	}
}
