package cookieseen

import "strings"

// Suggest returns what a cookie called name most likely is, for the web
// team to review before declaring it: an exact name before a prefix, the
// built-in platform cookies before the imported database (whose entries of
// the same name are often another site's), and among prefixes the longest.
func Suggest(name string, imported []Known) (Known, bool) {
	for _, b := range builtins {
		if !b.Prefix && b.Name == name {
			return b.Known, true
		}
	}
	for _, k := range imported {
		if !k.Prefix && k.Name == name {
			return k, true
		}
	}
	var best Known
	for _, b := range builtins {
		if b.Prefix && len(b.Name) > len(best.Name) && strings.HasPrefix(name, b.Name) && (b.rest == nil || b.rest(name[len(b.Name):])) {
			best = b.Known
		}
	}
	if best.Name != "" {
		return best, true
	}
	for _, k := range imported {
		if k.Prefix && k.Name != "" && len(k.Name) > len(best.Name) && strings.HasPrefix(name, k.Name) {
			best = k
		}
	}
	return best, best.Name != ""
}

// builtin is a platform cookie; rest, for a prefix, says what may follow it
// (Drupal's SESS takes a hash, not "SESSION").
type builtin struct {
	Known
	rest func(string) bool
}

// hex32 is the hash platforms append to a cookie name: 32 hex digits.
func hex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Words the built-in entries share; purposes as a cookie table tells visitors.
const (
	purposeSession  = "Keeps your visit together from page to page, such as a form you are part way through"
	purposeSignedIn = "Keeps you signed in"
	purposeForgery  = "Protects the site's forms from being sent by another site in your name (cross-site request forgery)"
	purposeAffinity = "Sends your requests to the same server, so your visit keeps working while the site is shared between servers"
	purposeBotCheck = "Tells visitors from automated traffic, to protect the site from attack"
	wordpress       = "WordPress"
)

// builtins are the cookies the platforms councils' sites run on set
// themselves: sessions, sign-in, anti-forgery and load balancing, all
// strictly necessary. Lifetimes are the platforms' defaults.
var builtins = []builtin{
	{Known: Known{Name: "PHPSESSID", Provider: "PHP", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "JSESSIONID", Provider: "Java web server", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "SESSION", Provider: "Spring Session (Java)", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "ASP.NET_SessionId", Provider: "Microsoft ASP.NET", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "ASPSESSIONID", Prefix: true, Provider: "Microsoft ASP", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: ".AspNetCore.Session", Provider: "Microsoft ASP.NET Core", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: ".ASPXAUTH", Provider: "Microsoft ASP.NET", Category: "necessary", Purpose: purposeSignedIn, Retention: "session"}},
	{Known: Known{Name: ".AspNetCore.Cookies", Provider: "Microsoft ASP.NET Core", Category: "necessary", Purpose: purposeSignedIn, Retention: "session"}},
	{Known: Known{Name: ".AspNetCore.Identity.Application", Provider: "Microsoft ASP.NET Core", Category: "necessary", Purpose: purposeSignedIn, Retention: "session"}},
	{Known: Known{Name: "__RequestVerificationToken", Prefix: true, Provider: "Microsoft ASP.NET", Category: "necessary", Purpose: purposeForgery, Retention: "session"}},
	{Known: Known{Name: ".AspNetCore.Antiforgery.", Prefix: true, Provider: "Microsoft ASP.NET Core", Category: "necessary", Purpose: purposeForgery, Retention: "session"}},
	{Known: Known{Name: "laravel_session", Provider: "Laravel", Category: "necessary", Purpose: purposeSession, Retention: "2 hours"}},
	{Known: Known{Name: "XSRF-TOKEN", Provider: "The site's web application (Laravel, Angular or Spring)", Category: "necessary", Purpose: purposeForgery, Retention: "session"}},
	{Known: Known{Name: "ci_session", Provider: "CodeIgniter", Category: "necessary", Purpose: purposeSession, Retention: "2 hours"}},
	{Known: Known{Name: "sessionid", Provider: "Django", Category: "necessary", Purpose: purposeSession, Retention: "2 weeks"}},
	{Known: Known{Name: "csrftoken", Provider: "Django", Category: "necessary", Purpose: purposeForgery, Retention: "52 weeks"}},
	{Known: Known{Name: "connect.sid", Provider: "Express (Node.js)", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "SESS", Prefix: true, Provider: "Drupal", Category: "necessary", Purpose: purposeSession, Retention: "up to 23 days"}, rest: hex32},
	{Known: Known{Name: "SSESS", Prefix: true, Provider: "Drupal", Category: "necessary", Purpose: purposeSession, Retention: "up to 23 days"}, rest: hex32},
	{Known: Known{Name: "wordpress_logged_in_", Prefix: true, Provider: wordpress, Category: "necessary", Purpose: purposeSignedIn, Retention: "up to 14 days"}, rest: hex32},
	{Known: Known{Name: "wordpress_sec_", Prefix: true, Provider: wordpress, Category: "necessary", Purpose: "Keeps you signed in to the WordPress dashboard", Retention: "up to 14 days"}, rest: hex32},
	{Known: Known{Name: "wordpress_", Prefix: true, Provider: wordpress, Category: "necessary", Purpose: "Keeps you signed in to the WordPress dashboard", Retention: "up to 14 days"}, rest: hex32},
	{Known: Known{Name: "wordpress_test_cookie", Provider: wordpress, Category: "necessary", Purpose: "Checks that your browser accepts cookies, so that you can sign in", Retention: "session"}},
	{Known: Known{Name: "wp-settings-", Prefix: true, Provider: wordpress, Category: "necessary", Purpose: "Remembers how a signed-in editor has set out the WordPress dashboard", Retention: "1 year"}},
	{Known: Known{Name: "__cf_bm", Provider: "Cloudflare", Category: "necessary", Purpose: purposeBotCheck, Retention: "30 minutes"}},
	{Known: Known{Name: "cf_clearance", Provider: "Cloudflare", Category: "necessary", Purpose: "Remembers that you passed the site's security check, so you are not asked again", Retention: "30 minutes"}},
	{Known: Known{Name: "__cflb", Provider: "Cloudflare", Category: "necessary", Purpose: purposeAffinity, Retention: "23 hours"}},
	{Known: Known{Name: "__cfruid", Provider: "Cloudflare", Category: "necessary", Purpose: purposeBotCheck, Retention: "session"}},
	{Known: Known{Name: "_cfuvid", Provider: "Cloudflare", Category: "necessary", Purpose: purposeBotCheck, Retention: "session"}},
	{Known: Known{Name: "AWSALB", Provider: "Amazon Web Services", Category: "necessary", Purpose: purposeAffinity, Retention: "7 days"}},
	{Known: Known{Name: "AWSALBCORS", Provider: "Amazon Web Services", Category: "necessary", Purpose: purposeAffinity, Retention: "7 days"}},
	{Known: Known{Name: "AWSALBTG", Provider: "Amazon Web Services", Category: "necessary", Purpose: purposeAffinity, Retention: "7 days"}},
	{Known: Known{Name: "AWSALBTGCORS", Provider: "Amazon Web Services", Category: "necessary", Purpose: purposeAffinity, Retention: "7 days"}},
	{Known: Known{Name: "ARRAffinity", Provider: "Microsoft Azure", Category: "necessary", Purpose: purposeAffinity, Retention: "session"}},
	{Known: Known{Name: "ARRAffinitySameSite", Provider: "Microsoft Azure", Category: "necessary", Purpose: purposeAffinity, Retention: "session"}},
	{Known: Known{Name: "UMB_SESSION", Provider: "Umbraco", Category: "necessary", Purpose: purposeSession, Retention: "session"}},
	{Known: Known{Name: "UMB_UCONTEXT", Provider: "Umbraco", Category: "necessary", Purpose: "Keeps an editor signed in to Umbraco", Retention: "session"}},
	{Known: Known{Name: "UMB-XSRF-TOKEN", Provider: "Umbraco", Category: "necessary", Purpose: purposeForgery, Retention: "session"}},
	{Known: Known{Name: "UMB-XSRF-V", Provider: "Umbraco", Category: "necessary", Purpose: purposeForgery, Retention: "session"}},
}
