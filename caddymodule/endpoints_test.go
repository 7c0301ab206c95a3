package caddymodule

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
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
