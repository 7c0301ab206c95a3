package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// maxChoiceBody caps a consent post: the largest honest one is well under 1 KB.
const maxChoiceBody = 8 << 10

// serveEndpoint serves the handler's own paths under Prefix.
func (h *Handler) serveEndpoint(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, Prefix+"/")
	if name == "admin" || strings.HasPrefix(name, "admin/") {
		return h.serveAdmin(w, r)
	}
	switch name {
	case "choice":
		return h.serveChoice(w, r)
	case "settings":
		return h.serveSettings(w, r)
	case "csp-report":
		return h.serveCSPReport(w, r)
	case "cookies":
		return h.serveCookieTable(w, r)
	case "seen":
		return h.serveSeen(w, r)
	case "banner.js", "banner.css", "consent-mode.js":
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeFileFS(w, r, banner.Assets, name)
		return nil
	}
	return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("cookie_consent: no endpoint %q", name))
}

// choiceResponse is the JSON answer to a choice posted by the banner
// script, and to its GET of the current choice. Granted is what runs for
// the visitor: the categories consented to, and statistics under the
// exception unless they object.
type choiceResponse struct {
	ID      string   `json:"id"`
	Granted []string `json:"granted"`
	Version string   `json:"version"`
	Decided bool     `json:"decided"`
}

// serveChoice records a visitor's choice: it checks the request came from
// this site, sets the consent cookie, expires cookies no longer allowed and
// answers JSON to the banner script or 303 to a plain form.
func (h *Handler) serveChoice(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return h.serveCurrentChoice(w, r)
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: choice: method %s", r.Method))
	}
	if err := sameOrigin(r); err != nil {
		return caddyhttp.Error(http.StatusForbidden, fmt.Errorf("cookie_consent: choice: %w", err))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxChoiceBody)
	if err := r.ParseForm(); err != nil {
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: choice: %w", err))
	}
	prev := h.visitorOf(r)
	js := strings.Contains(r.Header.Get("Accept"), "application/json")
	cc, err := consent.ParseChoice(r.PostForm, prev, js, h.gpcCategories)
	if err != nil {
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: choice: %w", err))
	}
	returnTo := consent.SafeReturn(r.PostForm.Get("return_to"))
	c := choice{Choice: cc, page: returnTo, locale: h.locale(returnTo, r.PostForm.Get("lang"))}
	after := h.recordChoice(w, r, prev, c)
	if js {
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(choiceResponse{ID: after.Decision.ID, Granted: categoryStrings(after.Runs()), Version: after.Decision.Version, Decided: after.Decided})
	}
	// The page says what was saved in its #cg-saved message, which CSS
	// shows when it is the target: without JavaScript too. (SafeReturn
	// has dropped any fragment of the page's own.) An objection alone is
	// no saved choice: the page itself says the visitor objected.
	if cc.KeepsConsent {
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, returnTo+"#cg-saved", http.StatusSeeOther)
	return nil
}

// serveCurrentChoice answers the banner script's question "what has this
// visitor chosen?", which it cannot read from the HttpOnly cookie: asked
// when a page comes back from the back/forward cache, which may predate a
// choice made on another page. The same origin reads it; others cannot.
func (h *Handler) serveCurrentChoice(w http.ResponseWriter, r *http.Request) error {
	v := h.visitorOf(r)
	resp := choiceResponse{Granted: categoryStrings(v.Runs()), Version: h.consentPolicy().Version, Decided: v.Decided}
	if v.Decided {
		resp.ID = v.Decision.ID
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return nil
	}
	return json.NewEncoder(w).Encode(resp)
}

// sameOrigin rejects cross-site posts (of a choice, or of the banner's
// report of cookie names): a forged choice must not change a
// visitor's consent.
//
// Origin, which every browser has sent with every POST since 2020, must be
// exactly this site's: same scheme (https when Caddy terminated TLS, or a
// trusted proxy says X-Forwarded-Proto: https), same host and port, and
// nothing else (no userinfo, path, query or fragment; "null", sent by
// sandboxed frames and some redirects, is refused). Without Origin, a
// Sec-Fetch-Site of same-origin, or a Referer on this site, is taken as the
// evidence instead. A post with none of the three is refused: the banner's
// forms and script always carry Origin, so it comes from a script or an
// old client, and a choice is never recorded on no evidence at all.
func sameOrigin(r *http.Request) error {
	scheme := requestScheme(r)
	if o, ok := r.Header["Origin"]; ok {
		if len(o) != 1 || !sameSite(o[0], scheme, r.Host, false) {
			return fmt.Errorf("cross-origin post from Origin %q", o)
		}
		return nil
	}
	switch s := strings.ToLower(r.Header.Get("Sec-Fetch-Site")); s {
	case "same-origin":
		return nil
	case "":
	default:
		return fmt.Errorf("%s post", s)
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		if !sameSite(ref, scheme, r.Host, true) {
			return fmt.Errorf("cross-origin post from Referer %q", ref)
		}
		return nil
	}
	return fmt.Errorf("post without Origin, Sec-Fetch-Site or Referer refused")
}

// requestScheme is the scheme the browser used: https when Caddy terminated
// TLS, or when a proxy listed in trusted_proxies terminated it and says so.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool); trusted &&
		strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		return "https"
	}
	return "http"
}

// sameSite reports whether raw (an Origin, or with withPath a Referer) names
// scheme://host, default ports counting as absent.
func sameSite(raw, scheme, host string, withPath bool) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != scheme || u.User != nil || u.Opaque != "" || u.Host == "" {
		return false
	}
	if !withPath && (u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw[len(scheme)+3:], "/?#")) {
		return false
	}
	return strings.EqualFold(withoutDefaultPort(u.Host, scheme), withoutDefaultPort(host, scheme))
}

func withoutDefaultPort(host, scheme string) string {
	if p := map[string]string{"http": ":80", "https": ":443"}[scheme]; strings.HasSuffix(host, p) {
		return strings.TrimSuffix(host, p)
	}
	return host
}

// serveSettings is the settings layer as a page of its own, for visitors
// without JavaScript.
func (h *Handler) serveSettings(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: settings: method %s", r.Method))
	}
	returnTo := consent.SafeReturn(r.URL.Query().Get("return_to"))
	p := h.page(h.visitorOf(r), h.locale(path.Clean("/"+strings.TrimPrefix(returnTo, "/")), r.URL.Query().Get("lang")), returnTo)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	_, err := w.Write(banner.SettingsPage(p))
	return err
}

func categoryStrings(cs []trackers.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}
