// Package caddymodule is the Caddy glue for consentgate: the
// http.handlers.cookie_consent handler. It reads the request, asks consent
// (the visitor, their choice), cookiepolicy (their cookies), rewrite (the
// page) and banner (what is inserted), and sends the answer; the decisions
// themselves live in those packages, which know nothing of Caddy.
package caddymodule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	_ "github.com/consentgate/consentgate/consentlogcli" // caddy consent-log, beside the handler that keeps the log
	"github.com/consentgate/consentgate/cookiepolicy"
	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/internal/cy"
	"github.com/consentgate/consentgate/rewrite"
	"github.com/consentgate/consentgate/trackers"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Prefix is where the handler serves its own endpoints.
const Prefix = "/_consent"

// Handler puts cookie consent in front of a site: it neutralises tracker
// elements in HTML responses until the visitor consents, removes tracker
// Set-Cookie headers, injects the banner and records choices.
type Handler struct {
	// SiteName is shown in the banner title ("Cookies on <site_name>"),
	// and SiteNameCy on Welsh pages ("Cwcis ar Gyngor Sir Llanwern"; default
	// SiteName).
	SiteName   string `json:"site_name,omitempty"`
	SiteNameCy string `json:"site_name_cy,omitempty"`
	// Secret signs the consent cookie (at least 16 bytes; placeholders such
	// as {env.CONSENT_SECRET} are expanded). Nodes serving one site must share
	// it. When empty, a random key is kept in Caddy's data directory.
	Secret string `json:"secret,omitempty"`
	// PolicyVersion is mixed into the derived policy version; change it to
	// ask every visitor again. Catalogue or config changes re-prompt anyway.
	PolicyVersion string `json:"policy_version,omitempty"`
	// Rules add site-specific trackers: a host or host/path prefix, or an
	// inline-script signature, and its category.
	Rules []Rule `json:"rules,omitempty"`
	// Cookies declares the site's own non-essential cookies, so their
	// Set-Cookie is held back until consent.
	Cookies []SiteCookie `json:"cookies,omitempty"`
	// NecessaryCookies are strictly necessary first-party cookies that are
	// never touched. A catalogue analytics or marketing cookie (_ga, _fbp)
	// is refused here: it is not strictly necessary.
	NecessaryCookies []string `json:"necessary_cookies,omitempty"`
	// ScrubRequestCookies removes non-consented tracker cookies from the
	// Cookie header sent to the next handler, so the origin never sees them.
	ScrubRequestCookies bool `json:"scrub_request_cookies,omitempty"`
	// AcceptMaxAge and RejectMaxAge bound how long a choice is kept
	// (defaults 12 and 6 months; capped at 13 months).
	AcceptMaxAge caddy.Duration `json:"accept_max_age,omitempty"`
	RejectMaxAge caddy.Duration `json:"reject_max_age,omitempty"`
	// CookieTablePath is where the banner links to the cookie table
	// (default /_consent/cookies, which this handler serves).
	CookieTablePath string `json:"cookie_table_path,omitempty"`
	// CookieTableSelector names the elements of the site's own pages that
	// the cookie table fills (default [data-consent-cookie-table]): a
	// simple selector such as #cookie-table, .cookies or div[data-x], or a
	// comma list of them.
	CookieTableSelector string `json:"cookie_table_selector,omitempty"`
	// CookieReport is the share of consenting visitors' page views in which
	// the banner reports the names of the cookies and localStorage keys in
	// the browser, so the table and the console list what scripts really
	// set (default 0.1; 0 turns it off).
	CookieReport *float64 `json:"cookie_report,omitempty"`
	// WelshPaths are path prefixes served in Welsh (default /cy/). Pages
	// with <html lang="cy"> get Welsh anyway.
	WelshPaths []string `json:"welsh_paths,omitempty"`
	// Text overrides built-in wording: locale → key → text.
	Text map[string]map[string]string `json:"text,omitempty"`
	// GPCCategories are the categories a Global Privacy Control signal
	// refuses (default: every optional category, which makes GPC a complete
	// Reject all). IgnoreGPC turns the signal off.
	GPCCategories []string `json:"gpc_categories,omitempty"`
	IgnoreGPC     bool     `json:"ignore_gpc,omitempty"`
	// ConsentMode is Google Consent Mode's mode: "basic" (default; Google
	// tags do not load before consent) or "advanced" (they load with every
	// consent type denied and send cookieless pings).
	ConsentMode string `json:"consent_mode,omitempty"`
	// PreConsentCSP adds a Content-Security-Policy for visitors who have
	// not consented to everything: "report-only" or "enforce". It allows
	// the site, PreConsentCSPAllow (CSP sources such as
	// https://cdn.example.com) and the hosts of consented categories.
	PreConsentCSP string `json:"pre_consent_csp,omitempty"`
	// LogStore is where records of consent go: an SQLite file path
	// (default consent-log.db in Caddy's data directory) or a postgres://
	// DSN for several nodes. LogSpool is the local directory that keeps
	// records durably while the store is unreachable. Retention is how long
	// records are kept (default 24 months); daily counts outlive it.
	LogStore  string         `json:"log,omitempty"`
	LogSpool  string         `json:"log_spool,omitempty"`
	Retention caddy.Duration `json:"retention,omitempty"`
	// Admin enables the DPO console under /_consent/admin/. It is off by
	// default and always requires authentication: Caddy's basic_auth (or
	// another authentication handler) in front of it, or the credential here.
	Admin              *Admin   `json:"admin,omitempty"`
	PreConsentCSPAllow []string `json:"pre_consent_csp_allow,omitempty"`
	// StatisticsException runs the analytics it names without consent,
	// under the UK statistical-purposes exception, unless the visitor
	// objects. Off by default.
	StatisticsException *StatisticsException `json:"statistics_exception,omitempty"`

	catalogue     *trackers.Catalogue // every tracker: cookies, withdrawal
	rewriting     *trackers.Catalogue // what the rewriter neutralises
	gpcCategories []trackers.Category
	codec         *consent.Codec
	signKey       []byte         // the consent cookie's key; other keys (console sessions) derive from it
	policy        consent.Policy // without its Version: see consentPolicy
	decls         *declarations
	tableSelector rewrite.Selector
	welshName     bool               // SiteNameCy was configured, so Welsh grammar applies to it
	stopTexts     context.CancelFunc // ends keepBannerTexts
	texts         map[string]*banner.Text
	providers     map[trackers.Category][]string
	rendered      *banner.Cache
	bannerCats    map[string][][]banner.Category // locale → grant mask → the settings layer's rows (newBannerCategories)
	links         *providerLinks
	neutralisedBy *sync.Map // *trackers.Vendor → its neutralised-elements counter (neutralisedOf)
	consentLog    *logHandle
	console       http.Handler // the DPO console, when enabled
	logKey        string
	bannerHash    map[string]string // locale → hash of the banner text shown
	cookies       *cookiepolicy.Policy
	logger        *zap.Logger
	guardConfig   string    // the run-time guard's host rules (guardJSON)
	guardHashes   [2]string // CSP hash sources of the guard, for HTML and XML pages
}

// Admin configures the DPO console.
type Admin struct {
	// User and PasswordHash (bcrypt or argon2id, as `caddy hash-password`
	// prints) are the console's own credential, for sites without
	// basic_auth: a login form at /_consent/admin/login, then a signed
	// session cookie.
	User         string `json:"user,omitempty"`
	PasswordHash string `json:"password_hash,omitempty"`
}

// StatisticsException is the DPO's assessment that some analytics are for
// statistics about how the site is used, with a view to improving it, and
// nothing more (PECR Schedule A1 paragraph 5, as the Data (Use and Access)
// Act 2025 s.112 inserted it), so that they may run without consent while
// the visitor is told and can object.
type StatisticsException struct {
	// Vendors are catalogue vendor IDs (google-analytics) or the match of
	// a site rule of category analytics. Session replay, tag managers and
	// anything not analytics are refused.
	Vendors []string `json:"vendors"`
	// AssessedBy and AssessedOn (YYYY-MM-DD) say who assessed the tools
	// and when; the console shows them.
	AssessedBy string `json:"assessed_by"`
	AssessedOn string `json:"assessed_on"`
	// NoticeOnly says the site uses nothing else that needs consent:
	// visitors get a one-sentence notice, with the objection, instead of
	// the banner. Anything the module holds all the same still waits for
	// consent, which the Cookie settings control and embed placeholders
	// ask for.
	NoticeOnly bool `json:"notice_only,omitempty"`
}

// statisticsSettings are what the site must set in the consoles of the
// vendors under the statistics exception (trackers.Vendor.StatisticsSettings).
func (h *Handler) statisticsSettings() []string {
	var out []string
	if h.StatisticsException == nil {
		return nil
	}
	for _, v := range h.catalogue.Vendors() {
		if v.Category == trackers.Statistics {
			out = append(out, v.StatisticsSettings...)
		}
	}
	return out
}

// validate checks what trackers.UnderStatisticsException does not: that
// the assessment says who made it and when.
func (e *StatisticsException) validate(now time.Time) error {
	if len(e.Vendors) == 0 {
		return errors.New("cookie_consent: statistics_exception: name the vendors or site rules that run under it")
	}
	if strings.TrimSpace(e.AssessedBy) == "" || e.AssessedOn == "" {
		return errors.New("cookie_consent: statistics_exception: assessed_by and assessed_on are required: the DPO must assess each tool before it runs without consent")
	}
	on, err := time.Parse(time.DateOnly, e.AssessedOn)
	if err != nil {
		return fmt.Errorf("cookie_consent: statistics_exception: assessed_on %q: want a date, YYYY-MM-DD", e.AssessedOn)
	}
	if on.After(now.Add(24 * time.Hour)) {
		return fmt.Errorf("cookie_consent: statistics_exception: assessed_on %s is in the future", e.AssessedOn)
	}
	return nil
}

// Rule is a site-specific tracker rule.
type Rule struct {
	// Match is a host ("maps.google.com"), host and path prefix
	// ("example.com/embed/"), or with Inline an inline-code substring.
	// Category "necessary" exempts what the catalogue would hold back (a
	// form's own bot check, say); the most specific rule wins.
	Match    string `json:"match"`
	Category string `json:"category"`
	Inline   bool   `json:"inline,omitempty"`
}

// SiteCookie is a cookie the site itself sets: a non-essential one, held
// back until its category is consented, or with category "necessary" one
// that never is. The rest is what the cookie table says of it; the *Cy
// fields are its Welsh, and what is left out gets a default.
type SiteCookie struct {
	Name            string `json:"name"`
	Category        string `json:"category"`
	Prefix          bool   `json:"prefix,omitempty"`
	Provider        string `json:"provider,omitempty"`
	Purpose         string `json:"purpose,omitempty"`
	PurposeCy       string `json:"purpose_cy,omitempty"`
	Content         string `json:"content,omitempty"`
	ContentCy       string `json:"content_cy,omitempty"`
	Expires         string `json:"expires,omitempty"` // "session", "30d", "2 years"; default session
	Justification   string `json:"justification,omitempty"`
	JustificationCy string `json:"justification_cy,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.cookie_consent",
		New: func() caddy.Module { return new(Handler) },
	}
}

const month = 30 * 24 * time.Hour

// Provision sets up the handler. It checks the whole config first and
// only then touches anything outside the process (the signing key in
// Caddy's storage, the consent log), so a config Caddy refuses leaves no
// trace.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.setDefaults()
	if err := h.Validate(); err != nil {
		return err
	}
	vendors, rules, _ := h.trackerInputs() // Validate has checked them
	cat, err := trackers.New(vendors, rules)
	if err != nil {
		return fmt.Errorf("cookie_consent: rules: %w", err)
	}
	h.catalogue, h.rewriting = cat, cat
	if settings := h.statisticsSettings(); len(settings) > 0 {
		h.logger.Info("statistics_exception: for the exempt vendors to stay statistics only, set these in their own consoles",
			zap.Strings("settings", settings))
	}
	if h.ConsentMode == "advanced" {
		if h.rewriting, err = trackers.New(withoutVendors(vendors, consentModeVendors), rules); err != nil {
			return fmt.Errorf("cookie_consent: rules: %w", err)
		}
	}
	h.texts = map[string]*banner.Text{}
	for _, loc := range banner.Locales {
		t, err := banner.LoadText(loc, h.bannerText(loc))
		if err != nil {
			return fmt.Errorf("cookie_consent: text: %w", err)
		}
		h.texts[loc] = t
	}
	h.rendered = new(banner.Cache)
	h.guardConfig = guardJSON(h.rewriting)
	h.guardHashes = guardHashSources(h.guardConfig)
	h.gpcCategories = nil
	if !h.IgnoreGPC {
		h.gpcCategories = slices.Clone(trackers.Categories)
		if len(h.GPCCategories) > 0 {
			h.gpcCategories = h.gpcCategories[:0]
			for _, c := range h.GPCCategories {
				h.gpcCategories = append(h.gpcCategories, trackers.Category(c))
			}
			h.gpcCategories = consent.CanonicalCategories(h.gpcCategories)
		}
	}
	h.providers = map[trackers.Category][]string{}
	for _, v := range cat.Vendors() {
		// Exemptions and the catalogue's fail-safe vendors (an unknown
		// amp-analytics, say) name no provider a visitor would recognise.
		if v.Category == trackers.Necessary || len(v.Hosts) == 0 && len(v.Signatures) == 0 {
			continue
		}
		if !slices.Contains(h.providers[v.Category], v.Name) && !strings.HasPrefix(v.ID, "site:") {
			h.providers[v.Category] = append(h.providers[v.Category], v.Name)
		}
	}
	h.bannerCats = h.newBannerCategories()
	h.links, h.neutralisedBy = new(providerLinks), new(sync.Map)
	h.cookies = h.newCookiePolicy()
	if h.CookieTableSelector != "" {
		h.tableSelector, _ = rewrite.ParseSelector(h.CookieTableSelector) // Validate has checked it
	}
	// The version follows what the site is seen to use: consentPolicy.
	h.decls = new(declarations)
	h.policy = consent.Policy{
		AcceptMaxAge: durationOr(h.AcceptMaxAge, 12*month),
		RejectMaxAge: durationOr(h.RejectMaxAge, 6*month),
		Statistics:   h.StatisticsException != nil,
	}

	// Side effects, now that the config is known to be good.
	if err := registerMetrics(ctx); err != nil {
		return fmt.Errorf("cookie_consent: metrics: %w", err)
	}
	if h.signKey, err = h.signingKey(ctx); err != nil {
		return err
	}
	if h.codec, err = consent.NewCodec(h.signKey); err != nil {
		return fmt.Errorf("cookie_consent: secret: %w", err)
	}
	if err := h.provisionLog(ctx); err != nil {
		return err
	}
	h.provisionAdmin()
	return nil
}

// siteName is the site's name in locale.
func (h *Handler) siteName(locale string) string {
	if locale == "cy" {
		return h.SiteNameCy
	}
	return h.SiteName
}

// siteNameAfter is the name as it reads after "ar" or "i" ("Cwcis ar
// Gyngor Sir Llanwern"): softly mutated, when it is a Welsh name the config
// gave. An English name on a Welsh page is left as it is.
func (h *Handler) siteNameAfter(locale string) string {
	if locale == "cy" && h.welshName {
		return cy.Soft(h.SiteNameCy)
	}
	return h.siteName(locale)
}

// setDefaults fills in what the config leaves out.
func (h *Handler) setDefaults() {
	if h.SiteName == "" {
		h.SiteName = "this website"
		if h.SiteNameCy == "" {
			h.SiteNameCy = "y wefan hon"
		}
	}
	h.welshName = h.SiteNameCy != ""
	if h.SiteNameCy == "" {
		h.SiteNameCy = h.SiteName
	}
	if h.CookieTablePath == "" {
		h.CookieTablePath = Prefix + "/cookies"
	}
	if h.WelshPaths == nil {
		h.WelshPaths = []string{"/cy/"}
	}
}

// trackerInputs are the catalogue's vendors and the site's rules, with
// those the statistics exception names moved to trackers.Statistics.
func (h *Handler) trackerInputs() ([]trackers.Vendor, []trackers.Rule, error) {
	rules := make([]trackers.Rule, len(h.Rules))
	for i, r := range h.Rules {
		rules[i] = trackers.Rule{Pattern: r.Match, Category: trackers.Category(r.Category), Inline: r.Inline}
	}
	if h.StatisticsException == nil {
		return trackers.Builtin, rules, nil
	}
	return trackers.UnderStatisticsException(trackers.Builtin, rules, h.StatisticsException.Vendors)
}

// consentModeVendors are the Google tags that honour Consent Mode, and so
// may load before consent in advanced mode.
var consentModeVendors = []string{"google-tag-manager", "google-analytics", "google-ads"}

func withoutVendors(vs []trackers.Vendor, ids []string) []trackers.Vendor {
	var out []trackers.Vendor
	for _, v := range vs {
		if !slices.Contains(ids, v.ID) {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks the configuration. It has no side effects; Provision
// runs it before it has any.
func (h *Handler) Validate() error {
	if h.StatisticsException != nil {
		if err := h.StatisticsException.validate(time.Now()); err != nil {
			return err
		}
	}
	vendors, rules, err := h.trackerInputs()
	if err != nil {
		return fmt.Errorf("cookie_consent: statistics_exception: %w", err)
	}
	if _, err := trackers.New(vendors, rules); err != nil {
		return fmt.Errorf("cookie_consent: rules: %w", err)
	}
	if h.Secret != "" && len(h.secret()) < 16 {
		return errors.New("cookie_consent: secret: must be at least 16 characters")
	}
	switch h.ConsentMode {
	case "", "basic", "advanced":
	default:
		return fmt.Errorf("cookie_consent: consent_mode %q: want basic or advanced", h.ConsentMode)
	}
	if h.Admin != nil {
		if err := h.Admin.validate(); err != nil {
			return err
		}
	}
	if h.CookieTableSelector != "" {
		if _, err := rewrite.ParseSelector(h.CookieTableSelector); err != nil {
			return fmt.Errorf("cookie_consent: cookie_table_selector: %w", err)
		}
	}
	if r := h.CookieReport; r != nil && !(*r >= 0 && *r <= 1) {
		return fmt.Errorf("cookie_consent: cookie_report: %v is not a share of page views between 0 and 1", *r)
	}
	if h.Retention < 0 {
		return fmt.Errorf("cookie_consent: retention: %v is negative", time.Duration(h.Retention))
	}
	switch h.PreConsentCSP {
	case "", cspReportOnly, cspEnforce:
	default:
		return fmt.Errorf("cookie_consent: pre_consent_csp %q: want report-only or enforce", h.PreConsentCSP)
	}
	for _, src := range h.PreConsentCSPAllow {
		if src == "" || strings.ContainsAny(src, ";,\r\n ") {
			return fmt.Errorf("cookie_consent: pre_consent_csp allow: %q is not one CSP source", src)
		}
	}
	for _, c := range h.GPCCategories {
		if !trackers.Category(c).Valid() {
			return fmt.Errorf("cookie_consent: gpc: unknown category %q (want one of %v)", c, trackers.Categories)
		}
	}
	builtin, _ := trackers.New(trackers.Builtin, nil)
	for _, c := range h.Cookies {
		if cat := trackers.Category(c.Category); cat == trackers.Statistics && h.StatisticsException == nil {
			return fmt.Errorf("cookie_consent: cookie %q: category statistics needs statistics_exception", c.Name)
		} else if !cat.Valid() && cat != trackers.Necessary && cat != trackers.Statistics {
			return fmt.Errorf("cookie_consent: cookie %q: unknown category %q (want necessary or one of %v)", c.Name, c.Category, trackers.Categories)
		}
		if c.Expires != "" {
			if _, err := cookietable.ParseExpiry(c.Expires); err != nil {
				return fmt.Errorf("cookie_consent: cookie %q: %w", c.Name, err)
			}
		}
		if v := cookiepolicy.Tracker(builtin, c.Name, c.Prefix); v != nil && c.Category == string(trackers.Necessary) {
			return fmt.Errorf("cookie_consent: cookie %q: %s sets it for %s, so it is not strictly necessary and needs consent; declare it %s or leave it to the catalogue", c.Name, v.Name, v.Category, v.Category)
		}
	}
	for _, n := range h.NecessaryCookies {
		if v := cookiepolicy.Tracker(builtin, n, false); v != nil {
			return fmt.Errorf("cookie_consent: necessary_cookies %q: %s sets it for %s, so it is not strictly necessary and needs consent", n, v.Name, v.Category)
		}
	}
	for loc := range h.Text {
		if !slices.Contains(banner.Locales, loc) {
			return fmt.Errorf("cookie_consent: text: unknown locale %q (want one of %v)", loc, banner.Locales)
		}
		if _, err := banner.LoadText(loc, h.bannerText(loc)); err != nil {
			return fmt.Errorf("cookie_consent: text: %w", err)
		}
	}
	for _, d := range []struct {
		name string
		v    caddy.Duration
	}{{"accept_max_age", h.AcceptMaxAge}, {"reject_max_age", h.RejectMaxAge}} {
		if time.Duration(d.v) > consent.MaxAge || d.v < 0 {
			return fmt.Errorf("cookie_consent: %s: %v is over the 13-month cap", d.name, time.Duration(d.v))
		}
	}
	if h.CookieTablePath != "" && !strings.HasPrefix(h.CookieTablePath, "/") {
		return fmt.Errorf("cookie_consent: cookie_table_path %q must be a path starting with /", h.CookieTablePath)
	}
	return nil
}

func durationOr(d caddy.Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}

// secret is the configured secret with placeholders expanded.
func (h *Handler) secret() string {
	return caddy.NewReplacer().ReplaceAll(h.Secret, "")
}

// signingKeyName is the key in Caddy's storage under which the generated
// signing key is kept. With the default file storage it is the file
// consentgate/cookie-signing.key in Caddy's data directory.
const signingKeyName = "consentgate/cookie-signing.key"

// signingKey returns the configured secret, or a random key kept in
// Caddy's storage, so that restarts keep visitors' choices and nodes that
// share storage (the storage global option) agree on it without a secret.
func (h *Handler) signingKey(ctx caddy.Context) ([]byte, error) {
	if h.Secret != "" {
		return []byte(h.secret()), nil
	}
	st := ctx.Storage()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	load := func() ([]byte, error) {
		b, err := st.Load(sctx, signingKeyName)
		switch {
		case err == nil && len(b) >= 32:
			return b, nil
		case err == nil:
			return nil, fmt.Errorf("cookie_consent: signing key %s in storage is %d bytes; want at least 32 (delete it to generate a new one)", signingKeyName, len(b))
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil
		}
		return nil, fmt.Errorf("cookie_consent: read signing key %s from storage: %w", signingKeyName, err)
	}
	if b, err := load(); b != nil || err != nil {
		return b, err
	}
	// Two nodes starting at once must not each write a key of their own.
	if err := st.Lock(sctx, signingKeyName); err != nil {
		return nil, fmt.Errorf("cookie_consent: lock signing key in storage: %w", err)
	}
	defer func() { _ = st.Unlock(context.WithoutCancel(sctx), signingKeyName) }()
	if b, err := load(); b != nil || err != nil {
		return b, err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	b = []byte(hex.EncodeToString(b))
	if err := st.Store(sctx, signingKeyName, b); err != nil {
		return nil, fmt.Errorf("cookie_consent: store signing key %s: %w", signingKeyName, err)
	}
	h.logger.Info("generated the consent cookie signing key in Caddy's storage; nodes sharing that storage share it, or set `secret`",
		zap.String("key", signingKeyName))
	return b, nil
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
	_ http.ResponseWriter         = (*responseWriter)(nil)
	_ io.ReaderFrom               = (*responseWriter)(nil)
)
