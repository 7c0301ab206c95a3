package trackers

import (
	"strconv"
	"strings"
	"testing"
)

func builtin(t *testing.T) *Catalogue {
	t.Helper()
	c, err := New(Builtin, []Rule{
		{Pattern: "maps.example.org", Category: Media},
		{Pattern: "https://example.com/embed/", Category: Social},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every tracker host of REQUIREMENTS section G, in its category, with the
// URL forms pages use.
func TestMatchURL(t *testing.T) {
	c := builtin(t)
	tests := []struct{ url, vendor string }{
		{"https://www.google-analytics.com/analytics.js", "google-analytics"},
		{"https://ssl.google-analytics.com/ga.js", "google-analytics"},
		{"http://www.google-analytics.com/urchin.js", "google-analytics"},
		{"https://region1.analytics.google.com/g/collect?v=2", "google-analytics"},
		{"https://stats.g.doubleclick.net/r/collect?v=1", "google-analytics"},
		{"https://stats.g.doubleclick.net/dc.js", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=G-ABC", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=UA-1-1", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=AW-123", "google-ads"},
		{"https://www.googletagmanager.com/gtag/js?l=dl&id=DC-123", "google-ads"},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-1&l=myLayer&gtm_auth=x&gtm_preview=env-2", "google-tag-manager"},
		{"https://www.googletagmanager.com/ns.html?id=GTM-1", "google-tag-manager"},
		{"https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/", "google-ads"},
		{"https://ad.doubleclick.net/ddm/activity/src=1", "google-ads"},
		{"//www.googleadservices.com/pagead/conversion.js", "google-ads"},
		{"https://static.hotjar.com/c/hotjar-123.js?sv=6", "hotjar"},
		{"https://script.hotjar.com/modules.js", "hotjar"},
		{"wss://ws.hotjar.io/api/v2/client/ws", ""}, // not fetched by markup
		{"https://in.hotjar.io/x", "hotjar"},
		{"https://t.contentsquare.net/uxa/abc.js", "hotjar"},
		{"https://www.youtube.com/embed/x", "youtube"},
		{"https://m.youtube.com/watch?v=x", "youtube"},
		{"https://www.youtube-nocookie.com/embed/x", "youtube"},
		{"https://i.ytimg.com/vi/x/hqdefault.jpg", "youtube"},
		{"https://rr1---sn-x.googlevideo.com/videoplayback", "youtube"},
		{"https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v3.2", "facebook-sdk"},
		{"//connect.facebook.net/en_US/all.js#xfbml=1", "facebook-sdk"},
		{"https://connect.facebook.net/en_US/sdk/xfbml.customerchat.js", "facebook-sdk"},
		{"https://connect.facebook.net/en_US/fbevents.js", "meta"},
		{"https://connect.facebook.net/signals/config/1?v=2.9", "meta"},
		{"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1", "facebook-tr"},
		{"https://www.facebook.com/tr/?id=1", "facebook-tr"},
		{"https://www.facebook.com/travelwales", "facebook"},
		{"https://www.facebook.com/plugins/page.php?href=x", "facebook"},
		{"https://scontent.xx.fbcdn.net/v/t1.jpg", "facebook"},
		{"https://platform.twitter.com/widgets.js", "twitter"},
		{"https://platform.x.com/widgets.js", "twitter"},
		{"https://syndication.twitter.com/srv/timeline-profile/screen-name/x", "twitter"},
		{"https://cdn.syndication.twimg.com/tweet-result?id=1", "twitter"},
		{"https://pbs.twimg.com/media/x.jpg", "twitter"},
		{"https://twitter.com/x", "twitter"},
		{"https://x.com/x", "twitter"},
		{"https://static.ads-twitter.com/uwt.js", "x-ads"},
		{"https://analytics.twitter.com/i/adsct?p_id=1", "x-ads"},
		{"https://t.co/i/adsct?p_id=1", "x-ads"},
		// Site rules: a host, and a host with a path prefix.
		{"https://maps.example.org/embed?q=1", "site:maps.example.org"},
		{"https://example.com/embed/x", "site:https://example.com/embed/"},
		{"https://example.com/embedded", ""},
		// Written as browsers accept them.
		{"HTTPS://WWW.GOOGLE-ANALYTICS.COM/ga.js", "google-analytics"},
		{"  https://www.google-analytics.com/ga.js\n", "google-analytics"},
		{"https://www.google-\nanalytics.com/ga.js", "google-analytics"},
		{`https:\\www.google-analytics.com\ga.js`, "google-analytics"},
		{"https://user@www.google-analytics.com:443/ga.js", "google-analytics"},
		{"https://www.google-analytics.com./ga.js", "google-analytics"},
		{"https://www.google%2Danalytics.com/ga.js", "google-analytics"},
		{"https://www.facebook.com/%74r?id=1", "facebook-tr"},
		// Not trackers, or not fetched.
		{"/js/analytics.js", ""},
		{"analytics.js", ""},
		{"www.google-analytics.com/ga.js", ""},
		{"https://cdn.council.gov.uk/analytics.js", ""},
		{"https://notyoutube.com/embed/x", ""},
		{"https://fox.com/x", ""},
		{"https://www.youtube.com.evil.example/x", ""},
		{"mailto:x@facebook.com", ""},
		{"javascript:void('https://www.youtube.com')", ""},
		{"data:text/html,https://www.youtube.com", ""},
		{"", ""},
		{"https://", ""},
	}
	for _, tt := range tests {
		got := ""
		if v := c.MatchURL(tt.url); v != nil {
			got = v.ID
		}
		if got != tt.vendor {
			t.Errorf("MatchURL(%q) = %q, want %q", tt.url, got, tt.vendor)
		}
	}
}

// Each host of REQUIREMENTS section G is in the catalogue, in its category.
func TestHostCategories(t *testing.T) {
	c := builtin(t)
	want := map[Category][]string{
		Analytics: {"google-analytics.com", "analytics.google.com", "googletagmanager.com", "stats.g.doubleclick.net", "hotjar.com", "hotjar.io", "contentsquare.net"},
		Media:     {"youtube.com", "youtube-nocookie.com", "ytimg.com", "googlevideo.com"},
		Social:    {"facebook.com", "fbcdn.net", "platform.twitter.com", "platform.x.com", "syndication.twitter.com", "cdn.syndication.twimg.com", "twimg.com", "twitter.com", "x.com", "connect.facebook.net/en_GB/sdk.js"},
		Marketing: {"doubleclick.net", "connect.facebook.net", "facebook.net"},
	}
	for cat, hosts := range want {
		for _, h := range hosts {
			v := c.MatchURL("https://" + h)
			if !strings.Contains(h, "/") {
				v = c.MatchURL("https://" + h + "/x")
			}
			if v == nil || v.Category != cat {
				t.Errorf("%s: got %v, want category %s", h, v, cat)
			}
		}
	}
}

func TestMatchInline(t *testing.T) {
	c := builtin(t)
	tests := []struct{ code, vendor string }{
		{"gtag('config', 'G-1');", "google-analytics"},
		{"window.gtag ('event', 'x');", "google-analytics"},
		{"gtag('config', 'G-1'); gtag('config', 'AW-1');", "google-ads"},
		{`gtag("config","DC-1")`, "google-ads"},
		{"var google_conversion_id = 1;", "google-ads"},
		{"ga('create', 'UA-1', 'auto');", "google-analytics"},
		{"window.ga( \"send\", 'pageview');", "google-analytics"},
		{"ga('set', 'anonymizeIp', true);", "google-analytics"},
		{"__gaTracker('create', 'UA-1', 'auto');", "google-analytics"},
		{"__gtagTracker('config', 'G-1');", "google-analytics"},
		{"var pageTracker = _gat._getTracker('UA-1'); pageTracker._trackPageview();", "google-analytics"},
		{`_uacct = "UA-1"; urchinTracker();`, "google-analytics"},
		{"hj('identify', userId, {});", "hotjar"},
		{"window._uxa = window._uxa || [];", "hotjar"},
		{"fbq('track', 'PageView');", "meta"},
		{`new Image().src = "https://www.facebook.com/tr?id=1";`, "meta"},
		{`js.src = "https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v3.2";`, "facebook-sdk"},
		{`js.src = "//connect.facebook.net/en_US/sdk/xfbml.customerchat.js";`, "facebook-sdk"},
		{"window.fbAsyncInit = function() { FB.init({appId: '1'}); };", "facebook-sdk"},
		{"twq('init','o1');", "x-ads"},
		{`window.twttr = (function(d, s, id) {}(document, "script", "twitter-wjs"));`, "twitter"},
		{"var player = new YT.Player('p', {videoId: 'x'});", "youtube"},
		// First-party code that merely resembles a tracker.
		{"omega('create', x); saga('send', y); mega ('set', z);", ""},
		{"function setGaConsent() {} // ga = Gwent area", ""},
		{"// share on twitter\nwindow.open('https://twitter.com/intent/tweet?text=' + t);", ""},
		{"var fb = 'https://www.facebook.com/travelwales';", ""},
		{"catch(e) { moreThanhj('x') }", ""},
	}
	for _, tt := range tests {
		got := ""
		if v := c.MatchInline([]byte(tt.code)); v != nil {
			got = v.ID
		}
		if got != tt.vendor {
			t.Errorf("MatchInline(%q) = %q, want %q", tt.code, got, tt.vendor)
		}
	}
}

// The cookie facts of REQUIREMENTS section G.
func TestCookies(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		name, vendor, expiry string
		cat                  Category
		thirdParty           bool
	}{
		{"_ga", "google-analytics", "2 years", Analytics, false},
		{"_ga_ABC123", "google-analytics", "2 years", Analytics, false},
		{"_gid", "google-analytics", "24 hours", Analytics, false},
		{"_gat", "google-analytics", "1 minute", Analytics, false},
		{"_gat_UA-1-1", "google-analytics", "1 minute", Analytics, false},
		{"_dc_gtm_UA-1", "google-analytics", "1 minute", Analytics, false},
		{"_gac_UA-1", "google-ads", "90 days", Marketing, false},
		{"__utma", "google-analytics", "2 years", Analytics, false},
		{"__utmb", "google-analytics", "30 minutes", Analytics, false},
		{"__utmc", "google-analytics", "End of session", Analytics, false},
		{"__utmt", "google-analytics", "10 minutes", Analytics, false},
		{"__utmz", "google-analytics", "6 months", Analytics, false},
		{"__utmv", "google-analytics", "2 years", Analytics, false},
		{"_hjSessionUser_123", "hotjar", "365 days", Analytics, false},
		{"_hjSession_123", "hotjar", "30 minutes", Analytics, false},
		{"_hjid", "hotjar", "365 days", Analytics, false},
		{"_hjIncludedInSessionSample_123", "hotjar", "30 minutes", Analytics, false},
		{"_cs_id", "hotjar", "13 months", Analytics, false},
		{"_cs_s", "hotjar", "30 minutes", Analytics, false},
		{"YSC", "youtube", "End of session", Media, true},
		{"VISITOR_INFO1_LIVE", "youtube", "6 months", Media, true},
		{"VISITOR_PRIVACY_METADATA", "youtube", "6 months", Media, true},
		{"PREF", "youtube", "8 months", Media, true},
		{"yt-remote-device-id", "youtube", "Until cleared", Media, true},
		{"_fbp", "meta", "90 days", Marketing, false},
		{"_fbc", "meta", "90 days", Marketing, false},
		{"fr", "meta", "90 days", Marketing, true},
		{"datr", "meta", "2 years", Marketing, true},
		{"personalization_id", "twitter", "2 years", Social, true},
		{"guest_id", "twitter", "2 years", Social, true},
		{"muc_ads", "twitter", "2 years", Social, true},
		{"gt", "twitter", "End of session", Social, true},
	}
	for _, tt := range tests {
		v, ck := c.MatchCookie(tt.name)
		if v == nil {
			t.Errorf("cookie %s: not in the catalogue", tt.name)
			continue
		}
		if v.ID != tt.vendor || v.Category != tt.cat || ck.Expiry != tt.expiry || ck.ThirdParty != tt.thirdParty || ck.Content == "" || ck.Purpose == "" {
			t.Errorf("cookie %s: got %s/%s %+v", tt.name, v.ID, v.Category, *ck)
		}
	}
	for _, n := range []string{"session", "PHPSESSID", "cg_consent"} {
		if v, _ := c.MatchCookie(n); v != nil {
			t.Errorf("cookie %s matched %s", n, v.ID)
		}
	}
	if _, ck := c.MatchCookie("_ga"); !strings.HasPrefix(ck.Content, "Client ID, GA1.1.") {
		t.Errorf("_ga content %q", ck.Content)
	}
	if _, ck := c.MatchCookie("_fbp"); !strings.Contains(ck.Content, "fb.1.") {
		t.Errorf("_fbp content %q", ck.Content)
	}
}

func TestNewErrors(t *testing.T) {
	for _, rules := range [][]Rule{
		{{Pattern: "x.example", Category: "ads"}},
		{{Pattern: "", Category: Media}},
		{{Pattern: "x.example", Category: Necessary}},
	} {
		if _, err := New(Builtin, rules); err == nil {
			t.Errorf("New(%v): no error", rules)
		}
	}
	if _, err := New([]Vendor{{ID: "bad", Signatures: []string{"re:("}}}, nil); err == nil {
		t.Error("bad regexp: no error")
	}
}

// Signatures beyond the one-pass filter's capacity, and ones too short for
// it, still match.
func TestManyInlineRules(t *testing.T) {
	var rules []Rule
	for i := range maxNeedles + 50 {
		rules = append(rules, Rule{Pattern: "siteTracker" + strconv.Itoa(i) + "(", Category: Marketing, Inline: true})
	}
	rules = append(rules, Rule{Pattern: "Z", Category: Media, Inline: true})
	c, err := New(Builtin, rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, maxNeedles - 1, maxNeedles + 49} {
		code := "x = 1; siteTracker" + strconv.Itoa(n) + "('go');"
		if v := c.MatchInline([]byte(code)); v == nil || v.ID != "site:siteTracker"+strconv.Itoa(n)+"(" {
			t.Errorf("%s: got %v", code, v)
		}
	}
	if v := c.MatchInline([]byte("var Z;")); v == nil || v.Category != Media {
		t.Errorf("one-byte signature: got %v", v)
	}
	if v := c.MatchInline([]byte("gtag('js')")); v == nil || v.ID != "google-analytics" {
		t.Errorf("built-in behind site rules: got %v", v)
	}
}

// A large first-party inline script, the worst case: every signature is
// looked for and none is there.
func BenchmarkMatchInlineFirstParty(b *testing.B) {
	c, err := New(Builtin, nil)
	if err != nil {
		b.Fatal(err)
	}
	code := []byte(strings.Repeat("function go(a, b) { var s = document.getElementById('nav'); if (s.classList.contains('open')) { settings.set('menu', a); } return console.log(b, 'page-' + location.pathname); }\n", 300))
	b.SetBytes(int64(len(code)))
	for b.Loop() {
		if c.MatchInline(code) != nil {
			b.Fatal("matched")
		}
	}
}
