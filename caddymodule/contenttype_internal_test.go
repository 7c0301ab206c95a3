package caddymodule

import (
	"mime"
	"testing"
)

// TestSimpleContentType: the fast path reads every value it takes exactly
// as mime.ParseMediaType does, and leaves every value with more to it to
// that.
func TestSimpleContentType(t *testing.T) {
	for _, v := range []string{
		"text/html", "text/html; charset=utf-8", "TEXT/HTML;CHARSET=UTF-8", " text/html ;\tcharset = ISO-8859-1 ", "application/xhtml+xml",
		"text/html;", "text/html; charset=", `text/html; charset="utf-8"`, "text/html; charset=utf-8; x=y", "text/html; q=1",
		"text", "/html", "text/", "text/html/x", "text/html x", "text/h\u00e9ml", "text/html;\vcharset=utf-8", "text/html; charset=utf-8;",
		"text/html; charset=utf 8", "*/*", "", " ",
	} {
		mt, cs, hasCS := simpleContentType(v)
		if mt == "" {
			continue
		}
		wantMT, params, err := mime.ParseMediaType(v)
		wantCS, wantHas := params["charset"]
		if err != nil || mt != wantMT || cs != wantCS || hasCS != wantHas || len(params) > 1 {
			t.Errorf("%q: got %q %q %v, mime reads %q %v (err %v)", v, mt, cs, hasCS, wantMT, params, err)
		}
	}
	for v, want := range map[string]string{"text/html; charset=utf-8": "text/html", "TEXT/HTML;CHARSET=UTF-8": "text/html", `text/html; charset="utf-8"`: ""} {
		if mt, _, _ := simpleContentType(v); mt != want {
			t.Errorf("%q: fast path gives %q, want %q", v, mt, want)
		}
	}
}
