package main

import (
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// TestModulesRegistered: the binary has consentgate's handler and the
// standard modules a council site block needs beside it.
func TestModulesRegistered(t *testing.T) {
	for _, id := range []string{
		"http.handlers.cookie_consent",
		"http.handlers.reverse_proxy",
		"http.handlers.file_server",
		"http.handlers.encode",
		"http.encoders.gzip",
		"http.encoders.zstd",
		"caddy.adapters.caddyfile",
	} {
		if _, err := caddy.GetModule(id); err != nil {
			t.Errorf("module %s is not in the binary: %v", id, err)
		}
	}
}
