package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// instance is one running bin/caddy with its own data directory, site port
// and admin port, all on loopback.
type instance struct {
	bin, dir  string
	port      int
	adminPort int // 0: admin off
	cmd       *exec.Cmd
	logFile   string
	exited    chan struct{}
}

// config is what a scenario asks of the Caddyfile.
type config struct {
	consent string // lines inside cookie_consent { }
	handler string // what follows cookie_consent in the site block
	admin   bool
}

func (c config) caddyfile(dir string, port, admin int) string {
	adminLine := "admin off"
	if admin > 0 {
		adminLine = fmt.Sprintf("admin localhost:%d", admin)
	}
	return fmt.Sprintf(`{
	%s
	auto_https off
	persist_config off
	log {
		output file %s
		level WARN
	}
}
http://127.0.0.1:%d {
	cookie_consent {
		secret stress-test-shared-secret
%s
	}
%s
}
`, adminLine, filepath.Join(dir, "caddy.log"), port, indent(c.consent, "\t\t"), indent(c.handler, "\t"))
}

func indent(s, tab string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = tab + strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// start writes the Caddyfile for cfg into dir and starts Caddy with its
// data and config directories there. It waits until the site answers.
func start(bin, dir string, cfg config) (*instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	in := &instance{bin: bin, dir: dir, port: port, logFile: filepath.Join(dir, "caddy.log"), exited: make(chan struct{})}
	if cfg.admin {
		if in.adminPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(cfg.caddyfile(dir, port, in.adminPort)), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "caddy.stderr"))
	if err != nil {
		return nil, err
	}
	in.cmd = exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile")
	in.cmd.Env = in.env()
	in.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the harness
	in.cmd.Stdout, in.cmd.Stderr = out, out
	if err := in.cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { in.cmd.Wait(); out.Close(); close(in.exited) }()
	if err := in.waitUp(20 * time.Second); err != nil {
		in.stop()
		return nil, fmt.Errorf("%w; caddy said: %s", err, in.errors(3))
	}
	return in, nil
}

func (in *instance) env() []string {
	return append(os.Environ(), "XDG_DATA_HOME="+in.dir, "XDG_CONFIG_HOME="+in.dir)
}

func (in *instance) base() string { return fmt.Sprintf("http://127.0.0.1:%d", in.port) }

func (in *instance) waitUp(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-in.exited:
			return fmt.Errorf("caddy exited at start (%v)", in.cmd.ProcessState)
		default:
		}
		if resp, err := c.Get(in.base() + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("site %s did not answer within %s", in.base(), limit)
}

// stop asks Caddy to shut down gracefully (so the consent log flushes what
// it can), and kills it after 15 s.
func (in *instance) stop() {
	if in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(15 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.exited
	}
}

func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// rss is the resident set size of the Caddy process in bytes.
func (in *instance) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func (in *instance) adminGet(path string) ([]byte, error) {
	if in.adminPort == 0 {
		return nil, errors.New("admin endpoint is off")
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://localhost:%d%s", in.adminPort, path))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("admin %s: %s", path, resp.Status)
	}
	return b, err
}

// goroutines is Caddy's goroutine count from the admin pprof endpoint.
func (in *instance) goroutines() (int, error) {
	b, err := in.adminGet("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	n, ok := strings.CutPrefix(string(first), "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("unexpected goroutine profile %.80q", first)
	}
	return strconv.Atoi(strings.TrimSpace(n))
}

// goroutineStacks is the text of the goroutine profile, for a report of
// what leaked.
func (in *instance) goroutineStacks() string {
	b, _ := in.adminGet("/debug/pprof/goroutine?debug=1")
	return string(b)
}

// heapLive is Caddy's heap in use right after a forced GC.
func (in *instance) heapLive() (int64, error) {
	b, err := in.adminGet("/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return 0, err
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "# HeapAlloc = "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("no HeapAlloc in heap profile")
}

// errors returns the last n ERROR lines Caddy logged, and its stderr
// if it wrote anything else (a config error at start).
func (in *instance) errors(n int) string {
	var lines []string
	for _, f := range []string{in.logFile, filepath.Join(in.dir, "caddy.stderr")} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, `"level":"error"`) || strings.HasPrefix(l, "Error:") {
				lines = append(lines, l)
			}
		}
		fh.Close()
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "(no errors logged)"
	}
	return strings.Join(lines, "\n    ")
}

// cli runs `caddy consent-log <args>` with Caddy's environment, bounded.
func (in *instance) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, in.bin, append([]string{"consent-log"}, args...)...)
	cmd.Env = in.env()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("caddy consent-log %s: %w: %s", strings.Join(args, " "), err, firstLine(stderr.String()))
	}
	return out.String(), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:] // cobra prints the error last
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// exportIDs returns the record IDs `consent-log export --format csv` lists.
func (in *instance) exportIDs(ctx context.Context, store string) (map[string]bool, error) {
	out, err := in.cli(ctx, "export", "--format", "csv", "--store", store)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("export: bad CSV: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) < 2 || rows[0][1] != "id" {
		return nil, fmt.Errorf("export: no header row with id second: %.100q", out)
	}
	ids := make(map[string]bool, len(rows))
	for _, r := range rows[1:] {
		ids[r[1]] = true
	}
	return ids, nil
}

type verifyReport struct {
	Records int64           `json:"records"`
	Broken  json.RawMessage `json:"broken"`
}

// verify runs `consent-log verify --format json`; a broken chain is an error.
func (in *instance) verify(ctx context.Context, store string) (int64, error) {
	out, err := in.cli(ctx, "verify", "--format", "json", "--store", store)
	var rep verifyReport
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		if err == nil {
			err = fmt.Errorf("verify: %w: %.100q", jerr, out)
		}
		return 0, err
	}
	if len(rep.Broken) > 0 && string(rep.Broken) != "null" {
		return rep.Records, fmt.Errorf("verify: chain broken: %s", rep.Broken)
	}
	return rep.Records, err
}

// spoolDrained waits until the spool directory holds no pending records.
func spoolDrained(dir string, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	for {
		_, err := os.Stat(filepath.Join(dir, "spool.jsonl"))
		if errors.Is(err, os.ErrNotExist) {
			return time.Since(t0), nil
		}
		if time.Since(t0) > limit {
			fi, _ := os.Stat(filepath.Join(dir, "spool.jsonl"))
			size := int64(-1)
			if fi != nil {
				size = fi.Size()
			}
			return time.Since(t0), fmt.Errorf("spool %s not drained after %s (spool.jsonl %d bytes)", dir, limit, size)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

const mb = 1 << 20

func mib(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/mb) }
