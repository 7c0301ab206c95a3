package caddymodule

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog/console"
)

// adminPrefix is where the DPO console is mounted when enabled.
const adminPrefix = Prefix + "/admin"

// provisionAdmin builds the console when the config enables it.
func (h *Handler) provisionAdmin() {
	if h.Admin == nil {
		return
	}
	h.console = console.New(h.consentLog.store, console.Options{Prefix: adminPrefix, User: h.adminUser, Logger: h.logger})
}

// serveAdmin serves the DPO console to an authenticated user only. The
// console does not exist unless configured: a public site answers 404.
func (h *Handler) serveAdmin(w http.ResponseWriter, r *http.Request) error {
	if h.console == nil {
		return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("cookie_consent: the DPO console is not enabled"))
	}
	w.Header().Set("Cache-Control", "no-store")
	if h.adminUser(r) == "" {
		if h.Admin.User != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="consentgate DPO console", charset="UTF-8"`)
			return caddyhttp.Error(http.StatusUnauthorized, fmt.Errorf("cookie_consent: admin: not authenticated"))
		}
		return caddyhttp.Error(http.StatusForbidden, fmt.Errorf("cookie_consent: admin: no authentication in front of %s/ (add basic_auth %s/* or admin <user> <hash>)", adminPrefix, adminPrefix))
	}
	h.console.ServeHTTP(w, r)
	return nil
}

// adminUser names the authenticated DPO: the console's own credential if
// configured, otherwise the user an authentication handler before this one
// (Caddy's basic_auth) has verified. Empty means not authenticated.
func (h *Handler) adminUser(r *http.Request) string {
	if h.Admin.User != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(h.Admin.User)) != 1 ||
			bcrypt.CompareHashAndPassword([]byte(h.Admin.PasswordHash), []byte(pass)) != nil {
			return ""
		}
		return user
	}
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		if id, _ := repl.GetString("http.auth.user.id"); strings.TrimSpace(id) != "" {
			return id
		}
	}
	return ""
}
