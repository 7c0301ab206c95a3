// Package console is the DPO's web console over a consentlog.Store: search
// by consent ID and date range, one consent ID's full history (subject
// access) with the banner text each visitor was shown, CSV and JSON
// export, statistics drawn as server-side SVG charts, chain verification,
// erasure of one consent ID and the audit log of all of these
// (requirements rules 26–28); and, for the web team, the cookies the site
// was seen to use that its declaration does not cover.
//
// It is a plain http.Handler that knows nothing of Caddy. It does not
// authenticate: the caller puts it behind authentication and tells it who
// the user is (Options.User), and every query, export, verification and
// erasure is written to the store's audit log under that name before it
// runs; if the audit entry cannot be written the action does not run. A
// caller with a login of its own renders its form with LoginPage, in the
// console's look, and names its sign-out form's target in Options.Logout;
// package console/login is such a login.
//
// The pages are server-rendered, work without JavaScript and make no
// request outside the console, which lets them carry a CSP that allows
// nothing but the console's own stylesheet and forms.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/cookieseen"
)

// Options configure the console.
type Options struct {
	// Prefix is the path the console is mounted at, such as
	// "/_consent/admin"; requests outside it get a 404.
	Prefix string
	// User names the authenticated user of a request, for the audit log.
	User func(*http.Request) string
	// Logger hears about store failures; nil discards them.
	Logger *zap.Logger
	// Health, if set, reports the consent log store's state, shown on every
	// page: a DPO must know when records are waiting in the spool.
	Health func() consentlog.Health
	// Logout is the path a "Sign out" button in the header posts to; empty
	// shows none (authentication in front of the console has no sign-out
	// the console could offer).
	Logout string
	// Findings, if set, is what the site was seen to use, reviewed against
	// its live declaration: the "Cookies found" page and cookies.json,
	// which tell the web team what to declare. Nil hides the page.
	Findings func(ctx context.Context) ([]cookieseen.Finding, error)
	// Statistics, if set, is the assessment under which the site runs
	// statistics without consent, shown with the objections on the
	// statistics page: the DPO answers for it. Nil shows none.
	Statistics *StatisticsException
}

// StatisticsException is the assessment that some analytics are for
// statistics only (the UK statistical-purposes exception, PECR Schedule A1
// paragraph 5), so that they run without consent unless the visitor
// objects.
type StatisticsException struct {
	Vendors    []string // the vendors or site rules that run under it
	AssessedBy string   // who assessed them
	AssessedOn string   // when, YYYY-MM-DD
	Settings   []string // what the site must set in the vendors' own consoles
}

//go:embed templates/*.html assets/console.css
var files embed.FS

// stylesheet is served from the console's own path so that the CSP can
// forbid every other source, inline styles included.
var stylesheet, _ = files.ReadFile("assets/console.css")

// csp allows the console's stylesheet and same-origin forms, nothing else:
// no script at all, no framing, no external requests.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type handler struct {
	store  consentlog.Store
	prefix string
	user   func(*http.Request) string
	logout string
	health func() consentlog.Health
	finds  func(context.Context) ([]cookieseen.Finding, error)
	except *StatisticsException
	log    *zap.Logger
	key    []byte // signs erase form tokens; new per New, so a restart voids open forms
	cop    *http.CrossOriginProtection
	pages  map[string]*template.Template
	mux    *http.ServeMux
}

// New returns the console serving store under opts.Prefix.
func New(store consentlog.Store, opts Options) http.Handler {
	h := &handler{
		store:  store,
		prefix: strings.TrimSuffix(opts.Prefix, "/"),
		user:   opts.User,
		logout: opts.Logout,
		health: opts.Health,
		finds:  opts.Findings,
		except: opts.Statistics,
		log:    opts.Logger,
		key:    make([]byte, 32),
		cop:    http.NewCrossOriginProtection(),
		pages:  pages,
	}
	if h.log == nil {
		h.log = zap.NewNop()
	}
	_, _ = rand.Read(h.key) // crypto/rand.Read never fails on supported platforms
	h.mux = h.routes()
	return h
}

// setHeaders gives every console response, the login page included, the
// same protection: never cached, never framed or indexed, no referrer to
// other sites, and the CSP. The referrer policy is same-origin, not
// no-referrer: under no-referrer a browser sends "Origin: null" with a
// form's POST (sign in, sign out, erase), and over plain HTTP it sends no
// Sec-Fetch-Site either, leaving the same-origin check nothing to go on.
func setHeaders(hd http.Header) {
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Robots-Tag", "noindex, nofollow")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", csp)
}

// routes maps each page to its handler with http.ServeMux method patterns
// ("GET" also answers HEAD). Every page path also gets a pattern without a
// method, which ServeMux prefers only when the method does not match: it
// answers 405 with the page's own methods in Allow, as a console page.
// Anything else under the prefix, or outside it, is a 404 console page.
func (h *handler) routes() *http.ServeMux {
	p := h.prefix
	type page struct {
		method, path string
		fn           http.HandlerFunc
	}
	pages := []page{
		{http.MethodGet, "/{$}", h.search},
		{http.MethodGet, "/history", h.history},
		{http.MethodGet, "/export", h.export},
		{http.MethodGet, "/stats", h.stats},
		{http.MethodGet, "/verify", h.verify},
		{http.MethodGet, "/erase", h.confirmErase},
		{http.MethodPost, "/erase", h.erase},
		{http.MethodGet, "/audit", h.auditLog},
		{http.MethodGet, "/banner-text", h.bannerText},
		{http.MethodGet, "/console.css", serveStylesheet},
	}
	if h.finds != nil {
		pages = append(pages, page{http.MethodGet, "/cookies", h.cookies}, page{http.MethodGet, "/cookies.json", h.cookiesJSON})
	}
	mux := http.NewServeMux()
	allow := map[string][]string{}
	for _, pg := range pages {
		mux.HandleFunc(pg.method+" "+p+pg.path, pg.fn)
		if pg.method == http.MethodGet {
			allow[pg.path] = append(allow[pg.path], http.MethodGet, http.MethodHead)
		} else {
			allow[pg.path] = append(allow[pg.path], pg.method)
		}
	}
	for path, methods := range allow {
		mux.HandleFunc(p+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			h.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "This page cannot be used with "+r.Method+".")
		})
	}
	notFound := func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "Page not found", "There is no such page in the consent records console.")
	}
	mux.HandleFunc(p+"/", notFound)
	if p != "" {
		mux.HandleFunc("/", notFound)
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
		})
	}
	return mux
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setHeaders(w.Header())
	h.mux.ServeHTTP(w, r)
}

func serveStylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(stylesheet)
}

// actor is the audit log's name for the user of r.
func (h *handler) actor(r *http.Request) string {
	if h.user != nil {
		if u := h.user(r); u != "" {
			return u
		}
	}
	return "(unknown)"
}

// token is the erase form's CSRF token: bound to the user and the consent
// ID, so a token seen in one form cannot erase anything else.
func (h *handler) token(user, consentID string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("erase\x00" + user + "\x00" + consentID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *handler) validToken(user, consentID, tok string) bool {
	return hmac.Equal([]byte(tok), []byte(h.token(user, consentID)))
}
