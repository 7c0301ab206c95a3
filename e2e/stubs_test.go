package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// vendorHosts are the tracker hosts the demo site and the test pages load
// from. Chromium resolves each of them to the stub server.
var vendorHosts = []string{
	"www.googletagmanager.com",
	"www.google-analytics.com",
	"ssl.google-analytics.com",
	"static.hotjar.com",
	"script.hotjar.com",
	"connect.facebook.net",
	"www.facebook.com",
	"platform.twitter.com",
	"www.youtube.com",
	"www.youtube-nocookie.com",
	"i.ytimg.com", // YouTube thumbnails: a placeholder must not fetch them
	"www.google.com",
}

// stubRequest is one request that reached the vendor stub server.
type stubRequest struct {
	Host, Path, Query string
	TLS               bool
}

func (r stubRequest) String() string {
	s := r.Host + r.Path
	if r.Query != "" {
		s += "?" + r.Query
	}
	return s
}

// stubServer stands in for every tracker vendor. One port speaks both TLS and
// plain HTTP (legacy ga.js is fetched over http:// from an http:// page), so a
// single host-resolver rule per host is enough. It records every request and
// every TCP connection, whatever the host.
type stubServer struct {
	srv  *httptest.Server
	addr string // 127.0.0.1:port

	mu    sync.Mutex
	reqs  []stubRequest
	conns int
}

func startStubServer(t *testing.T) *stubServer {
	t.Helper()
	s := &stubServer{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Listener = newSniffListener(srv.Listener, stubTLSConfig(t), s.countConn)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshakes Chromium abandons
	srv.Start()
	s.srv = srv
	s.addr = srv.Listener.Addr().String()
	t.Cleanup(srv.Close)
	return s
}

func (s *stubServer) countConn() {
	s.mu.Lock()
	s.conns++
	s.mu.Unlock()
}

// requests returns a copy of what has been requested so far.
func (s *stubServer) requests() []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// connections is the number of TCP connections accepted so far.
func (s *stubServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// reset forgets every request and connection seen so far.
func (s *stubServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
	s.conns = 0
}

// count is the number of requests for host whose path starts with pathPrefix.
func (s *stubServer) count(host, pathPrefix string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Host == host && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

func (s *stubServer) serve(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, stubRequest{Host: host, Path: r.URL.Path, Query: r.URL.RawQuery, TLS: r.TLS != nil})
	s.mu.Unlock()

	// ?delay=ms lets a test page make one script slower than the next, so
	// that running scripts out of order would show.
	if d, err := strconv.Atoi(r.URL.Query().Get("delay")); err == nil && d > 0 && d <= 5000 {
		time.Sleep(time.Duration(d) * time.Millisecond)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Access-Control-Allow-Origin", "*")

	p := r.URL.Path
	switch {
	case host == "www.googletagmanager.com" && p == "/gtm.js":
		serveJS(w, "gtm", `(window.dataLayer=window.dataLayer||[]).push({event:'gtm.load'});`)
	case host == "www.googletagmanager.com" && p == "/gtag/js":
		id := strings.TrimPrefix(r.URL.Query().Get("id"), "G-")
		serveJS(w, "gtagjs", cookieJS("_ga", "GA1.1.123.456", true)+
			cookieJS("_ga_"+jsIdent(id), "GS1.1.1700000000.1.0.1700000000.0.0.0", true)+
			`new Image().src='https://www.google-analytics.com/g/collect?v=2&tid=G-`+jsIdent(id)+`&en=page_view';`)
	case host == "www.googletagmanager.com" && p == "/ns.html":
		serveHTML(w, "Google Tag Manager (noscript)", "")
	case host == "www.google-analytics.com" && p == "/analytics.js":
		serveJS(w, "analyticsjs", cookieJS("_ga", "GA1.1.123.456", true)+
			`window.ga=window.ga||function(){(window.ga.q=window.ga.q||[]).push(arguments)};`)
	case (host == "www.google-analytics.com" || host == "ssl.google-analytics.com") && p == "/ga.js":
		serveJS(w, "gajs", cookieJS("__utma", "1.2.3.4.5.6", true))
	case host == "www.google-analytics.com" && (p == "/g/collect" || p == "/collect"):
		w.WriteHeader(http.StatusNoContent)
	case host == "static.hotjar.com" && strings.HasPrefix(p, "/c/hotjar-") && strings.HasSuffix(p, ".js"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/c/hotjar-"), ".js")
		serveJS(w, "hotjar", cookieJS("_hjSessionUser_"+jsIdent(id), "eyJpZCI6IjEyMyIsImNyZWF0ZWQiOjE3MDAwMDAwMDAwMDB9", true)+
			`window.hj=window.hj||function(){(window.hj.q=window.hj.q||[]).push(arguments)};`)
	case host == "connect.facebook.net" && p == "/en_US/fbevents.js":
		serveJS(w, "fbevents", cookieJS("_fbp", "fb.1.123.456", true)+
			`new Image().src='https://www.facebook.com/tr?id=111111111111111&ev=PageView';`)
	case host == "connect.facebook.net" && strings.HasSuffix(p, "/sdk.js"):
		serveJS(w, "fbsdk", `window.FB=window.FB||{init:function(){},XFBML:{parse:function(){}}};`)
	case host == "www.facebook.com" && p == "/tr":
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(gif1x1)
	case host == "www.facebook.com" && strings.HasPrefix(p, "/plugins/"):
		http.SetCookie(w, &http.Cookie{Name: "fr", Value: "stub", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
		serveHTML(w, "Facebook page plugin", "Llanwern Council on Facebook")
	case host == "platform.twitter.com" && p == "/widgets.js":
		serveJS(w, "widgets", `window.twttr=window.twttr||{widgets:{load:function(){}}};`)
	case (host == "www.youtube.com" || host == "www.youtube-nocookie.com") && strings.HasPrefix(p, "/embed/"):
		http.SetCookie(w, &http.Cookie{Name: "YSC", Value: "stub", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
		serveHTML(w, "YouTube", "video "+strings.TrimPrefix(p, "/embed/"))
	case host == "www.google.com" && strings.HasPrefix(p, "/maps/embed"):
		serveHTML(w, "Google Maps", "map")
	default:
		http.NotFound(w, r)
	}
}

var gif1x1 = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// serveJS answers a vendor script stub. Every stub counts its runs in
// window.__count_<name>, marks window.__stub_<name> and appends name to
// window.__order, so tests can tell what ran, how often and in which order.
func serveJS(w http.ResponseWriter, name, body string) {
	w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	fmt.Fprintf(w, "(function(){var w=window;w.__count_%[1]s=(w.__count_%[1]s||0)+1;w.__stub_%[1]s=true;"+
		"(w.__order=w.__order||[]).push('%[1]s');%[2]s})();\n", name, body)
}

func serveHTML(w http.ResponseWriter, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s (stub)</title></head><body><p>%s</p></body></html>\n", title, body)
}

// cookieJS sets a first-party cookie from a vendor script, as the real tags
// do. With onDomain the cookie is set for the page's host as a domain cookie,
// like Google Analytics' and Meta's automatic cookie domain.
func cookieJS(name, value string, onDomain bool) string {
	s := `document.cookie='` + name + `=` + value + `; path=/; max-age=63072000; SameSite=Lax'`
	if onDomain {
		s += `+'; domain='+location.hostname`
	}
	return s + ";"
}

// jsIdent keeps only characters that are safe inside a cookie name and a JS
// string literal.
func jsIdent(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return -1
	}, s)
}

// stubTLSConfig returns a self-signed certificate for the vendor hosts.
// Chromium runs with --ignore-certificate-errors, so it need not be trusted.
func stubTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "consentgate e2e vendor stub"},
		DNSNames:     vendorHosts,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		NextProtos:   []string{"http/1.1"},
	}
}

// sniffListener serves TLS and plain HTTP on one port: it peeks at the first
// byte of each connection (0x16 starts a TLS handshake). The peek happens off
// the accept loop, so an idle connection cannot hold up others.
type sniffListener struct {
	net.Listener
	cfg    *tls.Config
	onConn func()
	ready  chan net.Conn
	done   chan struct{}
	once   sync.Once
}

func newSniffListener(l net.Listener, cfg *tls.Config, onConn func()) *sniffListener {
	s := &sniffListener{Listener: l, cfg: cfg, onConn: onConn, ready: make(chan net.Conn), done: make(chan struct{})}
	go s.acceptLoop()
	return s
}

func (s *sniffListener) acceptLoop() {
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			s.Close()
			return
		}
		s.onConn()
		go s.sniff(c)
	}
}

func (s *sniffListener) sniff(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	b, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	var out net.Conn = &peekedConn{Conn: c, r: br}
	if b[0] == 0x16 {
		out = tls.Server(out, s.cfg)
	}
	select {
	case s.ready <- out:
	case <-s.done:
		c.Close()
	}
}

func (s *sniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.ready:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

func (s *sniffListener) Close() error {
	s.once.Do(func() { close(s.done) })
	return s.Listener.Close()
}

// peekedConn reads first what was peeked at.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
