package caddymodule

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Every sub-directive sets the JSON field it documents.
func TestUnmarshalCaddyfile(t *testing.T) {
	day := caddy.Duration(24 * time.Hour)
	for _, tc := range []struct {
		block string
		want  Handler
	}{
		{"", Handler{}},
		{"site_name \"Anytown Council\"", Handler{SiteName: "Anytown Council"}},
		{"secret {env.CONSENT_SECRET}", Handler{Secret: "{env.CONSENT_SECRET}"}},
		{"policy_version 2026-03", Handler{PolicyVersion: "2026-03"}},
		{"cookie_table_path /cookies", Handler{CookieTablePath: "/cookies"}},
		{"rule maps.google.com media\nrule forms.example.gov.uk/captcha necessary", Handler{Rules: []Rule{
			{Match: "maps.google.com", Category: "media"}, {Match: "forms.example.gov.uk/captcha", Category: "necessary"}}}},
		{"inline_rule \"clarity.ms/tag\" analytics", Handler{Rules: []Rule{{Match: "clarity.ms/tag", Category: "analytics", Inline: true}}}},
		{"cookie _council_ab analytics\ncookie ab_ marketing prefix", Handler{Cookies: []SiteCookie{
			{Name: "_council_ab", Category: "analytics"}, {Name: "ab_", Category: "marketing", Prefix: true}}}},
		{"necessary_cookies PHPSESSID ASP.NET_SessionId", Handler{NecessaryCookies: []string{"PHPSESSID", "ASP.NET_SessionId"}}},
		{"scrub_request_cookies", Handler{ScrubRequestCookies: true}},
		{"accept_max_age 300d\nreject_max_age 90d", Handler{AcceptMaxAge: 300 * day, RejectMaxAge: 90 * day}},
		{"welsh_paths /cy/ /cymraeg/", Handler{WelshPaths: []string{"/cy/", "/cymraeg/"}}},
		{"text cy acceptAll \"Derbyn y cyfan\"", Handler{Text: map[string]map[string]string{"cy": {"acceptAll": "Derbyn y cyfan"}}}},
		{"gpc off", Handler{IgnoreGPC: true}},
		{"gpc marketing social", Handler{GPCCategories: []string{"marketing", "social"}}},
		{"consent_mode advanced", Handler{ConsentMode: "advanced"}},
		{"pre_consent_csp enforce https://cdn.example.com", Handler{PreConsentCSP: "enforce", PreConsentCSPAllow: []string{"https://cdn.example.com"}}},
		{"log postgres://consent@db/consent\nlog_spool /var/spool/consent", Handler{LogStore: "postgres://consent@db/consent", LogSpool: "/var/spool/consent"}},
		{"retention 730d", Handler{Retention: 730 * day}},
		{"admin", Handler{Admin: &Admin{}}},
		{"admin dpo $2a$14$abc", Handler{Admin: &Admin{User: "dpo", PasswordHash: "$2a$14$abc"}}},
		{"admin dpo $argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA", Handler{Admin: &Admin{User: "dpo", PasswordHash: "$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA"}}},
	} {
		t.Run(strings.SplitN(tc.block+" ", " ", 2)[0], func(t *testing.T) {
			var h Handler
			d := caddyfile.NewTestDispenser("cookie_consent {\n" + tc.block + "\n}")
			if err := h.UnmarshalCaddyfile(d); err != nil {
				t.Fatalf("%q: %v", tc.block, err)
			}
			if !reflect.DeepEqual(h, tc.want) {
				t.Errorf("%q:\n got %+v\nwant %+v", tc.block, h, tc.want)
			}
		})
	}
}

// Wrong arguments are refused with the sub-directive's usage, at the line.
func TestUnmarshalCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct{ block, want string }{
		{"cookie_consent extra", "wrong argument count"},
		{"cookie_consent {\nsite_name\n}", "wrong argument count"},
		{"cookie_consent {\nsite_name a b\n}", "wrong argument count"},
		{"cookie_consent {\nsecret\n}", "wrong argument count"},
		{"cookie_consent {\npolicy_version\n}", "wrong argument count"},
		{"cookie_consent {\ncookie_table_path\n}", "wrong argument count"},
		{"cookie_consent {\nrule maps.google.com\n}", "wrong argument count"},
		{"cookie_consent {\nrule a b c\n}", "wrong argument count"},
		{"cookie_consent {\ninline_rule x\n}", "wrong argument count"},
		{"cookie_consent {\ncookie _x\n}", "usage: cookie"},
		{"cookie_consent {\ncookie _x analytics suffix\n}", "usage: cookie"},
		{"cookie_consent {\nnecessary_cookies\n}", "wrong argument count"},
		{"cookie_consent {\nscrub_request_cookies yes\n}", "wrong argument count"},
		{"cookie_consent {\naccept_max_age\n}", "wrong argument count"},
		{"cookie_consent {\naccept_max_age soon\n}", "accept_max_age"},
		{"cookie_consent {\nreject_max_age 1x\n}", "reject_max_age"},
		{"cookie_consent {\nwelsh_paths\n}", "wrong argument count"},
		{"cookie_consent {\ntext cy acceptAll\n}", "wrong argument count"},
		{"cookie_consent {\ngpc\n}", "wrong argument count"},
		{"cookie_consent {\npre_consent_csp\n}", "wrong argument count"},
		{"cookie_consent {\nlog\n}", "wrong argument count"},
		{"cookie_consent {\nlog_spool a b\n}", "wrong argument count"},
		{"cookie_consent {\nretention\n}", "wrong argument count"},
		{"cookie_consent {\nretention forever\n}", "retention"},
		{"cookie_consent {\nadmin dpo\n}", "usage: admin"},
		{"cookie_consent {\nconsent_mode\n}", "wrong argument count"},
		{"cookie_consent {\nbogus 1\n}", `unrecognized subdirective "bogus"`},
	} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.block))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one mentioning %q", tc.block, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "Testfile:") {
			t.Errorf("%q: error %v does not name the file and line", tc.block, err)
		}
	}
}
