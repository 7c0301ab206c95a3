package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog"
)

const testPassword = "correct horse"

// testHash is a fresh bcrypt hash of the password, at the lowest cost, so
// that tests are fast; each call salts anew, so it is a new credential.
// Which algorithms a deployment accepts is its caller's business (for
// Caddy, caddymodule's TestAdminLoginAdapter).
func testHash(t *testing.T) string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// bcryptCompare is the comparison as Options.Compare wants it.
func bcryptCompare(hash, plain []byte) (bool, error) {
	err := bcrypt.CompareHashAndPassword(hash, plain)
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	return err == nil, err
}

// countingComparer counts hash comparisons: the expensive step.
type countingComparer struct {
	compare func(hash, plain []byte) (bool, error)
	n       atomic.Int32
}

func (c *countingComparer) Compare(hashed, plain []byte) (bool, error) {
	c.n.Add(1)
	return c.compare(hashed, plain)
}

// loginFixture is the console's login in front of a stub console that
// names the signed-in user, with a settable clock, an audit log in memory
// and the results OnResult heard.
type loginFixture struct {
	t       *testing.T
	l       *handler
	cmp     *countingComparer
	now     time.Time
	mu      sync.Mutex
	audits  []consentlog.AuditEntry
	results map[string]int
}

var signKeyForTests = []byte("0123456789abcdef0123456789abcdef")

func newLoginFixture(t *testing.T, hash string) *loginFixture {
	t.Helper()
	f := &loginFixture{t: t, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), results: map[string]int{}}
	f.cmp = &countingComparer{compare: bcryptCompare}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "console page %s for %s", r.URL.Path, User(r))
	})
	l := New(Options{
		Prefix: "/_consent/admin", User: "dpo", PasswordHash: hash, Compare: f.cmp.Compare, SignKey: signKeyForTests,
		Audit: func(_ context.Context, e consentlog.AuditEntry) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.audits = append(f.audits, e)
			return nil
		},
		OnResult: func(result string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.results[result]++
		},
	}, next).(*handler)
	l.now = func() time.Time { return f.now }
	l.fails = newThrottle()
	l.slots = make(chan struct{}, 1)
	f.l = l
	return f
}

// do sends one request over HTTPS from 192.0.2.1 unless hdr says
// otherwise ("RemoteAddr", "Cookie", any header).
func (f *loginFixture) do(method, target string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "RemoteAddr" {
			r.RemoteAddr = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.l.ServeHTTP(w, r)
	return w
}

const site = "https://council.test"

func (f *loginFixture) login(user, pass string, hdr ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(http.MethodPost, site+"/_consent/admin/login",
		url.Values{"username": {user}, "password": {pass}, "return_to": {"/_consent/admin/history?id=x"}},
		append([]string{"Origin", site}, hdr...)...)
}

// sessionOf returns the session cookie a response set.
func sessionOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %q", sessionCookie, w.Header().Values("Set-Cookie"))
	return nil
}

// loginCount is how many attempts OnResult heard end in result.
func (f *loginFixture) loginCount(result string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.results[result]
}

func (f *loginFixture) comparisons() int { return int(f.cmp.n.Swap(0)) }

func wantCode(t *testing.T, w *httptest.ResponseRecorder, code int) string {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d: %.300s", w.Code, code, w.Body.String())
	}
	return w.Body.String()
}

// TestLoginForm: the form is English, labelled, fills from a password
// manager, needs no script, and a failure is said in text the fields point
// at.
func TestLoginForm(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	body := wantCode(t, f.do(http.MethodGet, site+"/_consent/admin/login?return_to=%2F_consent%2Fadmin%2Fstats", nil), http.StatusOK)
	for _, s := range []string{
		`<html lang="en">`, `<form method="post" action="/_consent/admin/login">`,
		`<label for="username">User name</label>`, `id="username" name="username"`, `autocomplete="username"`,
		`<label for="password">Password</label>`, `type="password" id="password" name="password"`, `autocomplete="current-password"`,
		`<input type="hidden" name="return_to" value="/_consent/admin/stats">`, `<button type="submit" class="button">Sign in</button>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("login form lacks %s", s)
		}
	}
	for _, s := range []string{"<script", "Signed in as", "<nav"} {
		if strings.Contains(body, s) {
			t.Errorf("login form has %s", s)
		}
	}
	body = wantCode(t, f.login("dpo", "wrong"), http.StatusUnauthorized)
	for _, s := range []string{
		`<div class="error-summary" id="login-error" role="alert">`, "The user name or the password is wrong.",
		`value="dpo" maxlength="128" required autocomplete="username" autocapitalize="none" spellcheck="false" aria-describedby="login-error" aria-invalid="true">`,
		`autocomplete="current-password" aria-describedby="login-error" aria-invalid="true">`,
		`name="return_to" value="/_consent/admin/history?id=x"`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("failed login page lacks %s", s)
		}
	}
	if strings.Contains(body, testPassword) || strings.Contains(body, `value="wrong"`) {
		t.Error("the password typed is shown again")
	}
	w := f.do(http.MethodPost, site+"/_consent/admin/login", url.Values{"username": {`<b>"x"</b>`}, "password": {"p"}}, "Origin", site)
	if body := wantCode(t, w, http.StatusUnauthorized); !strings.Contains(body, `value="&lt;b&gt;&#34;x&#34;&lt;/b&gt;"`) {
		t.Errorf("user name typed is not escaped: %s", body)
	}
}

// TestLoginSession: a correct login sets a signed HttpOnly, Secure, SameSite=Strict cookie for the console's path
// and goes back where the DPO was going; then pages and the stylesheet load
// with the cookie alone and no password hash is computed again.
func TestLoginSession(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	w := f.login("dpo", testPassword)
	wantCode(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != "/_consent/admin/history?id=x" {
		t.Errorf("Location %q, want the page asked for", got)
	}
	if n := f.comparisons(); n != 1 {
		t.Errorf("%d hash comparisons for one login, want 1", n)
	}
	if n := f.loginCount("ok"); n != 1 {
		t.Errorf("%d ok results, want 1", n)
	}
	set := w.Header().Get("Set-Cookie")
	for _, attr := range []string{"Path=/_consent/admin/", "Max-Age=1800", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(set, "; "+attr) {
			t.Errorf("Set-Cookie %q lacks %s", set, attr)
		}
	}
	if len(f.audits) != 1 || f.audits[0].Actor != "dpo" || f.audits[0].Action != "login" || f.audits[0].Detail != "ip=192.0.2.0" {
		t.Errorf("audit %+v, want one login by dpo from 192.0.2.0", f.audits)
	}
	ck := sessionOf(t, w).Name + "=" + sessionOf(t, w).Value
	for _, p := range []string{"/_consent/admin/", "/_consent/admin/history?id=x"} {
		body := wantCode(t, f.do(http.MethodGet, site+p, nil, "Cookie", ck), http.StatusOK)
		if !strings.HasPrefix(body, "console page /_consent/admin/") || !strings.HasSuffix(body, " for dpo") {
			t.Errorf("%s: %q", p, body)
		}
	}
	// The stylesheet is public: the login page needs it.
	wantCode(t, f.do(http.MethodGet, site+"/_consent/admin/console.css", nil), http.StatusOK)
	if n := f.comparisons(); n != 0 {
		t.Errorf("%d hash comparisons for console pages and CSS, want 0", n)
	}
	// Signed in, the login form sends the DPO on.
	if w := f.do(http.MethodGet, site+"/_consent/admin/login", nil, "Cookie", ck); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/_consent/admin/" {
		t.Errorf("login form when signed in: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestLoginSessionRefused: a cookie whose signature, age or credential is
// wrong sends a page request to the login form and refuses anything else.
func TestLoginSessionRefused(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	start := f.now
	mint := func(s session) string { return sessionCookie + "=" + f.l.encode(s) }
	good := session{user: "dpo", issued: start, seen: start}
	valid := mint(good)
	other := newLoginFixture(t, testHash(t)) // same signing key, new password hash
	tampered := strings.Replace(valid, "."+strconv.FormatInt(start.Unix(), 36)+".", "."+strconv.FormatInt(start.Add(time.Hour).Unix(), 36)+".", 1)
	for _, tc := range []struct {
		name, cookie string
		at           time.Time
	}{
		{"none", "", start},
		{"tampered", tampered, start},
		{"signature cut", valid[:len(valid)-2], start},
		{"not ours", sessionCookie + "=dpo", start},
		{"idle too long", valid, start.Add(sessionIdle + time.Second)},
		{"past its lifetime", mint(session{user: "dpo", issued: start.Add(-sessionLifetime - time.Second), seen: start}), start},
		{"from the future", mint(session{user: "dpo", issued: start.Add(time.Hour), seen: start.Add(time.Hour)}), start},
		{"minted before the password changed", sessionCookie + "=" + other.l.encode(good), start},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.now = tc.at
			hdr := []string{"Cookie", tc.cookie}
			w := f.do(http.MethodGet, site+"/_consent/admin/history?id=abc&x=1", nil, hdr...)
			wantCode(t, w, http.StatusSeeOther)
			if got, want := w.Header().Get("Location"), "/_consent/admin/login?return_to=%2F_consent%2Fadmin%2Fhistory%3Fid%3Dabc%26x%3D1"; got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
			w = f.do(http.MethodPost, site+"/_consent/admin/erase", url.Values{"id": {"abc"}}, append(hdr, "Origin", site)...)
			wantCode(t, w, http.StatusForbidden)
		})
	}
	f.now = start
	if w := f.do(http.MethodGet, site+"/_consent/admin/", nil, "Cookie", valid); w.Code != http.StatusOK {
		t.Errorf("the untouched cookie: %d", w.Code)
	}
	if n := f.comparisons(); n != 0 {
		t.Errorf("%d hash comparisons checking cookies, want 0", n)
	}
}

// TestLoginSessionSlides: use keeps a session alive (the cookie is
// re-issued once it is a minute old), up to its absolute lifetime.
func TestLoginSessionSlides(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	start := f.now
	ck := sessionCookie + "=" + f.l.encode(session{user: "dpo", issued: start, seen: start})
	if w := f.do(http.MethodGet, site+"/_consent/admin/", nil, "Cookie", ck); w.Header().Get("Set-Cookie") != "" {
		t.Error("a fresh session was re-issued")
	}
	for f.now.Sub(start) < sessionLifetime-sessionIdle {
		f.now = f.now.Add(sessionIdle - time.Minute)
		w := f.do(http.MethodGet, site+"/_consent/admin/", nil, "Cookie", ck)
		wantCode(t, w, http.StatusOK)
		c := sessionOf(t, w)
		ck = c.Name + "=" + c.Value
		if left := int((sessionLifetime - f.now.Sub(start)) / time.Second); c.MaxAge != min(int(sessionIdle/time.Second), left) {
			t.Errorf("at %v: Max-Age %d", f.now.Sub(start), c.MaxAge)
		}
	}
	f.now = start.Add(sessionLifetime + time.Second)
	wantCode(t, f.do(http.MethodGet, site+"/_consent/admin/", nil, "Cookie", ck), http.StatusSeeOther)
}

// TestLoginOneComparison: a known and an unknown user name cost the same,
// one comparison against the configured hash, and only the right pair
// signs in.
func TestLoginOneComparison(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"dpo", "wrong", http.StatusUnauthorized},
		{"nobody", "wrong", http.StatusUnauthorized},
		{"nobody", testPassword, http.StatusUnauthorized},
		{"DPO", testPassword, http.StatusUnauthorized},
		{"dpo", testPassword, http.StatusSeeOther},
	} {
		wantCode(t, f.login(tc.user, tc.pass), tc.want)
		if n := f.comparisons(); n != 1 {
			t.Errorf("%s/%s: %d hash comparisons, want 1", tc.user, tc.pass, n)
		}
	}
	// Nothing to compare: no hash is computed.
	for _, form := range []url.Values{
		{"username": {"dpo"}},
		{"username": {"dpo"}, "password": {strings.Repeat("x", maxPassLen+1)}},
		{"username": {strings.Repeat("x", MaxUserLen+1)}, "password": {"x"}},
	} {
		wantCode(t, f.do(http.MethodPost, site+"/_consent/admin/login", form, "Origin", site), http.StatusBadRequest)
	}
	if n := f.comparisons(); n != 0 {
		t.Errorf("%d hash comparisons for unusable posts, want 0", n)
	}
}

// TestLoginThrottle: the sixth failure in a row from one address, or for
// one user name from anywhere, is answered 429 with Retry-After and costs
// no hash; each failure is logged to the audit log and counted.
func TestLoginThrottle(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	for i := range maxFailures {
		wantCode(t, f.login("dpo", "guess"+strconv.Itoa(i), "RemoteAddr", "192.0.2.7:4000"), http.StatusUnauthorized)
	}
	if n := f.loginCount("failed"); n != maxFailures {
		t.Errorf("%d failed results, want %d", n, maxFailures)
	}
	var fails, locks int
	for _, e := range f.audits {
		switch {
		case e.Action == "login_failed" && e.Actor == `"dpo"` && e.Detail == "ip=192.0.2.0":
			fails++
		case e.Action == "login_throttled" && (e.Detail == "by=ip&ip=192.0.2.0&seconds=60" || e.Detail == "by=user&ip=192.0.2.0&seconds=60"):
			locks++
		default:
			t.Errorf("audit entry %+v", e)
		}
	}
	if fails != maxFailures || locks != 2 {
		t.Errorf("audit: %d failures and %d lockouts, want %d and 2 (address and user)", fails, locks, maxFailures)
	}
	f.comparisons()
	for _, tc := range []struct {
		name, user, addr string
		want             int
	}{
		{"same address, same user", "dpo", "192.0.2.7:4000", http.StatusTooManyRequests},
		{"same address, right password", "dpo", "192.0.2.7:4000", http.StatusTooManyRequests},
		{"same address, other user", "admin", "192.0.2.7:4000", http.StatusTooManyRequests},
		{"other address, same user", "dpo", "198.51.100.9:4000", http.StatusTooManyRequests},
		{"other address, other user", "admin", "198.51.100.9:4000", http.StatusUnauthorized},
	} {
		pass := "guess"
		if strings.Contains(tc.name, "right") {
			pass = testPassword
		}
		w := f.login(tc.user, pass, "RemoteAddr", tc.addr)
		body := wantCode(t, w, tc.want)
		if tc.want != http.StatusTooManyRequests {
			continue
		}
		if got := w.Header().Get("Retry-After"); got != "60" {
			t.Errorf("%s: Retry-After %q, want 60", tc.name, got)
		}
		if !strings.Contains(body, "too many failed attempts to sign in. Wait 1 minute and try again.") {
			t.Errorf("%s: page does not say why: %.300s", tc.name, body)
		}
	}
	if n := f.comparisons(); n != 1 {
		t.Errorf("%d hash comparisons, want 1 (only the address and user not locked)", n)
	}
	if n := f.loginCount("throttled"); n != 4 {
		t.Errorf("%d throttled results, want 4", n)
	}
	// The lock lifts; the next failure locks again, twice as long.
	f.now = f.now.Add(lockBase)
	wantCode(t, f.login("dpo", "guess", "RemoteAddr", "192.0.2.7:4000"), http.StatusUnauthorized)
	if w := f.login("dpo", "guess", "RemoteAddr", "192.0.2.7:4000"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "120" {
		t.Errorf("after the first lock: %d, Retry-After %q, want 429 and 120", w.Code, w.Header().Get("Retry-After"))
	}
	// After it, the right password signs in and clears the count.
	f.now = f.now.Add(2 * lockBase)
	wantCode(t, f.login("dpo", testPassword, "RemoteAddr", "192.0.2.7:4000"), http.StatusSeeOther)
	wantCode(t, f.login("dpo", "typo", "RemoteAddr", "192.0.2.7:4000"), http.StatusUnauthorized)
}

// TestThrottleBounded: a flood of new keys keeps at most maxTracked, losing
// the least recently failed; lockouts double up to lockMax.
func TestThrottleBounded(t *testing.T) {
	th := newThrottle()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for range maxFailures - 1 {
		th.fail("ip 192.0.2.1", now)
	}
	for i := range maxTracked + 100 {
		th.fail("user u"+strconv.Itoa(i), now)
		if i == 200 {
			th.fail("ip 192.0.2.1", now) // recently failed: kept
		}
	}
	if n := len(th.keys); n != maxTracked || th.order.Len() != maxTracked {
		t.Errorf("%d keys tracked, want %d", n, maxTracked)
	}
	if _, ok := th.keys["user u0"]; ok {
		t.Error("the oldest key was kept")
	}
	if th.locked("ip 192.0.2.1", now) != lockBase {
		t.Error("a key failed recently was evicted")
	}
	var got []time.Duration
	for range 6 { // each time the lock lifts
		now = now.Add(th.locked("ip 192.0.2.1", now))
		d, _ := th.fail("ip 192.0.2.1", now)
		got = append(got, d)
	}
	if want := []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, lockMax, lockMax, lockMax}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lockouts %v, want %v", got, want)
	}
}

// TestLoginBusy: when every hashing slot is taken, a login waits, then is
// told to come back (503, Retry-After) without computing a hash.
func TestLoginBusy(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	f.l.slots <- struct{}{} // someone else is hashing
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client gave up waiting
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, site+"/_consent/admin/login",
		strings.NewReader(url.Values{"username": {"dpo"}, "password": {testPassword}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.l.ServeHTTP(w, r)
	body := wantCode(t, w, http.StatusServiceUnavailable)
	if w.Header().Get("Retry-After") == "" || !strings.Contains(body, "Too many people are signing in at once.") {
		t.Errorf("busy answer: Retry-After %q, %.300s", w.Header().Get("Retry-After"), body)
	}
	if n := f.comparisons(); n != 0 {
		t.Errorf("%d hash comparisons, want 0", n)
	}
}

// peakComparer records the most comparisons running at once.
type peakComparer struct {
	compare   func(hash, plain []byte) (bool, error)
	cur, peak atomic.Int32
}

func (c *peakComparer) Compare(hashed, plain []byte) (bool, error) {
	n := c.cur.Add(1)
	defer c.cur.Add(-1)
	for old := c.peak.Load(); n > old && !c.peak.CompareAndSwap(old, n); old = c.peak.Load() {
	}
	return c.compare(hashed, plain)
}

// TestLoginSlots: however many wrong logins arrive at once, from however
// many addresses, no more hashes are computed at a time than there are
// slots; the rest wait their turn or are told to come back.
func TestLoginSlots(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	f.l.slots = make(chan struct{}, 2)
	cmp := &peakComparer{compare: bcryptCompare}
	f.l.cmp = cmp.Compare
	codes := make([]int, 16)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			r := httptest.NewRequest(http.MethodPost, site+"/_consent/admin/login",
				strings.NewReader(url.Values{"username": {"u" + strconv.Itoa(i)}, "password": {"guess"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i)
			w := httptest.NewRecorder()
			f.l.ServeHTTP(w, r)
			codes[i] = w.Code
		})
	}
	wg.Wait()
	if p := cmp.peak.Load(); p < 1 || p > 2 {
		t.Errorf("at most %d hash comparisons at once, want 1 or 2", p)
	}
	for i, c := range codes {
		if c != http.StatusUnauthorized && c != http.StatusServiceUnavailable {
			t.Errorf("login %d: status %d", i, c)
		}
	}
}

// TestLoginTransport: the console needs HTTPS, directly or through a
// trusted proxy; plain HTTP works only from loopback, with a cookie
// without Secure.
func TestLoginTransport(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	for _, tc := range []struct {
		name, url, addr string
		want            int
		secure          bool
	}{
		{"https", site, "192.0.2.1:1234", http.StatusSeeOther, true},
		{"http from afar", "http://council.test", "192.0.2.1:1234", http.StatusForbidden, false},
		{"http from loopback", "http://127.0.0.1:2015", "127.0.0.1:50000", http.StatusSeeOther, false},
		{"http from IPv6 loopback", "http://[::1]:2015", "[::1]:50000", http.StatusSeeOther, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			origin := strings.TrimSuffix(tc.url, "/")
			w := f.do(http.MethodPost, tc.url+"/_consent/admin/login", url.Values{"username": {"dpo"}, "password": {testPassword}},
				"Origin", origin, "RemoteAddr", tc.addr)
			body := wantCode(t, w, tc.want)
			if tc.want == http.StatusForbidden {
				if !strings.Contains(body, "only works over HTTPS") || strings.Contains(body, "<form") {
					t.Errorf("refusal does not say why: %.400s", body)
				}
				for _, p := range []string{"/_consent/admin/login", "/_consent/admin/", "/_consent/admin/console.css"} {
					wantCode(t, f.do(http.MethodGet, tc.url+p, nil, "RemoteAddr", tc.addr), http.StatusForbidden)
				}
				return
			}
			if c := sessionOf(t, w); c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie Secure=%v HttpOnly=%v SameSite=%v, want Secure=%v", c.Secure, c.HttpOnly, c.SameSite, tc.secure)
			}
		})
	}
	if n := f.comparisons(); n != 3 {
		t.Errorf("%d hash comparisons, want 3: none for a refused transport", n)
	}
}

// TestLoginCrossSite: a login or sign-out posted from another site is
// refused before any hash is computed.
func TestLoginCrossSite(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	for _, hdr := range [][]string{{"Origin", "https://evil.test"}, {"Sec-Fetch-Site", "cross-site"}} {
		w := f.do(http.MethodPost, site+"/_consent/admin/login", url.Values{"username": {"dpo"}, "password": {testPassword}}, hdr...)
		if body := wantCode(t, w, http.StatusForbidden); !strings.Contains(body, "sent from another website") || w.Header().Get("Set-Cookie") != "" {
			t.Errorf("%v: %.300s", hdr, body)
		}
		wantCode(t, f.do(http.MethodPost, site+"/_consent/admin/logout", nil, hdr...), http.StatusForbidden)
	}
	if n := f.comparisons(); n != 0 {
		t.Errorf("%d hash comparisons, want 0", n)
	}
}

// TestLogout: signing out clears the cookie, is audited and says so.
func TestLogout(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	c := sessionOf(t, f.login("dpo", testPassword))
	ck := c.Name + "=" + c.Value
	wantCode(t, f.do(http.MethodGet, site+"/_consent/admin/logout", nil, "Cookie", ck), http.StatusMethodNotAllowed)
	w := f.do(http.MethodPost, site+"/_consent/admin/logout", nil, "Cookie", ck, "Origin", site)
	wantCode(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != "/_consent/admin/login?signed_out=1" {
		t.Errorf("Location %q", got)
	}
	if cl := sessionOf(t, w); cl.MaxAge >= 0 || cl.Value != "" || cl.Path != "/_consent/admin/" {
		t.Errorf("logout cookie %+v: want it expired on the console path", cl)
	}
	if last := f.audits[len(f.audits)-1]; last.Actor != "dpo" || last.Action != "logout" {
		t.Errorf("audit %+v, want dpo's logout", last)
	}
	body := wantCode(t, f.do(http.MethodGet, site+"/_consent/admin/login?signed_out=1", nil), http.StatusOK)
	if !strings.Contains(body, `<p class="notice" role="status">You have signed out.</p>`) {
		t.Errorf("login page after sign-out: %.400s", body)
	}
}

// TestLoginReturnPath: only a console page is a place to go back to.
func TestLoginReturnPath(t *testing.T) {
	f := newLoginFixture(t, testHash(t))
	for raw, want := range map[string]string{
		"/_consent/admin/history?id=a&b=c":  "/_consent/admin/history?id=a&b=c",
		"/_consent/admin/stats":             "/_consent/admin/stats",
		"":                                  "/_consent/admin/",
		"https://evil.test/_consent/admin/": "/_consent/admin/",
		"//evil.test/_consent/admin/":       "/_consent/admin/",
		"/_consent/admin//evil.test":        "/_consent/admin/",
		"/_consent/admin/\\evil.test":       "/_consent/admin/",
		"/_consent/admin/../../etc":         "/_consent/admin/",
		"/_consent/admin/%2e%2e/x":          "/_consent/admin/",
		"/_consent/admin/x\x00y":            "/_consent/admin/",
		"/_consent/admin/x\r\nSet-Cookie:":  "/_consent/admin/",
		"/_consent/administrator":           "/_consent/admin/",
		"/_consent/admin/logout":            "/_consent/admin/",
		"/other":                            "/_consent/admin/",
		"/_consent/admin/" + strings.Repeat("a", maxReturnLen): "/_consent/admin/",
	} {
		if got := f.l.returnPath(raw); got != want {
			t.Errorf("returnPath(%q) = %q, want %q", raw, got, want)
		}
	}
}
