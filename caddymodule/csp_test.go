package caddymodule

import (
	"net/http"
	"testing"
)

func TestCSPNonces(t *testing.T) {
	for _, tc := range []struct {
		policies      []string
		script, style string
	}{
		{nil, "", ""},
		{[]string{"default-src 'self'"}, "", ""},
		{[]string{"script-src 'nonce-abc123' 'strict-dynamic'; object-src 'none'"}, "abc123", ""},
		{[]string{"default-src 'self' 'nonce-d3f'"}, "d3f", "d3f"},
		{[]string{"default-src 'nonce-d'; script-src 'self'"}, "", "d"},
		{[]string{"script-src-elem 'nonce-e'; script-src 'nonce-s'; style-src 'nonce-st'"}, "e", "st"},
		{[]string{"img-src *", "script-src 'nonce-second'"}, "second", ""},
		{[]string{"SCRIPT-SRC 'nonce-Up+/='"}, "Up+/=", ""},
	} {
		h := http.Header{}
		for _, p := range tc.policies {
			h.Add("Content-Security-Policy", p)
		}
		s, st := cspNonces(h)
		if s != tc.script || st != tc.style {
			t.Errorf("%q: nonces (%q, %q), want (%q, %q)", tc.policies, s, st, tc.script, tc.style)
		}
	}
}

func TestAllowInlineHash(t *testing.T) {
	const h = "'sha256-abc='"
	for _, tc := range []struct{ in, want string }{
		{"img-src *", "img-src *"},
		{"script-src 'self'", "script-src 'self' " + h},
		{"default-src 'self'; img-src *", "default-src 'self' " + h + "; img-src *"},
		{"script-src 'nonce-n' 'strict-dynamic'", "script-src 'nonce-n' 'strict-dynamic'"},
		{"script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-inline'"},
		{"script-src 'unsafe-inline' 'sha256-other='", "script-src 'unsafe-inline' 'sha256-other=' " + h},
		{"script-src-elem 'self'; script-src 'unsafe-inline'", "script-src-elem 'self' " + h + "; script-src 'unsafe-inline'"},
		{"default-src 'none'; script-src 'unsafe-inline'", "default-src 'none'; script-src 'unsafe-inline'"},
	} {
		hdr := http.Header{}
		hdr.Add("Content-Security-Policy", tc.in)
		hdr.Add("Content-Security-Policy-Report-Only", tc.in)
		allowInlineHash(hdr, h)
		for _, name := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
			if got := hdr.Get(name); got != tc.want {
				t.Errorf("%s %q → %q, want %q", name, tc.in, got, tc.want)
			}
		}
	}
}
