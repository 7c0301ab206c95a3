package caddymodule_test

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// An upstream that resets mid-body makes reverse_proxy unwind with
// http.ErrAbortHandler; the rewriter's coroutine must be released all the
// same, or every reset leaves a goroutine and its buffers behind.
func TestAbortedResponsesReleaseTheRewriter(t *testing.T) {
	up := itUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html><html><head><title>t</title></head><body><script>var a = '" + strings.Repeat("x", 20000)))
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // a reset mid-body
		}
	})
	base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+up)
	c := itClient(t)
	get := func() {
		resp, err := c.Do(itRequest(t, http.MethodGet, base+"/", map[string]string{"Accept": "text/html"}, nil))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	get() // warm up the connection pools
	c.CloseIdleConnections()
	before := settledGoroutines()
	for range 300 {
		get()
	}
	c.CloseIdleConnections()
	if after := settledGoroutines(); after > before+20 {
		t.Errorf("%d goroutines before 300 aborted responses, %d after", before, after)
	}
}

// settledGoroutines counts goroutines once connection teardown has settled.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}
