package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

func TestFilterLinkHeader(t *testing.T) {
	cat, err := trackers.New(trackers.Builtin, nil)
	if err != nil {
		t.Fatal(err)
	}
	none := func(trackers.Category) bool { return false }
	for _, tc := range []struct {
		name    string
		in      []string
		allowed func(trackers.Category) bool
		want    []string
	}{
		{"no header", nil, none, nil},
		{"first-party only", []string{"</style.css>; rel=preload; as=style"}, none, []string{"</style.css>; rel=preload; as=style"}},
		{"tracker preload dropped, the rest kept in order",
			[]string{`<https://www.googletagmanager.com/gtm.js?id=GTM-X>; rel=preload; as=script, </style.css>; rel=preload; as=style, <https://fonts.example.org>; rel=preconnect`},
			none, []string{"</style.css>; rel=preload; as=style, <https://fonts.example.org>; rel=preconnect"}},
		{"each rel that fetches", []string{
			"<https://www.google-analytics.com>; rel=preconnect",
			"<//connect.facebook.net/en_US/fbevents.js>; rel=modulepreload",
			"<https://static.hotjar.com/c/hotjar-1.js>; rel=\"prefetch\"",
			"<https://www.youtube.com>; rel=dns-prefetch",
			"<HTTPS://Platform.Twitter.com/widgets.js>; rel=PRELOAD; as=script",
		}, none, nil},
		{"a link relation is not a fetch", []string{`<https://www.facebook.com/council>; rel="me"`}, none, []string{`<https://www.facebook.com/council>; rel="me"`}},
		{"imagesrcset candidate", []string{`</hero.png>; rel=preload; as=image; imagesrcset="/hero.png 1x, https://www.facebook.com/tr?id=1 2x"`}, none, nil},
		{"commas inside a URL and a quoted parameter", []string{`</a,b.css>; rel=preload; title="x, y", <https://www.googletagmanager.com/gtag/js?id=G-1>; rel=preload`}, none,
			[]string{`</a,b.css>; rel=preload; title="x, y"`}},
		{"consented category passes", []string{"<https://www.google-analytics.com>; rel=preconnect"},
			func(c trackers.Category) bool { return c == trackers.Analytics }, []string{"<https://www.google-analytics.com>; rel=preconnect"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			for _, v := range tc.in {
				hdr.Add("Link", v)
			}
			filterLinkHeader(hdr, cat, tc.allowed)
			if got := hdr.Values("Link"); !slices.Equal(got, tc.want) {
				t.Errorf("Link = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		hdr  map[string]string
		ct   string
		want docKind
	}{
		{nil, "text/html", kindPage},
		{map[string]string{"Sec-Fetch-Dest": "document"}, "text/html; charset=utf-8", kindPage},
		{map[string]string{"HX-Request": "true"}, "text/html", kindFragment},
		{map[string]string{"Turbo-Frame": "news"}, "text/html", kindFragment},
		{map[string]string{"X-Requested-With": "XMLHttpRequest"}, "text/html", kindFragment},
		{map[string]string{"Sec-Fetch-Dest": "empty"}, "text/html", kindFragment},
		{map[string]string{"Sec-Fetch-Dest": "iframe"}, "text/html", kindFrame},
		{map[string]string{"Sec-Fetch-Dest": "object"}, "application/xhtml+xml", kindFrame},
		{map[string]string{"Sec-Fetch-Dest": "document"}, "image/svg+xml", kindSVG},
		{map[string]string{"HX-Request": "true"}, "image/svg+xml", kindSVG},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if got := kindOf(r, http.Header{"Content-Type": {tc.ct}}); got != tc.want {
			t.Errorf("kindOf(%v, %s) = %d, want %d", tc.hdr, tc.ct, got, tc.want)
		}
	}
}
