package caddymodule_test

// The Caddyfile: the example adapts, errors are clear.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

func TestCaddyfileExampleAdaptsWithoutOrder(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testcaddy.RepoRoot(), "Caddyfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*order\s`).Match(src) {
		t.Fatal("test premise: Caddyfile.example should not need a global order option")
	}
	js, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "Caddyfile.example"})
	if err != nil {
		t.Fatalf("caddy adapt Caddyfile.example: %v", err)
	}
	s := string(js)
	if !strings.Contains(s, `"handler":"cookie_consent"`) {
		t.Fatalf(`no "handler":"cookie_consent" in %s`, s)
	}
	enc, cc, fs := strings.Index(s, `"handler":"encode"`), strings.Index(s, `"handler":"cookie_consent"`), strings.Index(s, `"handler":"file_server"`)
	if enc < 0 || fs < 0 || !(enc < cc && cc < fs) {
		t.Errorf("handler order: encode at %d, cookie_consent at %d, file_server at %d; want encode, cookie_consent, file_server", enc, cc, fs)
	}
	for _, want := range []string{`"site_name":"Llanwern County Council"`, `"scrub_request_cookies":true`, `"necessary_cookies":["ASP.NET_SessionId"]`, `"name":"PHPSESSID"`, `"cookie_report":1`, `"match":"www.google.com/maps"`} {
		if !strings.Contains(s, want) {
			t.Errorf("adapted JSON lacks %s", want)
		}
	}
}

func TestCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, block, want string
	}{
		{"unknown-cookie-category", "cookie _x nonsense", `unknown category "nonsense"`},
		{"unknown-subdirective", "bogus_option 1", `unrecognized subdirective "bogus_option"`},
		{"max-age-over-cap", "accept_max_age 500d", "13-month cap"},
		{"unknown-locale", "text fr acceptAll Oui", `unknown locale "fr"`},
		{"short-secret", "secret tooshort", "at least 16"},
		{"cookie-usage", "cookie _x analytics suffix", "usage: cookie"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testcaddy.Load(t, "cookie_consent {\n\t"+tc.block+"\n}\nrespond ok")
			if err == nil {
				t.Fatalf("config with %q loaded without error", tc.block)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q: %v", tc.want, err)
			}
		})
	}
}
