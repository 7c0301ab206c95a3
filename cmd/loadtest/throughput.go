package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// comparison is one throughput figure of issue 12: the same request through
// A (reverse_proxy alone) and B (cookie_consent in front).
type comparison struct {
	name   string
	path   string
	gzip   bool
	html   bool
	target string // issue 12's target for B/A
}

var throughputComparisons = []comparison{
	{"100 KB page", pagePath, false, true, "throughput >= 0.90, p99 <= 1.2x"},
	{"100 KB page, encode gzip", pagePath, true, true, "throughput >= 0.90, p99 <= 1.2x"},
	{"100 KB JS (non-HTML)", jsPath, false, false, "throughput >= 0.98"},
}

type result struct {
	requests, errors int
	lat              []time.Duration
	elapsed          time.Duration
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(float64(len(r.lat)-1)*p)]
}

// compareThroughput runs -pairs A/B pairs, A first in even pairs and B
// first in odd ones so that drift favours neither, and prints the medians.
func compareThroughput(env environment, c config, cmp comparison) error {
	fmt.Printf("\n%s (target: %s)\n", cmp.name, cmp.target)
	var rps, p50, p99 []float64
	var runsA, runsB []result
	for i := range c.pairs {
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		var pair [2]result
		for _, consent := range order {
			profile := ""
			if c.profile != "" {
				profile = filepath.Join(c.profile, fmt.Sprintf("%s-%c-%d.pprof", slug(cmp.name), "AB"[btoi(consent)], i+1))
			}
			r, err := measure(env, c, cmp, variant{consent: consent, gzip: cmp.gzip}, profile)
			if err != nil {
				return err
			}
			pair[btoi(consent)] = r
		}
		a, b := pair[0], pair[1]
		runsA, runsB = append(runsA, a), append(runsB, b)
		rps = append(rps, b.rps()/a.rps())
		p50 = append(p50, float64(b.pct(.5))/float64(a.pct(.5)))
		p99 = append(p99, float64(b.pct(.99))/float64(a.pct(.99)))
		fmt.Printf("  pair %d: A %6.0f req/s p50 %-8s p99 %-8s  B %6.0f req/s p50 %-8s p99 %-8s  errors %d/%d\n",
			i+1, a.rps(), a.pct(.5).Round(time.Microsecond), a.pct(.99).Round(time.Microsecond),
			b.rps(), b.pct(.5).Round(time.Microsecond), b.pct(.99).Round(time.Microsecond), a.errors, b.errors)
	}
	fmt.Printf("  A = %s: median %.0f req/s\n  B = %s: median %.0f req/s\n",
		variant{gzip: cmp.gzip}, median(mapf(runsA, result.rps)), variant{consent: true, gzip: cmp.gzip}, median(mapf(runsB, result.rps)))
	fmt.Printf("RATIO %-26s throughput %.2f   p50 %.2fx   p99 %.2fx\n", cmp.name, median(rps), median(p50), median(p99))
	return nil
}

// measure starts a fresh Caddy for v, checks that it serves what the
// comparison means, warms it up and loads it for c.duration; with a profile
// path, it saves a CPU profile of that load there.
func measure(env environment, c config, cmp comparison, v variant, profile string) (result, error) {
	if profile != "" {
		port, err := freePort()
		if err != nil {
			return result{}, err
		}
		v.admin = port
	}
	s, err := startCaddy(env, v)
	if err != nil {
		return result{}, err
	}
	defer s.stop()
	url := s.base + cmp.path
	if err := check(url, cmp, v); err != nil {
		return result{}, fmt.Errorf("%s %s: %w", v, cmp.path, err)
	}
	load(url, cmp, c.warmup, c.conc)
	var profiled chan error
	if profile != "" {
		profiled = make(chan error, 1)
		go func() {
			profiled <- saveProfile(v.admin, fmt.Sprintf("profile?seconds=%d", max(1, int(c.duration.Seconds()))), profile)
		}()
	}
	r := load(url, cmp, c.duration, c.conc)
	if profiled != nil {
		if err := <-profiled; err != nil {
			return r, fmt.Errorf("%s %s: profile: %w", v, cmp.path, err)
		}
	}
	if r.requests == 0 {
		return r, fmt.Errorf("%s %s: no request succeeded", v, cmp.path)
	}
	return r, nil
}

// saveProfile writes the profile /debug/pprof/<which> from the admin
// endpoint on port to path.
func saveProfile(port int, which, path string) error {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", port, which))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// slug is name as a file name: letters and digits, runs of anything else
// as one "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// request is what a browser sends for the comparison's resource.
func request(ctx context.Context, url string, cmp comparison) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if cmp.html {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
	} else {
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Sec-Fetch-Mode", "no-cors")
		req.Header.Set("Sec-Fetch-Dest", "script")
	}
	if cmp.gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	return req
}

// check fails unless the response is what the run claims to measure:
// compressed when gzip is on, and the page rewritten (its frames held
// behind placeholders) exactly when the
// directive is in front.
func check(url string, cmp comparison, v variant) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	resp, err := client.Do(request(context.Background(), url, cmp))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if enc := resp.Header.Get("Content-Encoding"); (enc == "gzip") != cmp.gzip {
		return fmt.Errorf("Content-Encoding %q", enc)
	}
	if cmp.gzip {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return err
		}
	}
	if rewritten := strings.Contains(string(body), "data-consent-ph"); rewritten != (v.consent && cmp.html) {
		return fmt.Errorf("page rewritten: %v", rewritten)
	}
	return nil
}

// load sends GETs from conc clients for d and reads every body as sent
// (compressed when gzip is on); requests go only to the loopback Caddy this
// program started.
func load(url string, cmp comparison, d time.Duration, conc int) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var res result
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			var lat []time.Duration
			var n, errs int
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Do(request(ctx, url, cmp))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				n++
			}
			mu.Lock()
			res.requests += n
			res.errors += errs
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mapf[T any](s []T, f func(T) float64) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(x))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
