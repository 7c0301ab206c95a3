package caddymodule

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog"
)

const testPassword = "correct horse"

// testHashes are the password in both formats caddy hash-password prints,
// at the lowest cost, so that tests are fast.
func testHashes(t *testing.T) map[string]string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(testPassword), salt, 1, 64, 1, 32)
	a := fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	return map[string]string{"bcrypt": string(b), "argon2id": a}
}

// loginCount reads the console_logins_total counter for result.
func loginCount(result string) float64 {
	var m dto.Metric
	_ = metrics.logins.WithLabelValues(result).Write(&m)
	return m.GetCounter().GetValue()
}

// TestAdminLoginAdapter: what Caddy gives the console's login. A bcrypt
// or an argon2id hash signs in with its password only, and each attempt
// is counted in console_logins_total; the client address and HTTPS come
// from Caddy, so a proxy in trusted_proxies that says https is HTTPS, and
// its client's address is the one audited, while an untrusted one is not
// believed. (The login itself is tested in consentlog/console/login.)
func TestAdminLoginAdapter(t *testing.T) {
	type caddyVars struct {
		trusted  bool
		clientIP string
	}
	for alg, hash := range testHashes(t) {
		t.Run(alg, func(t *testing.T) {
			a := &Admin{User: "dpo", PasswordHash: hash}
			if err := a.validate(); err != nil {
				t.Fatal(err)
			}
			var audits []consentlog.AuditEntry
			audit := func(_ context.Context, e consentlog.AuditEntry) error {
				audits = append(audits, e)
				return nil
			}
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
			l := newLogin(a, []byte("0123456789abcdef0123456789abcdef"), audit, zap.NewNop(), next)
			post := func(target, pass string, vars *caddyVars, hdr ...string) *httptest.ResponseRecorder {
				t.Helper()
				r := httptest.NewRequest(http.MethodPost, target+"/_consent/admin/login",
					strings.NewReader(url.Values{"username": {"dpo"}, "password": {pass}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Sec-Fetch-Site", "same-origin")
				for i := 0; i+1 < len(hdr); i += 2 {
					r.Header.Set(hdr[i], hdr[i+1])
				}
				if vars != nil {
					r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{
						caddyhttp.TrustedProxyVarKey: vars.trusted, caddyhttp.ClientIPVarKey: vars.clientIP,
					}))
				}
				w := httptest.NewRecorder()
				l.ServeHTTP(w, r)
				return w
			}
			ok, failed := loginCount("ok"), loginCount("failed")
			if w := post("https://council.test", "wrong", nil); w.Code != http.StatusUnauthorized {
				t.Errorf("wrong password: %d", w.Code)
			}
			if w := post("https://council.test", testPassword, nil); w.Code != http.StatusSeeOther {
				t.Errorf("right password: %d %.300s", w.Code, w.Body.String())
			}
			if d := loginCount("ok") - ok; d != 1 {
				t.Errorf("logins{ok} rose by %v, want 1", d)
			}
			if d := loginCount("failed") - failed; d != 1 {
				t.Errorf("logins{failed} rose by %v, want 1", d)
			}

			w := post("http://council.test", testPassword, &caddyVars{trusted: true, clientIP: "203.0.113.9"}, "X-Forwarded-Proto", "https")
			if !strings.Contains(w.Header().Get("Set-Cookie"), "; Secure") || w.Code != http.StatusSeeOther {
				t.Errorf("through a trusted proxy that says https: %d %q", w.Code, w.Header().Get("Set-Cookie"))
			}
			if last := audits[len(audits)-1]; last.Action != "login" || last.Detail != "ip=203.0.113.0" {
				t.Errorf("audit %+v, want a login from the address Caddy determined", last)
			}
			if w := post("http://council.test", testPassword, &caddyVars{clientIP: "203.0.113.9"}, "X-Forwarded-Proto", "https"); w.Code != http.StatusForbidden {
				t.Errorf("through an untrusted proxy that says https: %d", w.Code)
			}
		})
	}
}

// TestAdminValidate: the console's credential is a user and a hash Caddy
// can check, bcrypt or argon2id.
func TestAdminValidate(t *testing.T) {
	hashes := testHashes(t)
	for _, tc := range []struct {
		name string
		a    Admin
		err  string
	}{
		{"none: basic_auth in front", Admin{}, ""},
		{"bcrypt", Admin{User: "dpo", PasswordHash: hashes["bcrypt"]}, ""},
		{"argon2id", Admin{User: "dpo", PasswordHash: hashes["argon2id"]}, ""},
		{"user only", Admin{User: "dpo"}, "give both a user and a password hash"},
		{"hash only", Admin{PasswordHash: hashes["bcrypt"]}, "give both a user and a password hash"},
		{"plain password", Admin{User: "dpo", PasswordHash: "hunter2"}, "want a bcrypt ($2a$, $2b$, $2y$) or argon2id"},
		{"broken bcrypt", Admin{User: "dpo", PasswordHash: "$2a$10$short"}, "not a valid bcrypt hash"},
		{"broken argon2id", Admin{User: "dpo", PasswordHash: "$argon2id$v=19$m=64"}, "not a valid argon2id hash"},
		{"control character in user", Admin{User: "dp\no", PasswordHash: hashes["bcrypt"]}, "no control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.validate()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("validate: %v, want %q", err, tc.err)
			}
		})
	}
}
