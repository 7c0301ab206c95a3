// Command loadtest measures what the cookie_consent directive costs: it
// starts the built Caddy binary twice on loopback, serving the demo site
// with and without the directive, loads both with the same client for the
// same time, and prints requests per second, latency and the ratio.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

func main() {
	bin := flag.String("caddy", "bin/caddy", "path to the built Caddy binary")
	site := flag.String("site", "testdata/site", "directory served")
	path := flag.String("path", "/", "page requested")
	duration := flag.Duration("duration", 10*time.Second, "load time per configuration")
	conc := flag.Int("concurrency", 8, "concurrent clients")
	flag.Parse()
	if err := run(*bin, *site, *path, *duration, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type result struct {
	name     string
	requests int
	bytes    int64
	errors   int
	lat      []time.Duration
	elapsed  time.Duration
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(float64(len(r.lat)-1)*p)]
}

func run(bin, site, path string, d time.Duration, conc int) error {
	root, err := filepath.Abs(site)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "consentgate-loadtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var results []result
	for _, cfg := range []struct{ name, directive string }{
		{"file_server alone", ""},
		{"with cookie_consent", "cookie_consent"},
	} {
		port, err := freePort()
		if err != nil {
			return err
		}
		caddyfile := fmt.Sprintf("{\n\tadmin off\n\tauto_https off\n\tpersist_config off\n\tlog {\n\t\tlevel ERROR\n\t}\n}\nhttp://127.0.0.1:%d {\n\t%s\n\troot * %s\n\tfile_server\n}\n", port, cfg.directive, root)
		file := filepath.Join(tmp, "Caddyfile")
		if err := os.WriteFile(file, []byte(caddyfile), 0o644); err != nil {
			return err
		}
		cmd := exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+tmp, "XDG_CONFIG_HOME="+tmp)
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", bin, err)
		}
		url := fmt.Sprintf("http://127.0.0.1:%d%s", port, path)
		if err := waitUp(url); err != nil {
			cmd.Process.Kill()
			return err
		}
		r := load(cfg.name, url, d, conc)
		cmd.Process.Kill()
		cmd.Wait()
		results = append(results, r)
	}
	fmt.Printf("%-22s %10s %10s %10s %10s %8s\n", "configuration", "req/s", "p50", "p99", "MB/s", "errors")
	for _, r := range results {
		fmt.Printf("%-22s %10.0f %10s %10s %10.1f %8d\n", r.name, r.rps(), r.pct(.5).Round(time.Microsecond),
			r.pct(.99).Round(time.Microsecond), float64(r.bytes)/r.elapsed.Seconds()/1e6, r.errors)
	}
	fmt.Printf("throughput with cookie_consent: %.2f of file_server alone (%d clients, %s each, %s)\n",
		results[1].rps()/results[0].rps(), conc, d, path)
	return nil
}

// load sends GETs for a page from conc clients for d; requests are bounded
// by time and go only to the loopback server this program started.
func load(name, url string, d time.Duration, conc int) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	res := result{name: name}
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			var lat []time.Duration
			var n, errs int
			var bytes int64
			for ctx.Err() == nil {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("Accept", "text/html")
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				b, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				n++
				bytes += b
			}
			mu.Lock()
			res.requests += n
			res.bytes += bytes
			res.errors += errs
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	tr.CloseIdleConnections()
	return res
}

func waitUp(url string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not come up", url)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
