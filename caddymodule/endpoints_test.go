package caddymodule

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/trackers"
)

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tls     bool
		trusted bool // the connection is from a trusted proxy
		hdr     map[string]string
		ok      bool
	}{
		{"origin", false, false, map[string]string{"Origin": "http://site.example"}, true},
		{"origin upper case", false, false, map[string]string{"Origin": "HTTP://SITE.EXAMPLE"}, true},
		{"origin default port", false, false, map[string]string{"Origin": "http://site.example:80"}, true},
		{"origin https over tls", true, false, map[string]string{"Origin": "https://site.example"}, true},
		{"origin other host", false, false, map[string]string{"Origin": "http://evil.example"}, false},
		{"origin suffix host", false, false, map[string]string{"Origin": "http://site.example.evil"}, false},
		{"origin other port", false, false, map[string]string{"Origin": "http://site.example:8080"}, false},
		{"origin https for http site", false, false, map[string]string{"Origin": "https://site.example"}, false},
		{"origin http for https site", true, false, map[string]string{"Origin": "http://site.example"}, false},
		{"origin userinfo", false, false, map[string]string{"Origin": "http://evil@site.example"}, false},
		{"origin user and password", false, false, map[string]string{"Origin": "http://a:b@site.example"}, false},
		{"origin path", false, false, map[string]string{"Origin": "http://site.example/x"}, false},
		{"origin trailing slash", false, false, map[string]string{"Origin": "http://site.example/"}, false},
		{"origin query", false, false, map[string]string{"Origin": "http://site.example?x"}, false},
		{"origin fragment", false, false, map[string]string{"Origin": "http://site.example#x"}, false},
		{"origin null", false, false, map[string]string{"Origin": "null"}, false},
		{"origin empty", false, false, map[string]string{"Origin": ""}, false},
		{"origin opaque", false, false, map[string]string{"Origin": "http:site.example"}, false},
		{"origin javascript", false, false, map[string]string{"Origin": "javascript://site.example"}, false},
		{"origin wins over referer", false, false, map[string]string{"Origin": "http://evil.example", "Referer": "http://site.example/"}, false},
		{"proxy says https, trusted", false, true, map[string]string{"Origin": "https://site.example", "X-Forwarded-Proto": "https"}, true},
		{"proxy says https, untrusted", false, false, map[string]string{"Origin": "https://site.example", "X-Forwarded-Proto": "https"}, false},
		{"fetch site same-origin", false, false, map[string]string{"Sec-Fetch-Site": "same-origin"}, true},
		{"fetch site cross-site", false, false, map[string]string{"Sec-Fetch-Site": "cross-site", "Referer": "http://site.example/"}, false},
		{"fetch site same-site", false, false, map[string]string{"Sec-Fetch-Site": "same-site"}, false},
		{"fetch site none", false, false, map[string]string{"Sec-Fetch-Site": "none"}, false},
		{"referer", false, false, map[string]string{"Referer": "http://site.example/news?x=1"}, true},
		{"referer other host", false, false, map[string]string{"Referer": "http://evil.example/site.example"}, false},
		{"referer other scheme", false, false, map[string]string{"Referer": "https://site.example/"}, false},
		{"referer userinfo", false, false, map[string]string{"Referer": "http://site.example@evil.example/"}, false},
		{"nothing", false, false, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://site.example/_consent/choice", nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			ctx := context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{caddyhttp.TrustedProxyVarKey: tc.trusted})
			r = r.WithContext(ctx)
			if err := sameOrigin(r); (err == nil) != tc.ok {
				t.Errorf("sameOrigin(%v, tls %v) = %v, want ok %v", tc.hdr, tc.tls, err, tc.ok)
			}
		})
	}
}

func TestSameOriginTwoOriginHeaders(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "http://site.example/_consent/choice", nil)
	r.Header.Add("Origin", "http://site.example")
	r.Header.Add("Origin", "http://evil.example")
	if sameOrigin(r) == nil {
		t.Error("two Origin headers accepted")
	}
}

// choiceHandler is enough of a Handler for parseChoice.
func choiceHandler() *Handler {
	return &Handler{gpcCategories: slices.Clone(trackers.Categories)}
}

var knownMethods = []consentlog.Method{
	consentlog.MethodAcceptAll, consentlog.MethodRejectAll, consentlog.MethodSaveSettings,
	consentlog.MethodPlaceholder, consentlog.MethodGPC, consentlog.MethodNoJSForm,
}

// FuzzParseChoice: whatever form is posted, a choice grants only real
// optional categories and has a method the log knows.
func FuzzParseChoice(f *testing.F) {
	for _, s := range []string{
		"action=accept_all", "action=reject_all", "action=save&category=analytics&category=media",
		"action=allow&category=media", "action=gpc", "action=save&category=necessary",
		"action=allow&category=media&category=social", "action=save&category=%00", "action=&category=",
		"action=accept_all&action=reject_all", "category=analytics", "action=save&category=analytics&category=analytics",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	h := choiceHandler()
	prev := visitor{decided: true, gpc: true, decision: consent.Decision{ID: "x", Granted: []trackers.Category{trackers.Analytics}}}
	f.Fuzz(func(t *testing.T, body string, js, hasPrev bool) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // r.ParseForm refuses it: 400
		}
		v := visitor{}
		if hasPrev {
			v = prev
		}
		c, err := h.parseChoice(form, v, js)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cookie_consent: choice: ") {
				t.Errorf("error %q", err)
			}
			return
		}
		if !slices.Contains(knownMethods, c.method) {
			t.Errorf("%q: method %q", body, c.method)
		}
		for _, g := range c.granted {
			if !g.Valid() {
				t.Errorf("%q: granted %q", body, g)
			}
		}
		if form.Get("action") == "reject_all" && len(c.granted) != 0 {
			t.Errorf("%q: reject_all granted %v", body, c.granted)
		}
		if hasPrev && form.Get("action") == "accept_all" && len(c.granted) != 0 {
			t.Errorf("%q: accept_all under GPC mapping every category granted %v", body, c.granted)
		}
	})
}
