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

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile" // also registers the Caddyfile adapter
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/consentgate/consentgate/caddymodule"
)

// Start loads one site block, whose body is site (directives only), on a
// free loopback port and returns its base URL. Caddy is process-global, so
// tests that use it must not run in parallel. Extra site addresses (such as
// "http://council.test:{port}") can be given with hosts; "{port}" in site or
// hosts is replaced by the port.
func Start(t testing.TB, site string, hosts ...string) string {
	t.Helper()
	base, err := Load(t, site, hosts...)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// Load is Start returning a failure to adapt or load the config as an error
// (a *LoadError), so that tests can assert on configuration errors.
func Load(t testing.TB, site string, hosts ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", dir)
	p := strconv.Itoa(FreePort(t))
	addrs := "http://127.0.0.1:" + p
	for _, h := range hosts {
		addrs += ", " + h
	}
	if err := LoadSites(t, strings.ReplaceAll(addrs+" {\n"+site+"\n}\n", "{port}", p)); err != nil {
		return "", err
	}
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
	return "http://127.0.0.1:" + p, nil
}

// LoadSites loads whole site blocks (several, for tests of several nodes)
// under the test's global options. Data directories are the caller's
// (Load sets them per test).
func LoadSites(t testing.TB, sites string) error {
	t.Helper()
	return LoadSitesWith(t, "", sites)
}

// LoadSitesWith is LoadSites with more global options (such as a storage
// block shared by two simulated nodes).
func LoadSitesWith(t testing.TB, globals, sites string) error {
	t.Helper()
	cfg := "{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\tauto_https off\n\tpersist_config off\n" + globals + "\n}\n" + sites
	cfg = string(caddyfile.Format([]byte(cfg))) // no "input is not formatted" warning
	json, warn, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		return &LoadError{Stage: "adapt", Config: cfg, Err: err}
	}
	for _, w := range warn {
		t.Logf("Caddyfile warning: %s", w.String())
	}
	if err := caddy.Load(json, true); err != nil {
		return &LoadError{Stage: "load", Config: cfg, Err: err}
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	return nil
}

// LoadError is a failure to adapt or load a test Caddyfile.
type LoadError struct {
	Stage  string // "adapt" or "load"
	Config string
	Err    error
}

func (e *LoadError) Error() string {
	return e.Stage + " Caddyfile: " + e.Err.Error() + "\n--- Caddyfile ---\n" + e.Config
}

func (e *LoadError) Unwrap() error { return e.Err }

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
