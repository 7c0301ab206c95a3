// Package login is the DPO console's own sign-in, for sites without an
// authentication handler in front of the console: a form checks the
// password once, then a signed session cookie, checked with one HMAC,
// carries the DPO until it has been idle too long. No request but a login
// post ever computes a password hash, and those are throttled per client
// address and per user name, and bounded process-wide.
//
// It knows nothing of the server it runs in: the caller supplies the
// password comparison, the client's address, whether a request came over
// HTTPS and a hook for the outcome of each attempt.
package login

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/consentlog/console"
)

// MaxUserLen is the longest user name a login accepts; a configured user
// must fit in it.
const MaxUserLen = 128

const (
	sessionCookie   = "consentgate_console"
	sessionIdle     = 30 * time.Minute
	sessionLifetime = 12 * time.Hour
	// sessionRefresh is how stale last-seen may be before a request re-issues
	// the cookie: sliding the idle timeout costs one Set-Cookie a minute.
	sessionRefresh = time.Minute
	// clockSkew is how far ahead of this node's clock a session minted by
	// another node may be.
	clockSkew = time.Minute

	maxLoginBody = 8 << 10
	maxPassLen   = 1024 // argon2id hashes all of it: bound the work per attempt
	maxReturnLen = 1024

	// verifyWait is how long a login waits for a free hashing slot before it
	// is told to try again.
	verifyWait = 2 * time.Second
)

// verifySlots bounds the password hashes computed at once, process-wide, to
// half the cores (at least one, at most two): at bcrypt cost 14 one check
// is a second of CPU, so parallel wrong logins must queue rather than
// starve the public site.
var verifySlots = make(chan struct{}, min(2, max(1, runtime.GOMAXPROCS(0)/2)))

// Options configure the login.
type Options struct {
	// Prefix is the path the console is mounted at, such as
	// "/_consent/admin"; the login answers Prefix+"/login" and
	// Prefix+"/logout".
	Prefix string
	// User and PasswordHash are the one credential that signs in.
	User, PasswordHash string
	// Compare reports whether plaintext is the password PasswordHash was
	// made from (required). It should take as long whatever the answer.
	Compare func(hash, plaintext []byte) (bool, error)
	// SignKey derives the key that signs session cookies: nodes that share
	// it accept each other's sessions.
	SignKey []byte
	// Audit receives sign-ins, their failures and lockouts, and sign-outs
	// (required).
	Audit func(context.Context, consentlog.AuditEntry) error
	// Logger hears about failures; nil discards them.
	Logger *zap.Logger
	// ClientIP is the client's address as the server determined it (behind
	// a trusted proxy, the address it forwarded for); nil or "" means the
	// connection's peer.
	ClientIP func(*http.Request) string
	// Secure reports whether r reached the server over HTTPS, directly or
	// through a trusted proxy that says so; nil means r.TLS != nil.
	Secure func(*http.Request) bool
	// OnResult, if set, hears the outcome of each login attempt: "ok",
	// "failed" or "throttled".
	OnResult func(result string)
}

// handler authenticates the console's one user and passes signed-in
// requests to next with the user in the context.
type handler struct {
	prefix   string
	user     string
	hash     []byte
	cmp      func(hash, plaintext []byte) (bool, error)
	key      []byte // signs session cookies
	now      func() time.Time
	slots    chan struct{}
	fails    *throttle
	audit    func(context.Context, consentlog.AuditEntry) error
	logger   *zap.Logger
	clientIP func(*http.Request) string
	secure   func(*http.Request) bool
	onResult func(string)
	cop      *http.CrossOriginProtection
	next     http.Handler
	warnHTTP sync.Once
}

// New puts the login in front of next, the console. The session key is
// derived from opts.SignKey and from the credential, so changing the
// password signs everyone out; failed attempts are counted per credential
// for the life of the process, so that rebuilding the login (a config
// reload) does not lift a lockout.
func New(opts Options, next http.Handler) http.Handler {
	l := &handler{
		prefix:   strings.TrimSuffix(opts.Prefix, "/"),
		user:     opts.User,
		hash:     []byte(opts.PasswordHash),
		cmp:      opts.Compare,
		key:      sessionKey(opts.SignKey, opts.User, opts.PasswordHash),
		now:      time.Now,
		slots:    verifySlots,
		fails:    throttleFor(opts.User, opts.PasswordHash),
		audit:    opts.Audit,
		logger:   opts.Logger,
		clientIP: opts.ClientIP,
		secure:   opts.Secure,
		onResult: opts.OnResult,
		cop:      http.NewCrossOriginProtection(),
		next:     next,
	}
	if l.logger == nil {
		l.logger = zap.NewNop()
	}
	if l.secure == nil {
		l.secure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if l.onResult == nil {
		l.onResult = func(string) {}
	}
	return l
}

func sessionKey(signKey []byte, user, hash string) []byte {
	cred := sha256.Sum256([]byte(user + "\x00" + hash))
	m := hmac.New(sha256.New, signKey)
	m.Write([]byte("consentgate console session\x00"))
	m.Write(cred[:])
	return m.Sum(nil)
}

type sessionUserKey struct{}

// User is the signed-in user the login put in r's context, for the
// console's Options.User; "" outside the login.
func User(r *http.Request) string {
	u, _ := r.Context().Value(sessionUserKey{}).(string)
	return u
}

func (l *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	secure, ok := l.transport(r)
	if !ok {
		l.page(w, http.StatusForbidden, console.LoginForm{NoForm: true,
			Error: "The consent records console only works over HTTPS, so that your password and session cannot be read on the way. Open it with an https:// address."})
		return
	}
	switch strings.TrimPrefix(r.URL.Path, l.prefix) {
	case "/login":
		l.serveLogin(w, r, secure)
		return
	case "/logout":
		l.serveLogout(w, r, secure)
		return
	case "/console.css":
		// Public, so that the login page has its style; it holds no data.
		l.next.ServeHTTP(w, r)
		return
	}
	s, ok := l.session(r)
	if !ok {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "Not signed in to the consent records console.", http.StatusForbidden)
			return
		}
		w.Header().Set("Location", l.prefix+"/login?"+url.Values{"return_to": {r.URL.RequestURI()}}.Encode())
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	if now := l.now(); now.Sub(s.seen) > sessionRefresh {
		s.seen = now
		l.setCookie(w, s, secure)
	}
	l.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionUserKey{}, s.user)))
}

// transport says whether r came over HTTPS and whether the console may be
// used at all: over plain HTTP only from loopback, where the session cookie
// goes without Secure, since a browser would not send a Secure one back
// over http.
func (l *handler) transport(r *http.Request) (secure, allowed bool) {
	if l.secure(r) {
		return true, true
	}
	if !isLoopback(peerIP(r)) || !isLoopback(l.ip(r)) {
		return false, false
	}
	l.warnHTTP.Do(func() {
		l.logger.Warn("DPO console used over plain HTTP from loopback: its session cookie is sent without Secure; use HTTPS anywhere else")
	})
	return false, true
}

func (l *handler) serveLogin(w http.ResponseWriter, r *http.Request, secure bool) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query()
		ret := l.returnPath(q.Get("return_to"))
		if _, ok := l.session(r); ok {
			w.Header().Set("Location", ret)
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		f := console.LoginForm{ReturnTo: ret}
		if q.Has("signed_out") {
			f.Notice = "You have signed out."
		}
		l.page(w, http.StatusOK, f)
	case http.MethodPost:
		l.check(w, r, secure)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
	}
}

// check verifies a posted login. Throttles are consulted before any hash is
// computed; then one comparison runs, whoever the user, in a bounded slot.
func (l *handler) check(w http.ResponseWriter, r *http.Request, secure bool) {
	if err := l.cop.Check(r); err != nil {
		l.page(w, http.StatusForbidden, console.LoginForm{ReturnTo: l.prefix + "/",
			Error: "This sign-in was sent from another website, so it was refused. Open the console's address yourself and sign in there."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		l.page(w, http.StatusBadRequest, console.LoginForm{ReturnTo: l.prefix + "/", Error: "The sign-in form could not be read. Try again."})
		return
	}
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	f := console.LoginForm{User: user, ReturnTo: l.returnPath(r.PostForm.Get("return_to"))}
	switch {
	case user == "" || pass == "":
		f.Error = "Enter your user name and your password."
		l.page(w, http.StatusBadRequest, f)
		return
	case len(user) > MaxUserLen || len(pass) > maxPassLen:
		f.User, f.Error = "", "The user name or the password is too long."
		l.page(w, http.StatusBadRequest, f)
		return
	}
	ip := l.ip(r)
	keys := []string{"ip " + ipKey(ip), "user " + user}
	if l.throttled(w, f, keys) {
		return
	}
	select {
	case l.slots <- struct{}{}:
	case <-time.After(verifyWait):
		l.busy(w, f)
		return
	case <-r.Context().Done():
		l.busy(w, f)
		return
	}
	if l.throttled(w, f, keys) { // failures recorded while this one waited
		<-l.slots
		return
	}
	ok := l.verify(user, pass)
	<-l.slots
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	logIP := consentlog.TruncateIP(ip)
	if !ok {
		l.onResult("failed")
		l.logger.Warn("DPO console: failed login", zap.String("user", quoteName(user)), zap.String("client_ip", logIP))
		l.record(ctx, quoteName(user), "login_failed", url.Values{"ip": {logIP}})
		now := l.now()
		for _, k := range keys {
			if d, locked := l.fails.fail(k, now); locked {
				kind, _, _ := strings.Cut(k, " ")
				l.logger.Warn("DPO console: logins locked after repeated failures",
					zap.String("by", kind), zap.String("user", quoteName(user)), zap.String("client_ip", logIP), zap.Duration("for", d))
				l.record(ctx, quoteName(user), "login_throttled", url.Values{"ip": {logIP}, "by": {kind}, "seconds": {strconv.Itoa(int(d.Seconds()))}})
			}
		}
		f.Error = "The user name or the password is wrong."
		l.page(w, http.StatusUnauthorized, f)
		return
	}
	for _, k := range keys {
		l.fails.forget(k)
	}
	l.onResult("ok")
	l.logger.Info("DPO console: signed in", zap.String("user", quoteName(user)), zap.String("client_ip", logIP))
	l.record(ctx, l.user, "login", url.Values{"ip": {logIP}})
	now := l.now()
	l.setCookie(w, session{user: l.user, issued: now, seen: now}, secure)
	w.Header().Set("Location", f.ReturnTo)
	w.WriteHeader(http.StatusSeeOther)
}

// verify runs exactly one hash comparison, against the configured hash
// even for an unknown user: the same algorithm at the same cost, so the
// answer's timing does not tell whether the user name exists.
func (l *handler) verify(user, pass string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(l.user)) == 1
	passOK, err := l.cmp(l.hash, []byte(pass))
	if err != nil {
		l.logger.Error("DPO console: password hash comparison failed", zap.Error(err))
		return false
	}
	return userOK && passOK
}

// throttled answers 429 if any of keys is locked out.
func (l *handler) throttled(w http.ResponseWriter, f console.LoginForm, keys []string) bool {
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		wait = max(wait, l.fails.locked(k, now))
	}
	if wait <= 0 {
		return false
	}
	l.onResult("throttled")
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	wait = time.Duration((secs+59)/60) * time.Minute
	f.Error = "There have been too many failed attempts to sign in. Wait " + minutes(wait) + " and try again."
	l.page(w, http.StatusTooManyRequests, f)
	return true
}

func minutes(d time.Duration) string {
	if m := int(d / time.Minute); m != 1 {
		return strconv.Itoa(m) + " minutes"
	}
	return "1 minute"
}

// busy answers a login that found every hashing slot taken.
func (l *handler) busy(w http.ResponseWriter, f console.LoginForm) {
	l.onResult("throttled")
	w.Header().Set("Retry-After", "5")
	f.Error = "Too many people are signing in at once. Wait a few seconds and try again."
	l.page(w, http.StatusServiceUnavailable, f)
}

func (l *handler) serveLogout(w http.ResponseWriter, r *http.Request, secure bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Sign out with the button in the console.", http.StatusMethodNotAllowed)
		return
	}
	if err := l.cop.Check(r); err != nil {
		http.Error(w, "Cross-origin sign-out refused.", http.StatusForbidden)
		return
	}
	if s, ok := l.session(r); ok {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		l.record(ctx, s.user, "logout", url.Values{"ip": {consentlog.TruncateIP(l.ip(r))}})
	}
	c := l.cookie("", secure)
	c.MaxAge = -1
	http.SetCookie(w, c)
	w.Header().Set("Location", l.prefix+"/login?signed_out=1")
	w.WriteHeader(http.StatusSeeOther)
}

// record writes an audit entry. A store that cannot take it is logged but
// does not stop a login: the console must stay reachable to show that the
// store is down.
func (l *handler) record(ctx context.Context, actor, action string, detail url.Values) {
	if err := l.audit(ctx, consentlog.AuditEntry{Actor: actor, Action: action, Detail: detail.Encode()}); err != nil {
		l.logger.Error("DPO console: audit log entry not written", zap.String("action", action), zap.Error(err))
	}
}

func (l *handler) page(w http.ResponseWriter, status int, f console.LoginForm) {
	if err := console.LoginPage(w, status, l.prefix, f); err != nil {
		l.logger.Error("DPO console: render login page", zap.Error(err))
	}
}

// returnPath is where to go after signing in: a console page given by the
// request, or the console's start page. Only a plain path under the prefix
// is taken, so the login cannot redirect anywhere else.
func (l *handler) returnPath(raw string) string {
	def := l.prefix + "/"
	if len(raw) > maxReturnLen || !strings.HasPrefix(raw, def) || strings.Contains(raw, "//") || strings.ContainsRune(raw, '\\') {
		return def
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return def
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.Contains(u.Path, "/.") ||
		u.Path == l.prefix+"/login" || u.Path == l.prefix+"/logout" {
		return def
	}
	return raw
}

// session is a signed-in DPO: the cookie carries it, so that any node that
// shares the signing key can check it without shared state.
type session struct {
	user         string
	issued, seen time.Time
}

// encode is user.issued.seen.mac, the times in Unix seconds (base 36) and
// the MAC HMAC-SHA256 over the rest.
func (l *handler) encode(s session) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(s.user)) + "." +
		strconv.FormatInt(s.issued.Unix(), 36) + "." + strconv.FormatInt(s.seen.Unix(), 36)
	return body + "." + base64.RawURLEncoding.EncodeToString(l.mac(body))
}

func (l *handler) mac(body string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("v1\x00" + body))
	return m.Sum(nil)
}

// session returns r's session if its cookie is authentic and neither idle
// too long nor past its lifetime.
func (l *handler) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 512 {
		return session{}, false
	}
	body, sig, ok := cutLast(c.Value, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, l.mac(body)) {
		return session{}, false
	}
	parts := strings.Split(body, ".")
	if len(parts) != 3 {
		return session{}, false
	}
	user, err := base64.RawURLEncoding.DecodeString(parts[0])
	issued, err1 := strconv.ParseInt(parts[1], 36, 64)
	seen, err2 := strconv.ParseInt(parts[2], 36, 64)
	if err != nil || err1 != nil || err2 != nil {
		return session{}, false
	}
	s := session{user: string(user), issued: time.Unix(issued, 0), seen: time.Unix(seen, 0)}
	now := l.now()
	if s.seen.Before(s.issued) || s.seen.After(now.Add(clockSkew)) ||
		now.Sub(s.seen) > sessionIdle || now.Sub(s.issued) > sessionLifetime {
		return session{}, false
	}
	return s, true
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// setCookie issues s. The browser keeps it no longer than the server
// would accept it.
func (l *handler) setCookie(w http.ResponseWriter, s session, secure bool) {
	c := l.cookie(l.encode(s), secure)
	c.MaxAge = int(min(sessionIdle, sessionLifetime-s.seen.Sub(s.issued)) / time.Second)
	http.SetCookie(w, c)
}

func (l *handler) cookie(value string, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: l.prefix + "/",
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	}
}

// ip is the client's address: as the server determined it, or the peer's.
func (l *handler) ip(r *http.Request) string {
	if l.clientIP != nil {
		if ip := l.clientIP(r); ip != "" {
			return ip
		}
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}

// ipKey is the throttle's key for a client: its IPv4 address or its IPv6
// /64, the block one host is usually given, so that rotating through it
// does not reset the count.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// quoteName makes a user name as typed safe for a log line or the audit
// log: at most 64 bytes, quoted, control characters escaped.
func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return strconv.Quote(s)
}
