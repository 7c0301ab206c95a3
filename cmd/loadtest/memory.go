package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// midStream is how much every slow client must have read before the RSS is
// sampled: well past the first buffers, far from the end.
const midStream = 256 << 10

// compareMemory measures the memory per in-flight response of A and B,
// alternated like the throughput runs, and prints the medians and their
// difference (issue 12's target: B at most 64 KiB above A).
func compareMemory(env environment, c config) error {
	fmt.Printf("\nmemory per in-flight %d MB response, %d clients at %d KiB/s (target: B - A <= 64 KiB)\n",
		c.slowSize>>20, c.slow, c.slowRate>>10)
	var per, ahead [2][]float64
	for i := range c.pairs {
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		var pair [2]float64
		for _, consent := range order {
			v := variant{consent: consent}
			profile := ""
			if c.profile != "" {
				profile = filepath.Join(c.profile, fmt.Sprintf("memory-%c-%d.heap.pprof", "AB"[btoi(consent)], i+1))
			}
			kib, sent, err := inFlight(env, c, v, profile)
			if err != nil {
				return fmt.Errorf("%s: %w", v, err)
			}
			pair[btoi(consent)] = kib
			per[btoi(consent)] = append(per[btoi(consent)], kib)
			ahead[btoi(consent)] = append(ahead[btoi(consent)], sent)
		}
		fmt.Printf("  pair %d: A %5.0f KiB  B %5.0f KiB per response (upstream had sent %.1f and %.1f MB of each)\n",
			i+1, pair[0], pair[1], ahead[0][i], ahead[1][i])
	}
	a, b := median(per[0]), median(per[1])
	fmt.Printf("  A = %s\n  B = %s\n", variant{}, variant{consent: true})
	fmt.Printf("RATIO %-26s A %.0f KiB   B %.0f KiB   B - A %+.0f KiB per response\n", "memory", a, b, b-a)
	return nil
}

// inFlight starts a fresh Caddy for v and returns its RSS growth per
// response (KiB) with c.slow clients all mid-way through a slow read, and
// how far ahead of them (MB per response) the upstream had got.
func inFlight(env environment, c config, v variant, profile string) (kib, sentMB float64, err error) {
	if profile != "" {
		if v.admin, err = freePort(); err != nil {
			return 0, 0, err
		}
	}
	s, err := startCaddy(env, v)
	if err != nil {
		return 0, 0, err
	}
	defer s.stop()
	page := comparison{path: pagePath, html: true}
	if err := check(s.base+pagePath, page, v); err != nil {
		return 0, 0, err
	}
	time.Sleep(200 * time.Millisecond)
	idle, err := s.rssKiB()
	if err != nil {
		return 0, 0, err
	}

	env.upstream.sent.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &http.Transport{
		DisableCompression: true,
		DisableKeepAlives:  true,
		// A small receive buffer keeps the kernel from soaking up the
		// response, so Caddy holds its part of each one as it would for a
		// slow mobile visitor.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				conn.(*net.TCPConn).SetReadBuffer(64 << 10)
			}
			return conn, err
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var ready atomic.Int64
	errc := make(chan error, c.slow)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range c.slow {
		wg.Go(func() {
			err := slowRead(ctx, client, request(ctx, s.base+bigPath, page), c.slowRate, &ready)
			if err != nil && ctx.Err() == nil {
				errc <- err
			}
		})
	}
	deadline := time.After(time.Duration(2*midStream/c.slowRate+30) * time.Second)
	for ready.Load() < int64(c.slow) {
		select {
		case err := <-errc:
			return 0, 0, fmt.Errorf("a slow client failed before mid-stream: %w", err)
		case <-deadline:
			return 0, 0, fmt.Errorf("only %d of %d slow clients reached mid-stream", ready.Load(), c.slow)
		case <-time.After(50 * time.Millisecond):
		}
	}
	var samples []float64
	sent0 := env.upstream.sent.Load()
	for range 5 {
		rss, err := s.rssKiB()
		if err != nil {
			return 0, 0, err
		}
		samples = append(samples, float64(rss))
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case err := <-errc:
		return 0, 0, fmt.Errorf("a slow client failed mid-stream: %w", err)
	default:
	}
	if n := env.upstream.streaming.Load(); n < int64(c.slow) {
		return 0, 0, fmt.Errorf("%d of %d responses were already sent whole by the upstream: not mid-stream", int64(c.slow)-n, c.slow)
	}
	sentMB = float64(sent0) / float64(c.slow) / (1 << 20)
	if profile != "" {
		if err := saveProfile(v.admin, "heap?gc=1", profile); err != nil {
			return 0, 0, fmt.Errorf("heap profile: %w", err)
		}
	}
	return (median(samples) - float64(idle)) / float64(c.slow), sentMB, nil
}

// slowRead reads the response at rate bytes per second until ctx ends,
// counting itself in ready once it has read midStream bytes. Reaching the
// end of the body first is an error: the sample would not be mid-stream.
func slowRead(ctx context.Context, client *http.Client, req *http.Request, rate int, ready *atomic.Int64) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	buf := make([]byte, 8<<10)
	start, total := time.Now(), 0
	for ctx.Err() == nil {
		n, err := io.ReadFull(resp.Body, buf)
		total += n
		if total >= midStream && total-n < midStream {
			ready.Add(1)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("the response ended after %d bytes", total)
		}
		if err != nil {
			return err
		}
		due := start.Add(time.Duration(total) * time.Second / time.Duration(rate))
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(due)):
		}
	}
	return nil
}
