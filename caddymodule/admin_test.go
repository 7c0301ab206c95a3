package caddymodule_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// TestAdminConsoleNeedsAuthentication: the DPO console is absent unless
// configured, and configured it answers only an authenticated user: by
// Caddy's basic_auth in front of it, or through its own login form, which
// a Basic Authorization header does not get past.
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
		{"own credential, none given", "admin dpo " + string(hash), "", "", "", http.StatusSeeOther},
		{"own credential, by Basic", "admin dpo " + string(hash), "", "dpo", "correct horse", http.StatusSeeOther},
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
			if tc.want == http.StatusSeeOther && resp.Header.Get("Location") != "/_consent/admin/login?return_to=%2F_consent%2Fadmin%2F" {
				t.Errorf("Location %q, want the login form", resp.Header.Get("Location"))
			}
		})
	}
}

// TestAdminLogin: with its own credential, the console is a login form,
// then a session cookie that alone opens every page; failures and sign-ins
// are in the audit log, and signing out ends it. Over plain HTTP from
// loopback the cookie goes without Secure (the Secure case is
// TestLoginSession).
func TestAdminLogin(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	opts := "log " + strconv.Quote(filepath.Join(t.TempDir(), "log.db")) + "\nadmin dpo " + string(hash)
	base := testcaddy.Start(t, itFileServer(t, opts))
	c := itClient(t)
	post := func(path string, form url.Values, cookie string) (*http.Response, string) {
		t.Helper()
		hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": base}
		if cookie != "" {
			hdr["Cookie"] = cookie
		}
		resp, body := itDo(t, c, itRequest(t, http.MethodPost, base+path, hdr, strings.NewReader(form.Encode())))
		return resp, string(body)
	}
	get := func(path, cookie string) (*http.Response, string) {
		t.Helper()
		hdr := map[string]string{}
		if cookie != "" {
			hdr["Cookie"] = cookie
		}
		resp, body := itGet(t, c, base+path, hdr)
		return resp, string(body)
	}

	resp, body := get("/_consent/admin/login?return_to=%2F_consent%2Fadmin%2Faudit", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `autocomplete="current-password"`) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("login form: %d %.300s", resp.StatusCode, body)
	}
	if resp, _ := get("/_consent/admin/console.css", ""); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("the login page's stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	form := url.Values{"username": {"dpo"}, "password": {"wrong"}, "return_to": {"/_consent/admin/audit"}}
	if resp, body := post("/_consent/admin/login", form, ""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The user name or the password is wrong.") {
		t.Errorf("wrong password: %d %.300s", resp.StatusCode, body)
	}
	form.Set("password", "correct horse")
	resp, _ = post("/_consent/admin/login", form, "")
	ck := itCookieNamed(resp, "consentgate_console")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/_consent/admin/audit" || ck == nil {
		t.Fatalf("login: %d %q %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Values("Set-Cookie"))
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/_consent/admin/" || ck.Secure {
		t.Errorf("cookie %q: want HttpOnly, SameSite=Strict, Path=/_consent/admin/, no Secure over loopback HTTP", resp.Header.Get("Set-Cookie"))
	}
	session := ck.Name + "=" + ck.Value
	resp, body = get("/_consent/admin/audit", session)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit page with the session cookie: %d %.300s", resp.StatusCode, body)
	}
	for _, s := range []string{
		"Signed in as <strong>dpo</strong>",
		`<p class="health">Consent log store: reachable.</p>`,
		`<form method="post" action="/_consent/admin/logout"><button type="submit" class="signout">Sign out</button></form>`,
		"<td>&#34;dpo&#34;</td><td>login_failed</td><td><code class=\"small\">ip=127.0.0.0</code></td>",
		"<td>dpo</td><td>login</td><td><code class=\"small\">ip=127.0.0.0</code></td>",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("audit page lacks %s", s)
		}
	}
	resp, _ = post("/_consent/admin/logout", nil, session)
	if cl := itCookieNamed(resp, "consentgate_console"); resp.StatusCode != http.StatusSeeOther || cl == nil || cl.MaxAge >= 0 {
		t.Errorf("logout: %d %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
}
