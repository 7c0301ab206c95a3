package caddymodule

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/consentlog/console"
)

// adminPrefix is where the DPO console is mounted when enabled.
const adminPrefix = Prefix + "/admin"

// validate checks the console's config: a credential of its own is a user
// and a bcrypt or argon2id hash, else neither.
func (a *Admin) validate() error {
	if (a.User == "") != (a.PasswordHash == "") {
		return fmt.Errorf("cookie_consent: admin: give both a user and a password hash, or neither (then put basic_auth in front of %s/*)", adminPrefix)
	}
	if len(a.User) > maxUserLen || strings.ContainsFunc(a.User, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("cookie_consent: admin: user %q: at most %d characters, no control characters", a.User, maxUserLen)
	}
	if a.PasswordHash != "" {
		if _, err := comparerFor(a.PasswordHash); err != nil {
			return fmt.Errorf("cookie_consent: admin: password hash: %w", err)
		}
	}
	return nil
}

// provisionAdmin builds the console when the config enables it: behind the
// console's own login when it has a credential, else trusting the
// authentication handler in front of it.
func (h *Handler) provisionAdmin() {
	if h.Admin == nil {
		return
	}
	opts := console.Options{Prefix: adminPrefix, User: frontUser, Logger: h.logger, Health: h.consentLog.log.Health}
	if h.Admin.User == "" {
		h.console = console.New(h.consentLog.store, opts)
		return
	}
	l := newLogin(h.Admin, h.signKey, h.consentLog.store.Audit, h.logger)
	opts.User, opts.Logout = sessionUser, adminPrefix+"/logout"
	l.next = console.New(h.consentLog.store, opts)
	h.console = l
}

// serveAdmin serves the DPO console to an authenticated user only. The
// console does not exist unless configured: a public site answers 404.
func (h *Handler) serveAdmin(w http.ResponseWriter, r *http.Request) error {
	if h.console == nil {
		return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("cookie_consent: the DPO console is not enabled"))
	}
	if h.Admin.User == "" && frontUser(r) == "" {
		w.Header().Set("Cache-Control", "no-store")
		return caddyhttp.Error(http.StatusForbidden, fmt.Errorf("cookie_consent: admin: no authentication in front of %s/ (add basic_auth %s/* or admin <user> <hash>)", adminPrefix, adminPrefix))
	}
	h.console.ServeHTTP(w, r)
	return nil
}

// frontUser is the user an authentication handler before this one (Caddy's
// basic_auth) has verified; empty means none.
func frontUser(r *http.Request) string {
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		if id, _ := repl.GetString("http.auth.user.id"); strings.TrimSpace(id) != "" {
			return id
		}
	}
	return ""
}
