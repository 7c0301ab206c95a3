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
		{"site_name \"Llanwern County Council\" \"Cyngor Sir Llanwern\"", Handler{SiteName: "Llanwern County Council", SiteNameCy: "Cyngor Sir Llanwern"}},
		{"cookie_table_selector \"#cookies, .cookie-table\"", Handler{CookieTableSelector: "#cookies, .cookie-table"}},
		{"cookie_report off", Handler{CookieReport: new(float64)}},
		{"secret {env.CONSENT_SECRET}", Handler{Secret: "{env.CONSENT_SECRET}"}},
		{"policy_version 2026-03", Handler{PolicyVersion: "2026-03"}},
		{"cookie_table_path /cookies", Handler{CookieTablePath: "/cookies"}},
		{"rule maps.google.com media\nrule forms.example.gov.uk/captcha necessary", Handler{Rules: []Rule{
			{Match: "maps.google.com", Category: "media"}, {Match: "forms.example.gov.uk/captcha", Category: "necessary"}}}},
		{"inline_rule \"clarity.ms/tag\" analytics", Handler{Rules: []Rule{{Match: "clarity.ms/tag", Category: "analytics", Inline: true}}}},
		{"statistics_exception google-analytics stats.example.gov.uk {\nassessed_by \"Jo Evans, DPO\"\nassessed_on 2026-03-02\nnotice_only\n}", Handler{
			StatisticsException: &StatisticsException{Vendors: []string{"google-analytics", "stats.example.gov.uk"}, AssessedBy: "Jo Evans, DPO", AssessedOn: "2026-03-02", NoticeOnly: true}}},
		{"cookie _council_ab analytics\ncookie ab_ marketing prefix", Handler{Cookies: []SiteCookie{
			{Name: "_council_ab", Category: "analytics"}, {Name: "ab_", Category: "marketing", Prefix: true}}}},
		{"cookie PHPSESSID necessary {\nprovider \"Anytown Council\"\npurpose \"Keeps you signed in\" \"Yn eich cadw wedi mewngofnodi\"\ncontent \"a random session identifier\"\nexpires session\njustification \"Needed for sign-in\" \"Ei angen i fewngofnodi\"\n}\ncookie ab_ analytics {\nprefix\nexpires \"2 years\"\n}",
			Handler{Cookies: []SiteCookie{
				{Name: "PHPSESSID", Category: "necessary", Provider: "Anytown Council", Purpose: "Keeps you signed in", PurposeCy: "Yn eich cadw wedi mewngofnodi",
					Content: "a random session identifier", Expires: "session", Justification: "Needed for sign-in", JustificationCy: "Ei angen i fewngofnodi"},
				{Name: "ab_", Category: "analytics", Prefix: true, Expires: "2 years"}}}},
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
		{"cookie_consent {\nsite_name a b c\n}", "wrong argument count"},
		{"cookie_consent {\ncookie_report 2\n}", "cookie_report"},
		{"cookie_consent {\ncookie_report\n}", "wrong argument count"},
		{"cookie_consent {\nsecret\n}", "wrong argument count"},
		{"cookie_consent {\npolicy_version\n}", "wrong argument count"},
		{"cookie_consent {\ncookie_table_path\n}", "wrong argument count"},
		{"cookie_consent {\nrule maps.google.com\n}", "wrong argument count"},
		{"cookie_consent {\nrule a b c\n}", "wrong argument count"},
		{"cookie_consent {\ninline_rule x\n}", "wrong argument count"},
		{"cookie_consent {\ncookie _x\n}", "usage: cookie"},
		{"cookie_consent {\ncookie _x analytics suffix\n}", "usage: cookie"},
		{"cookie_consent {\ncookie _x analytics {\ncolour blue\n}\n}", `cookie _x: unrecognized field "colour"`},
		{"cookie_consent {\ncookie _x analytics {\npurpose\n}\n}", "cookie _x: purpose: wrong argument count"},
		{"cookie_consent {\ncookie _x analytics {\npurpose a b c\n}\n}", "cookie _x: purpose: wrong argument count"},
		{"cookie_consent {\ncookie _x analytics {\nprovider a b\n}\n}", "cookie _x: provider: wrong argument count"},
		{"cookie_consent {\ncookie _x analytics {\nexpires\n}\n}", "cookie _x: expires: wrong argument count"},
		{"cookie_consent {\ncookie _x analytics {\nprefix yes\n}\n}", "cookie _x: prefix: wrong argument count"},
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

// A declared cookie's category and expiry are checked, and a catalogue
// tracker's cookie cannot be passed off as strictly necessary.
func TestValidateCookies(t *testing.T) {
	for _, tc := range []struct {
		h    Handler
		want string // "" for valid
	}{
		{Handler{Cookies: []SiteCookie{{Name: "PHPSESSID", Category: "necessary", Expires: "session"}}}, ""},
		{Handler{Cookies: []SiteCookie{{Name: "ab_", Category: "analytics", Prefix: true, Expires: "13mo"}}}, ""},
		{Handler{Cookies: []SiteCookie{{Name: "_ga", Category: "analytics"}}}, ""},
		{Handler{Cookies: []SiteCookie{{Name: "x", Category: "essential"}}}, `cookie "x": unknown category "essential"`},
		{Handler{Cookies: []SiteCookie{{Name: "x", Category: "analytics", Expires: "a while"}}}, `cookie "x": cookie expiry "a while"`},
		{Handler{Cookies: []SiteCookie{{Name: "_ga", Category: "necessary"}}}, `cookie "_ga": Google Analytics sets it for analytics, so it is not strictly necessary`},
		{Handler{Cookies: []SiteCookie{{Name: "_fbp", Category: "necessary"}}}, `cookie "_fbp": Meta (Facebook) sets it for marketing`},
		{Handler{Cookies: []SiteCookie{{Name: "_g", Prefix: true, Category: "necessary"}}}, `cookie "_g": Google Ads sets it for marketing`},
		{Handler{NecessaryCookies: []string{"PHPSESSID", "_ga"}}, `necessary_cookies "_ga": Google Analytics sets it for analytics`},
	} {
		err := tc.h.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.h.Cookies, err, tc.want)
		}
	}
}
