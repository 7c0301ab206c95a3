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
