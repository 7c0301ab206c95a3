// Command stress runs the scripted fault and load scenarios of `make
// stress` against the built Caddy binary, on loopback only: choices posted
// by a crowd while the DPO's CLI reads the log, upstream responses that die
// mid-way, and a consent store that moves, vanishes or is down at start.
// Each scenario is bounded in time and prints one line: the load held, the
// faults survived and the records lost. It exits 1 if any invariant broke.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

type options struct {
	caddy, site string
	duration    time.Duration // scenario a's load; the store phases are a tenth of it
	conns       int
	faults      int // aborted responses of each kind in scenario b
}

var scenarios = []struct {
	name string
	run  func(options, string) (string, []string)
}{
	{"choices", choicesUnderLoad},
	{"upstream-faults", upstreamFaults},
	{"store-moved", fileMoved},
	{"store-unreachable", unreachableAtStart},
	{"store-postgres-down", postgresDownAtStart},
}

func main() {
	o := options{}
	flag.StringVar(&o.caddy, "caddy", "bin/caddy", "path to the built Caddy binary")
	flag.StringVar(&o.site, "site", "testdata/site", "directory served in the choices scenario")
	flag.DurationVar(&o.duration, "duration", envDuration("STRESS_DURATION", 60*time.Second), "load time of the choices scenario (env STRESS_DURATION)")
	flag.IntVar(&o.conns, "conns", envInt("STRESS_CONNS", 1000), "concurrent connections in the choices scenario (env STRESS_CONNS)")
	flag.IntVar(&o.faults, "faults", 500, "aborted responses of each kind")
	only := flag.String("run", "", "run only the scenarios matching this regexp")
	flag.Parse()
	match, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: -run:", err)
		os.Exit(2)
	}
	for _, p := range []*string{&o.caddy, &o.site} {
		if *p, err = filepath.Abs(*p); err != nil {
			fmt.Fprintln(os.Stderr, "stress:", err)
			os.Exit(2)
		}
	}
	if _, err := os.Stat(o.caddy); err != nil {
		fmt.Fprintln(os.Stderr, "stress: no Caddy binary (make build):", err)
		os.Exit(2)
	}
	if err := raiseFileLimit(o.conns); err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}

	failed := 0
	for _, s := range scenarios {
		if !match.MatchString(s.name) {
			continue
		}
		summary, problems := runBounded(s.name, s.run, o)
		status := "ok  "
		if len(problems) > 0 {
			status = "FAIL"
			failed++
		}
		fmt.Printf("%s %-20s %s\n", status, s.name, summary)
		for _, p := range problems {
			fmt.Printf("     %-20s ✗ %s\n", "", p)
		}
	}
	if failed > 0 {
		fmt.Printf("stress: %d scenario(s) broke an invariant\n", failed)
		os.Exit(1)
	}
}

// runBounded runs one scenario in a temporary directory, giving up (and
// failing) when it takes much longer than its load should.
func runBounded(name string, run func(options, string) (string, []string), o options) (string, []string) {
	dir, err := os.MkdirTemp("", "consentgate-stress-"+name+"-")
	if err != nil {
		return "", []string{err.Error()}
	}
	type result struct {
		summary  string
		problems []string
	}
	done := make(chan result, 1)
	go func() {
		s, p := run(o, dir)
		done <- result{s, p}
	}()
	limit := o.duration + 5*time.Minute
	select {
	case r := <-done:
		os.RemoveAll(dir)
		return r.summary, r.problems
	case <-time.After(limit):
		return "timed out", []string{fmt.Sprintf("scenario did not finish in %s (files kept in %s)", limit, dir)}
	}
}

// raiseFileLimit lifts RLIMIT_NOFILE to the hard limit so that this
// process and the Caddy it starts (which inherits it) can hold every
// connection, both ends of each being on this machine.
func raiseFileLimit(conns int) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return err
	}
	r.Cur = r.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return fmt.Errorf("raise the open-file limit: %w", err)
	}
	if need := uint64(2*conns + 256); r.Cur < need {
		return fmt.Errorf("open-file limit %d is below the %d that %d connections need (ulimit -n)", r.Cur, need, conns)
	}
	return nil
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
