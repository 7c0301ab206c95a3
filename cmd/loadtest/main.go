// Command loadtest measures what the cookie_consent directive costs through
// the built Caddy binary, as issue 12's targets state it: Caddy proxying an
// in-process upstream with `reverse_proxy` alone (A) and with
// `cookie_consent` in front of it (B), without and with `encode gzip`. Runs
// alternate A and B, each in a fresh Caddy process, and every comparison is
// printed as the median of -pairs ratios:
//
//   - throughput and p50/p99 latency on the 100 KB council page
//     (testdata/bench/council.html) and on a 100 KB JavaScript file;
//   - memory per in-flight response (without gzip): 200 clients each
//     reading a 20 MB page at 64 KiB/s, the Caddy process's RSS once all are
//     mid-stream minus its idle RSS, per response.
//
// With -profile DIR every Caddy it starts has its admin endpoint on
// loopback, and DIR gets a CPU profile of each throughput run's measured
// load (<comparison>-<A|B>-<pair>.pprof) and a heap profile of each memory
// run once every client is mid-stream (memory-<A|B>-<pair>.heap.pprof);
// read them with go tool pprof bin/caddy FILE.
//
// With -gobench it first prints the medians of a `go test -bench -count N`
// output and the rewriter's ratio to its floor benchmark (make bench).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type config struct {
	caddy, page, gobench string
	profile              string
	pairs, conc, slow    int
	duration, warmup     time.Duration
	slowSize, slowRate   int
	load, memory         bool
}

func main() {
	var c config
	flag.StringVar(&c.caddy, "caddy", "bin/caddy", "path to the built Caddy binary")
	flag.StringVar(&c.page, "page", "testdata/bench/council.html", "HTML page the upstream serves")
	flag.StringVar(&c.gobench, "gobench", "", "summarise this file of go test -bench output first (medians and ratios)")
	flag.StringVar(&c.profile, "profile", "", "save CPU and heap profiles of each run's Caddy in this directory")
	flag.BoolVar(&c.memory, "memory", true, "run the memory comparison after the throughput ones")
	flag.BoolVar(&c.load, "load", true, "run the load test (false: only -gobench)")
	flag.IntVar(&c.pairs, "pairs", 5, "A/B pairs per comparison; each figure is the median of their ratios")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "load time per run")
	flag.DurationVar(&c.warmup, "warmup", 500*time.Millisecond, "unmeasured load before each run")
	flag.IntVar(&c.conc, "concurrency", 8, "concurrent clients in throughput runs")
	flag.IntVar(&c.slow, "slow-clients", 200, "concurrent slow clients in memory runs")
	flag.IntVar(&c.slowSize, "slow-size", 20<<20, "bytes of the page each slow client reads")
	flag.IntVar(&c.slowRate, "slow-rate", 64<<10, "bytes per second each slow client reads")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "consentgate-loadtest")
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	cleanup := func() { stopAll(); os.RemoveAll(tmp) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		cleanup()
		fmt.Fprintln(os.Stderr, "loadtest:", s)
		os.Exit(130)
	}()
	err = run(c, tmp)
	cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// run prints the figures; Caddy's data directories go under tmp.
func run(c config, tmp string) error {
	if c.gobench != "" {
		if err := summarise(os.Stdout, c.gobench); err != nil {
			return err
		}
	}
	if !c.load {
		return nil
	}
	up, err := startUpstream(c.page, c.slowSize)
	if err != nil {
		return err
	}
	defer up.close()
	env := environment{bin: c.caddy, tmp: tmp, upstream: up}
	fmt.Printf("\nload test: %s, %d pairs of %s runs, %d clients; figures are medians of B/A per pair\n",
		c.caddy, c.pairs, c.duration, c.conc)
	for _, cmp := range throughputComparisons {
		if err := compareThroughput(env, c, cmp); err != nil {
			return err
		}
	}
	// Memory only without encode gzip: the 20 MB page compresses to a few
	// MB, which the kernel's socket buffers take whole, so Caddy finishes
	// the response and nothing is left in flight to measure.
	if !c.memory {
		return nil
	}
	return compareMemory(env, c)
}
