package caddymodule_test

import (
	"bytes"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// A config Caddy refuses must leave nothing behind: no signing key, no
// database, no spool. Provision checks everything before it writes.
func TestRefusedConfigLeavesNoTrace(t *testing.T) {
	for name, opt := range map[string]string{
		"consent_mode": "consent_mode sometimes",
		"retention":    "retention -1h",
		"secret":       "secret short",
		"csp":          "pre_consent_csp always",
		"text":         "text cy no.such.key words",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			logDir := filepath.Join(dir, "log")
			site := itFileServer(t, opt+"\nlog "+strconv.Quote(filepath.Join(logDir, "consent.db"))+"\nlog_spool "+strconv.Quote(filepath.Join(logDir, "spool")))
			_, err := testcaddy.Load(t, site)
			if err == nil {
				t.Fatalf("config with %q loaded", opt)
			}
			if _, serr := os.Stat(logDir); !errors.Is(serr, fs.ErrNotExist) {
				t.Errorf("refused config (%v) created %s: %v", err, logDir, serr)
			}
			data := os.Getenv("XDG_DATA_HOME")
			filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("refused config left %s", p)
				}
				return nil
			})
		})
	}
}

// Nodes that share Caddy's storage share the generated signing key, so a
// visitor's choice made on one is honoured on the other without a secret.
func TestSigningKeySharedThroughStorage(t *testing.T) {
	shared := t.TempDir()
	globals := "storage file_system " + strconv.Quote(shared)
	node := func() string {
		t.Helper()
		dir := t.TempDir() // each node's own data directory
		t.Setenv("XDG_DATA_HOME", dir)
		t.Setenv("XDG_CONFIG_HOME", dir)
		port := strconv.Itoa(testcaddy.FreePort(t))
		site := "http://127.0.0.1:" + port + " {\n" + itFileServer(t, "log "+strconv.Quote(filepath.Join(dir, "consent.db"))+"\nlog_spool "+strconv.Quote(filepath.Join(dir, "spool"))) + "}\n"
		if err := testcaddy.LoadSitesWith(t, globals, site); err != nil {
			t.Fatal(err)
		}
		return "http://127.0.0.1:" + port
	}
	c := itClient(t)
	a := node()
	cookie := itConsent(t, c, a, url.Values{"action": {"reject_all"}})
	if _, err := os.Stat(filepath.Join(shared, "consentgate", "cookie-signing.key")); err != nil {
		t.Fatalf("signing key not in the shared storage: %v", err)
	}
	b := node() // replaces a: Caddy runs one config per process
	_, body := itGet(t, c, b+"/", map[string]string{"Accept": "text/html", "Cookie": cookie})
	if bytes.Contains(body, []byte(`id="cg-banner"`)) {
		t.Error("the second node asked again: it did not accept the first node's consent cookie")
	}
	_, body = itGet(t, c, b+"/", map[string]string{"Accept": "text/html"})
	if !bytes.Contains(body, []byte(`id="cg-banner"`)) {
		t.Error("no banner for a visitor without a choice")
	}
}
