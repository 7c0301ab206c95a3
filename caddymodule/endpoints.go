package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/banner"
	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// maxChoiceBody caps a consent post: the largest honest one is well under 1 KB.
const maxChoiceBody = 8 << 10

// serveEndpoint serves the handler's own paths under Prefix.
func (h *Handler) serveEndpoint(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Path, Prefix+"/")
	switch name {
	case "choice":
		return h.serveChoice(w, r)
	case "settings":
		return h.serveSettings(w, r)
	case "cookies":
		return h.serveCookieTable(w, r)
	case "banner.js", "banner.css", "consent-mode.js":
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeFileFS(w, r, banner.Assets, name)
		return nil
	}
	return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("cookie_consent: no endpoint %q", name))
}

// choiceResponse is the JSON answer to a choice posted by the banner script.
type choiceResponse struct {
	ID      string   `json:"id"`
	Granted []string `json:"granted"`
	Version string   `json:"version"`
}

// serveChoice records a visitor's choice: it checks the request came from
// this site, sets the consent cookie, expires cookies no longer allowed and
// answers JSON to the banner script or 303 to a plain form.
func (h *Handler) serveChoice(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: choice: method %s", r.Method))
	}
	if err := sameOrigin(r); err != nil {
		return caddyhttp.Error(http.StatusForbidden, err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxChoiceBody)
	if err := r.ParseForm(); err != nil {
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: choice: %w", err))
	}
	action := r.PostForm.Get("action")
	var granted []trackers.Category
	switch action {
	case "accept_all":
		granted = slices.Clone(trackers.Categories)
	case "reject_all":
	case "save":
		for _, c := range r.PostForm["category"] {
			cat := trackers.Category(c)
			if !cat.Valid() {
				return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: choice: unknown category %q", c))
			}
			if !slices.Contains(granted, cat) {
				granted = append(granted, cat)
			}
		}
		slices.SortFunc(granted, func(a, b trackers.Category) int {
			return slices.Index(trackers.Categories, a) - slices.Index(trackers.Categories, b)
		})
	default:
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: choice: unknown action %q", action))
	}

	prev := h.visitorOf(r)
	id := prev.decision.ID
	if id == "" {
		id = consent.NewID()
	}
	d := consent.Decision{ID: id, Granted: granted, Version: h.policy.Version, Time: time.Now().UTC()}
	http.SetCookie(w, &http.Cookie{
		Name: consent.CookieName, Value: h.codec.Encode(d), Path: "/",
		MaxAge: int(h.policy.MaxAgeFor(d).Seconds()), Secure: r.TLS != nil,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	now := visitor{decision: d, decided: true, gpc: prev.gpc}
	h.expireTrackerCookies(w, r, now)

	returnTo := safeReturn(r.PostForm.Get("return_to"))
	page, _, _ := strings.Cut(returnTo, "?")
	h.logger.Info("consent decision",
		zap.String("consent_id", id), zap.String("action", action),
		zap.Strings("granted", categoryStrings(granted)), zap.String("policy_version", d.Version),
		zap.String("page", page), zap.Bool("gpc", prev.gpc), zap.Bool("renewal", prev.decision.ID != ""))

	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(choiceResponse{ID: id, Granted: categoryStrings(granted), Version: d.Version})
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
	return nil
}

// sameOrigin rejects cross-site posts: a forged choice must not change a
// visitor's consent. Browsers send Origin with every POST; Sec-Fetch-Site
// and Referer are fallbacks for older ones.
func sameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || o == "null" || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("cookie_consent: choice: cross-origin post from %q", o)
		}
		return nil
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return fmt.Errorf("cookie_consent: choice: %s post", s)
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		if u, err := url.Parse(ref); err != nil || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("cookie_consent: choice: cross-origin referer")
		}
	}
	return nil
}

// serveSettings is the settings layer as a page of its own, for visitors
// without JavaScript.
func (h *Handler) serveSettings(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: settings: method %s", r.Method))
	}
	returnTo := safeReturn(r.URL.Query().Get("return_to"))
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
