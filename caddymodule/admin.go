package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/caddyauth"
	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/consentlog/console"
	"github.com/consentgate/consentgate/consentlog/console/login"
)

// adminPrefix is where the DPO console is mounted when enabled.
const adminPrefix = Prefix + "/admin"

// validate checks the console's config: a credential of its own is a user
// and a bcrypt or argon2id hash, else neither.
func (a *Admin) validate() error {
	if (a.User == "") != (a.PasswordHash == "") {
		return fmt.Errorf("cookie_consent: admin: give both a user and a password hash, or neither (then put basic_auth in front of %s/*)", adminPrefix)
	}
	if len(a.User) > login.MaxUserLen || strings.ContainsFunc(a.User, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("cookie_consent: admin: user %q: at most %d characters, no control characters", a.User, login.MaxUserLen)
	}
	if a.PasswordHash != "" {
		if _, err := comparerFor(a.PasswordHash); err != nil {
			return fmt.Errorf("cookie_consent: admin: password hash: %w", err)
		}
	}
	return nil
}

// comparerFor picks Caddy's comparer for a password hash by its prefix, and
// checks that the hash is well formed, so a bad one fails the config and
// not the DPO's first login.
func comparerFor(hash string) (caddyauth.Comparer, error) {
	switch {
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("not a valid bcrypt hash: %w", err)
		}
		return caddyauth.BcryptHash{}, nil
	case strings.HasPrefix(hash, "$argon2id$"):
		if _, _, err := caddyauth.DecodeHash([]byte(hash)); err != nil {
			return nil, fmt.Errorf("not a valid argon2id hash: %w", err)
		}
		return caddyauth.Argon2idHash{}, nil
	}
	return nil, errors.New("want a bcrypt ($2a$, $2b$, $2y$) or argon2id ($argon2id$) hash, as caddy hash-password prints")
}

// provisionAdmin builds the console when the config enables it: behind the
// console's own login when it has a credential, else trusting the
// authentication handler in front of it.
func (h *Handler) provisionAdmin() {
	if h.Admin == nil {
		return
	}
	opts := console.Options{Prefix: adminPrefix, User: frontUser, Logger: h.logger, Health: h.consentLog.log.Health,
		Findings: h.findings}
	if e := h.StatisticsException; e != nil {
		opts.Statistics = &console.StatisticsException{Vendors: e.Vendors, AssessedBy: e.AssessedBy, AssessedOn: e.AssessedOn,
			Settings: h.statisticsSettings()}
	}
	if h.Admin.User == "" {
		h.console = console.New(h.consentLog.store, opts)
		return
	}
	opts.User, opts.Logout = login.User, adminPrefix+"/logout"
	h.console = newLogin(h.Admin, h.signKey, h.consentLog.store.Audit, h.logger, console.New(h.consentLog.store, opts))
}

// newLogin puts the console's own login for credential a in front of next,
// with Caddy's comparer for the hash, the client address and scheme as
// Caddy determined them (honouring trusted_proxies), and the logins metric.
// Sessions are signed with a key derived from the site's signing key, so
// nodes that share it (through Caddy's storage or secret) accept each
// other's sessions.
func newLogin(a *Admin, signKey []byte, audit func(context.Context, consentlog.AuditEntry) error, logger *zap.Logger, next http.Handler) http.Handler {
	cmp, _ := comparerFor(a.PasswordHash) // checked by Admin.validate
	return login.New(login.Options{
		Prefix: adminPrefix, User: a.User, PasswordHash: a.PasswordHash, Compare: cmp.Compare,
		SignKey: signKey, Audit: audit, Logger: logger,
		ClientIP: func(r *http.Request) string {
			ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
			return ip
		},
		Secure:   func(r *http.Request) bool { return requestScheme(r) == "https" },
		OnResult: func(result string) { metrics.logins.WithLabelValues(result).Inc() },
	}, next)
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
