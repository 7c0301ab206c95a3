package caddymodule_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// Every way a response can be aborted mid-body must release the rewriter
// (its coroutine and buffers): reverse_proxy unwinds with
// http.ErrAbortHandler on an upstream reset, a client that hangs up on a
// slow upstream cancels the request, and a body the transport cannot read
// ends in an error. 500 of each must leave no goroutine and no heap behind.
func TestAbortedResponsesReleaseTheRewriter(t *testing.T) {
	head := "<!DOCTYPE html><html><head><title>t</title>" +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body><script>var a = '`
	big := strings.Repeat("x", 256<<10) // held in the rewriter's token buffer when the body stops
	kinds := []struct {
		name     string
		upstream http.HandlerFunc
		client   time.Duration // client timeout; 0 for none
	}{
		{"upstream reset mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "10000000")
			w.Write([]byte(head + big))
			w.(http.Flusher).Flush()
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}, 0},
		{"client hangs up on a slow upstream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(head + big))
			w.(http.Flusher).Flush()
			select { // until Caddy cancels the proxied request
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, 100 * time.Millisecond},
		{"broken chunked body", func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			body := head + big
			fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\nnot-hex\r\n", len(body), body)
			brw.Flush()
		}, 0},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			base := testcaddy.Start(t, "cookie_consent\nreverse_proxy "+itUpstream(t, k.upstream))
			c := itClient(t)
			get := func() {
				ctx := context.Background()
				if k.client > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, k.client)
					defer cancel()
				}
				req := itRequest(t, http.MethodGet, base+"/", map[string]string{"Accept": "text/html"}, nil).WithContext(ctx)
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, bufio.NewReader(resp.Body))
					resp.Body.Close()
				}
			}
			get() // warm up the connection pools
			c.CloseIdleConnections()
			before, heapBefore := settledGoroutines(), liveHeap()
			var wg sync.WaitGroup
			work := make(chan struct{})
			for range 8 {
				wg.Go(func() {
					for range work {
						get()
					}
				})
			}
			for range 500 {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
			c.CloseIdleConnections()
			after, heapAfter := settledGoroutines(), liveHeap()
			if after > before+20 {
				t.Errorf("%d goroutines before 500 aborted responses, %d after", before, after)
			}
			// Leaking each response's 256 KiB token would leave 125 MiB.
			if grew := int64(heapAfter) - int64(heapBefore); grew > 32<<20 {
				t.Errorf("live heap grew by %d MiB over 500 aborted responses", grew>>20)
			}
		})
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

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
