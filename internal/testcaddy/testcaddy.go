// Package testcaddy starts Caddy in-process for tests, with the consentgate
// module and Caddy's standard modules loaded.
package testcaddy

import (
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile" // the Caddyfile adapter
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/consentgate/consentgate/caddymodule"
)

// Start loads one site block, whose body is site (directives only), on a
// free loopback port and returns its base URL. Caddy is process-global, so
// tests that use it must not run in parallel. Extra site addresses (such as
// "http://council.test:PORT") can be given with hosts; "{port}" in site or
// hosts is replaced by the port.
func Start(t testing.TB, site string, hosts ...string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", dir)
	port := FreePort(t)
	p := strconv.Itoa(port)
	addrs := "http://127.0.0.1:" + p
	for _, h := range hosts {
		addrs += ", " + h
	}
	cfg := "{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tauto_https off\n\tpersist_config off\n}\n" +
		addrs + " {\n" + site + "\n}\n"
	cfg = strings.ReplaceAll(cfg, "{port}", p)
	json, warn, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		t.Fatalf("adapt Caddyfile: %v\n%s", err, cfg)
	}
	for _, w := range warn {
		t.Logf("Caddyfile warning: %s", w.String())
	}
	if err := caddy.Load(json, true); err != nil {
		t.Fatalf("load Caddy: %v", err)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+p)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Caddy did not listen on %s: %v", p, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "http://127.0.0.1:" + p
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RepoRoot is the absolute path of the repository.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
