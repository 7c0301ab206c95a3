package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// page is an HTML page with a tracker, so the rewriter works on every
// response; filler makes an aborted response leave much behind if it leaks.
func page(filler int) []byte {
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html lang="en"><head><title>Stress</title>` +
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-STRESS"></script>` +
		`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-STRESS');</script>` +
		`</head><body><h1>Stress</h1>`)
	for i := 0; b.Len() < filler; i++ {
		fmt.Fprintf(&b, `<p id="p%d">Council tax, bins and parking: paragraph %d of the filler.</p><img src="https://www.facebook.com/tr?id=1&ev=PageView&n=%d">`+"\n", i, i, i)
	}
	b.WriteString(`</body></html>`)
	return b.Bytes()
}

// faultyUpstream serves /ok, and three ways for a response to die: /reset
// sends half a large page and resets the connection, /stall sends the start
// of a page and then nothing until the proxy gives up, /badgzip sends a
// gzip body that breaks off into garbage. Keep-alives are off so that idle
// upstream connections do not count as Caddy goroutines.
func faultyUpstream() (addr string, closeFn func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	big := page(512 << 10)
	small := page(4 << 10)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(big)
	zw.Close()
	broken := append(gz.Bytes()[:gz.Len()/3:gz.Len()/3], bytes.Repeat([]byte("this is not deflate data "), 400)...)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(small)
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		w.WriteHeader(http.StatusOK)
		w.Write(big[:len(big)/2])
		rc := http.NewResponseController(w)
		rc.Flush()
		conn, _, err := rc.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, not FIN
		}
		conn.Close()
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(big[:8<<10])
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/badgzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(broken)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv.SetKeepAlivesEnabled(false)
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }, nil
}

// errTruncated is a 200 whose body ended cleanly, without its page's end:
// the client cannot tell it from a whole page.
var errTruncated = errors.New("body ended cleanly but truncated")

// upstreamFaults is scenario b: n aborted responses of each kind through
// cookie_consent + reverse_proxy, then Caddy's goroutines and live heap must
// come back to what they were before.
func upstreamFaults(o options, dir string) (string, []string) {
	addr, closeUp, err := faultyUpstream()
	if err != nil {
		return "no upstream", []string{err.Error()}
	}
	defer closeUp()
	in, err := start(o.caddy, dir, config{
		consent: "log " + dir + "/consent.db\nlog_spool " + dir + "/spool",
		handler: "reverse_proxy " + addr,
		admin:   true,
	})
	if err != nil {
		return "caddy did not start", []string{err.Error()}
	}
	defer in.stop()

	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true, MaxConnsPerHost: 64}
	get := func(path string, timeout time.Duration) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.base()+path, nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode == http.StatusOK && !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</html>")) {
			err = errTruncated
		}
		return resp.StatusCode, err
	}
	var problems []string
	for range 200 { // warm up: pools, caches, the rewriter's first allocations
		if code, err := get("/ok", 10*time.Second); err != nil || code != http.StatusOK {
			return "warm-up failed", []string{fmt.Sprintf("GET /ok: %d %v", code, err)}
		}
	}
	time.Sleep(time.Second)
	g0, err := in.goroutines()
	if err != nil {
		return "no goroutine count", []string{err.Error()}
	}
	h0, _ := in.heapLive()
	r0, _ := in.rss()

	type outcome struct {
		mu    sync.Mutex
		kinds map[string]int
	}
	var summary []string
	for _, k := range []struct {
		path    string
		timeout time.Duration
	}{
		{"/reset", 10 * time.Second},
		{"/stall", 300 * time.Millisecond},
		{"/badgzip", 10 * time.Second},
	} {
		out := outcome{kinds: map[string]int{}}
		var wg sync.WaitGroup
		next := make(chan struct{})
		for range 32 {
			wg.Go(func() {
				for range next {
					code, err := get(k.path, k.timeout)
					key := fmt.Sprint(code)
					switch {
					case err != nil && strings.Contains(err.Error(), "deadline"):
						key = "client timeout"
					case errors.Is(err, errTruncated):
						key += " ended cleanly but short"
					case err != nil && code == 0:
						key = "no response"
					case err != nil:
						key += " cut off"
					}
					out.mu.Lock()
					out.kinds[key]++
					out.mu.Unlock()
				}
			})
		}
		for range o.faults {
			next <- struct{}{}
		}
		close(next)
		wg.Wait()
		keys := make([]string, 0, len(out.kinds))
		for key, n := range out.kinds {
			keys = append(keys, fmt.Sprintf("%s×%d", key, n))
		}
		sort.Strings(keys)
		summary = append(summary, fmt.Sprintf("%s %d (%s)", k.path[1:], o.faults, strings.Join(keys, " ")))
		if !in.alive() {
			problems = append(problems, "caddy exited during "+k.path)
			return strings.Join(summary, ", "), problems
		}
	}
	tr.CloseIdleConnections()

	// Aborted requests unwind asynchronously; give them a bounded while.
	const slack = 25
	var g1 int
	deadline := time.Now().Add(20 * time.Second)
	for {
		g1, err = in.goroutines()
		if err != nil || g1 <= g0+slack || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	h1, _ := in.heapLive()
	r1, _ := in.rss()
	if code, err := get("/ok", 10*time.Second); err != nil || code != http.StatusOK {
		problems = append(problems, fmt.Sprintf("after the faults GET /ok: %d %v", code, err))
	}
	if err != nil {
		problems = append(problems, err.Error())
	} else if g1 > g0+slack {
		problems = append(problems, fmt.Sprintf("goroutines %d before, %d after %d aborted responses (leak of %d); top stacks:\n%s",
			g0, g1, 3*o.faults, g1-g0, topStacks(in.goroutineStacks(), 3)))
	}
	if h1 > h0+32*mb {
		problems = append(problems, fmt.Sprintf("live heap %s before, %s after", mib(h0), mib(h1)))
	}
	if limit := r0*3/2 + 50*mb; r1 > limit {
		problems = append(problems, fmt.Sprintf("RSS %s before, %s after (limit %s)", mib(r0), mib(r1), mib(limit)))
	}
	return fmt.Sprintf("%s; goroutines %d before, %d after; live heap %s before, %s after; RSS %s before, %s after",
		strings.Join(summary, ", "), g0, g1, mib(h0), mib(h1), mib(r0), mib(r1)), problems
}

// topStacks returns the first n stack groups of a debug=1 goroutine
// profile (sorted by count, largest first), indented.
func topStacks(profile string, n int) string {
	_, profile, _ = strings.Cut(profile, "\n") // "goroutine profile: total N"
	groups := strings.Split(profile, "\n\n")
	if len(groups) > n {
		groups = groups[:n]
	}
	for i, g := range groups {
		lines := strings.Split(g, "\n")
		if len(lines) > 8 {
			lines = lines[:8]
		}
		groups[i] = "      " + strings.Join(lines, "\n      ")
	}
	return strings.Join(groups, "\n")
}
