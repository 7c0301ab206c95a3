package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("cookie_consent", parseCaddyfile)
	// After encode, so that encode compresses the rewritten page once.
	httpcaddyfile.RegisterDirectiveOrder("cookie_consent", httpcaddyfile.After, "encode")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	cookie_consent [<matcher>] {
//		site_name <name> [<Welsh name>]
//		secret <key>
//		policy_version <version>
//		rule <host[/path]> <category|necessary>
//		inline_rule <code substring> <category>
//		cookie <name> <category|necessary> [prefix] [{
//			provider <name>
//			purpose <text> [<Welsh>]
//			content <text> [<Welsh>]
//			expires session|<duration>
//			justification <text> [<Welsh>]
//			prefix
//		}]
//		necessary_cookies <name...>
//		scrub_request_cookies
//		accept_max_age <duration>
//		reject_max_age <duration>
//		cookie_table_path <path>
//		cookie_table_selector <selector>
//		cookie_report off|<share of page views>
//		welsh_paths <prefix...>
//		text <locale> <key> <text>
//		gpc off|<category...>
//		consent_mode basic|advanced
//		pre_consent_csp report-only|enforce [<allowed source...>]
//		log <path|postgres://...>
//		log_spool <dir>
//		retention <duration>
//		admin [<user> <password hash>]
//		statistics_exception <vendor|rule>... {
//			assessed_by <name>
//			assessed_on <YYYY-MM-DD>
//			notice_only
//		}
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "site_name":
			args := d.RemainingArgs()
			if len(args) < 1 || len(args) > 2 {
				return d.ArgErr()
			}
			h.SiteName = args[0]
			if len(args) == 2 {
				h.SiteNameCy = args[1]
			}
		case "secret", "policy_version", "cookie_table_path", "cookie_table_selector":
			name := d.Val()
			var v string
			if !d.Args(&v) || d.NextArg() {
				return d.ArgErr()
			}
			switch name {
			case "secret":
				h.Secret = v
			case "policy_version":
				h.PolicyVersion = v
			case "cookie_table_path":
				h.CookieTablePath = v
			case "cookie_table_selector":
				h.CookieTableSelector = v
			}
		case "cookie_report":
			var v string
			if !d.Args(&v) || d.NextArg() {
				return d.ArgErr()
			}
			rate := 0.0
			if v != "off" {
				var err error
				if rate, err = strconv.ParseFloat(v, 64); err != nil || !(rate > 0 && rate <= 1) {
					return d.Errf("cookie_report %q: want off or a share of page views above 0 and at most 1, such as 0.1", v)
				}
			}
			h.CookieReport = &rate
		case "rule", "inline_rule":
			inline := d.Val() == "inline_rule"
			var match, cat string
			if !d.Args(&match, &cat) || d.NextArg() {
				return d.ArgErr()
			}
			h.Rules = append(h.Rules, Rule{Match: match, Category: cat, Inline: inline})
		case "cookie":
			c, err := parseCookie(d)
			if err != nil {
				return err
			}
			h.Cookies = append(h.Cookies, c)
		case "necessary_cookies":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			h.NecessaryCookies = append(h.NecessaryCookies, args...)
		case "scrub_request_cookies":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.ScrubRequestCookies = true
		case "accept_max_age", "reject_max_age":
			name := d.Val()
			var v string
			if !d.Args(&v) || d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(v)
			if err != nil {
				return d.Errf("%s: %v", name, err)
			}
			if name == "accept_max_age" {
				h.AcceptMaxAge = caddy.Duration(dur)
			} else {
				h.RejectMaxAge = caddy.Duration(dur)
			}
		case "welsh_paths":
			h.WelshPaths = d.RemainingArgs()
			if len(h.WelshPaths) == 0 {
				return d.ArgErr()
			}
		case "text":
			var loc, key, val string
			if !d.Args(&loc, &key, &val) || d.NextArg() {
				return d.ArgErr()
			}
			if h.Text == nil {
				h.Text = map[string]map[string]string{}
			}
			if h.Text[loc] == nil {
				h.Text[loc] = map[string]string{}
			}
			h.Text[loc][key] = val
		case "gpc":
			args := d.RemainingArgs()
			switch {
			case len(args) == 0:
				return d.ArgErr()
			case len(args) == 1 && args[0] == "off":
				h.IgnoreGPC = true
			default:
				h.GPCCategories = append(h.GPCCategories, args...)
			}
		case "pre_consent_csp":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			h.PreConsentCSP, h.PreConsentCSPAllow = args[0], append(h.PreConsentCSPAllow, args[1:]...)
		case "log", "log_spool":
			name := d.Val()
			var v string
			if !d.Args(&v) || d.NextArg() {
				return d.ArgErr()
			}
			if name == "log" {
				h.LogStore = v
			} else {
				h.LogSpool = v
			}
		case "retention":
			var v string
			if !d.Args(&v) || d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(v)
			if err != nil {
				return d.Errf("retention: %v", err)
			}
			h.Retention = caddy.Duration(dur)
		case "admin":
			args := d.RemainingArgs()
			switch len(args) {
			case 0:
				h.Admin = &Admin{}
			case 2:
				h.Admin = &Admin{User: args[0], PasswordHash: args[1]}
			default:
				return d.Errf("usage: admin [<user> <password hash>]")
			}
		case "statistics_exception":
			e := &StatisticsException{Vendors: d.RemainingArgs()}
			if len(e.Vendors) == 0 {
				return d.Errf("usage: statistics_exception <vendor|rule>... { assessed_by <name>; assessed_on <YYYY-MM-DD> }")
			}
			for nesting := d.Nesting(); d.NextBlock(nesting); {
				field := d.Val()
				if field == "notice_only" {
					if d.NextArg() {
						return d.ArgErr()
					}
					e.NoticeOnly = true
					continue
				}
				var v string
				if !d.Args(&v) || d.NextArg() {
					return d.ArgErr()
				}
				switch field {
				case "assessed_by":
					e.AssessedBy = v
				case "assessed_on":
					e.AssessedOn = v
				default:
					return d.Errf("statistics_exception: unrecognized field %q (want assessed_by, assessed_on or notice_only)", field)
				}
			}
			h.StatisticsException = e
		case "consent_mode":
			if !d.Args(&h.ConsentMode) || d.NextArg() {
				return d.ArgErr()
			}
		default:
			return d.Errf("unrecognized subdirective %q", d.Val())
		}
	}
	return nil
}

// parseCookie reads a cookie sub-directive: the one-line form, and the
// block that says what the cookie table shows of it.
func parseCookie(d *caddyfile.Dispenser) (SiteCookie, error) {
	const usage = "usage: cookie <name> <category> [prefix] [{ provider, purpose, content, expires, justification, prefix }]"
	args := d.RemainingArgs()
	if len(args) < 2 || len(args) > 3 || (len(args) == 3 && args[2] != "prefix") {
		return SiteCookie{}, d.Errf("%s", usage)
	}
	c := SiteCookie{Name: args[0], Category: args[1], Prefix: len(args) == 3}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		field, args := d.Val(), d.RemainingArgs()
		text := map[string][2]*string{
			"provider":      {&c.Provider},
			"expires":       {&c.Expires},
			"purpose":       {&c.Purpose, &c.PurposeCy},
			"content":       {&c.Content, &c.ContentCy},
			"justification": {&c.Justification, &c.JustificationCy},
		}
		dst, known := text[field]
		switch {
		case field == "prefix" && len(args) == 0:
			c.Prefix = true
		case !known && field != "prefix":
			return SiteCookie{}, d.Errf("cookie %s: unrecognized field %q (want provider, purpose, content, expires, justification or prefix)", c.Name, field)
		case field == "prefix" || len(args) == 0 || len(args) == 2 && dst[1] == nil || len(args) > 2:
			return SiteCookie{}, d.Errf("cookie %s: %s: wrong argument count", c.Name, field)
		default:
			// purpose, content and justification take their Welsh second.
			for i, a := range args {
				*dst[i] = a
			}
		}
	}
	return c, nil
}
