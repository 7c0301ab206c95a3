package caddymodule_test

import (
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// TestAdminConsoleNeedsAuthentication: the DPO console is absent unless
// configured, and configured it answers only an authenticated user, by the
// module's own credential or by Caddy's basic_auth in front of it.
func TestAdminConsoleNeedsAuthentication(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, opts, extra string
		user, pass        string
		want              int
	}{
		{"off by default", "", "", "", "", http.StatusNotFound},
		{"off by default, even with credentials", "", "", "dpo", "correct horse", http.StatusNotFound},
		{"enabled without authentication", "admin", "", "dpo", "correct horse", http.StatusForbidden},
		{"own credential, none given", "admin dpo " + string(hash), "", "", "", http.StatusUnauthorized},
		{"own credential, wrong password", "admin dpo " + string(hash), "", "dpo", "wrong", http.StatusUnauthorized},
		{"own credential, wrong user", "admin dpo " + string(hash), "", "root", "correct horse", http.StatusUnauthorized},
		{"own credential", "admin dpo " + string(hash), "", "dpo", "correct horse", http.StatusOK},
		{"basic_auth, none given", "admin", "basic_auth /_consent/admin/* {\n\tdpo " + string(hash) + "\n}", "", "", http.StatusUnauthorized},
		{"basic_auth", "admin", "basic_auth /_consent/admin/* {\n\tdpo " + string(hash) + "\n}", "dpo", "correct horse", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := "log " + strconv.Quote(filepath.Join(t.TempDir(), "log.db")) + "\n" + tc.opts
			base := testcaddy.Start(t, tc.extra+"\n"+itFileServer(t, opts))
			req := itRequest(t, http.MethodGet, base+"/_consent/admin/", nil, nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, body := itDo(t, itClient(t), req)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d: %.200s", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate: the browser cannot ask for a password")
			}
		})
	}
}
