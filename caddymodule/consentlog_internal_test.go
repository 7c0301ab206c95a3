package caddymodule

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// TestConfigsShareOneLog: two configs naming one log (a reload) get the
// same open store and spool; it closes when the last one is cleaned up.
func TestConfigsShareOneLog(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	path := filepath.Join(t.TempDir(), "log.db")
	var hs []*Handler
	for range 2 {
		h := &Handler{LogStore: path, Secret: "a test secret of 16+ bytes"} // no storage in a bare context
		if err := h.Provision(ctx); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	if hs[0].consentLog != hs[1].consentLog {
		t.Fatal("a second config opened the same log again")
	}
	if err := hs[0].Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, err := hs[1].consentLog.store.Verify(context.Background()); err != nil {
		t.Fatalf("the log closed while a config still used it: %v", err)
	}
	if err := hs[1].Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, err := hs[1].consentLog.store.Verify(context.Background()); err == nil {
		t.Error("the log stayed open after the last config was cleaned up")
	}
}
