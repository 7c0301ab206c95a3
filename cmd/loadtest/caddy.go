package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// environment is what every Caddy run shares.
type environment struct {
	bin, tmp string
	upstream *upstream
}

// variant is one side of a comparison: the directive in front or not,
// encode gzip or not; admin is the loopback port of Caddy's admin endpoint
// (0: off), on only to take profiles.
type variant struct {
	consent, gzip bool
	admin         int
}

func (v variant) String() string {
	s := "reverse_proxy"
	if v.consent {
		s = "cookie_consent + " + s
	}
	if v.gzip {
		s = "encode gzip + " + s
	}
	return s
}

// caddyfile is the site for v. cookie_consent needs no global order (it
// runs after encode, before reverse_proxy) and no store: the consent log is
// SQLite in Caddy's data directory, a fresh temp directory per run.
func (v variant) caddyfile(port int, upstream string) string {
	var site strings.Builder
	if v.gzip {
		site.WriteString("\tencode gzip\n")
	}
	if v.consent {
		site.WriteString("\tcookie_consent {\n\t\tsite_name \"Llanwern County Council\"\n\t}\n")
	}
	fmt.Fprintf(&site, "\treverse_proxy %s\n", upstream)
	admin := "off"
	if v.admin != 0 {
		admin = fmt.Sprintf("127.0.0.1:%d", v.admin)
	}
	return fmt.Sprintf("{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n\tlog {\n\t\tlevel ERROR\n\t}\n}\n"+
		"http://127.0.0.1:%d {\n%s}\n", admin, port, site.String())
}

// server is one running Caddy process.
type server struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr bytes.Buffer
}

// running holds every Caddy this program started and has not stopped, so
// that every exit path (error, signal) can kill them.
var running = struct {
	sync.Mutex
	m map[*server]bool
}{m: map[*server]bool{}}

// startCaddy starts a fresh Caddy serving v, with its own data directory,
// and waits until it answers.
func startCaddy(env environment, v variant) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(env.tmp, "run")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte(v.caddyfile(port, env.upstream.addr)), 0o644); err != nil {
		return nil, err
	}
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	s.cmd = exec.Command(env.bin, "run", "--config", file, "--adapter", "caddyfile")
	s.cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	s.cmd.Stdout, s.cmd.Stderr = &s.stderr, &s.stderr
	s.cmd.SysProcAttr = sysProcAttr()
	running.Lock()
	if err := s.cmd.Start(); err != nil {
		running.Unlock()
		return nil, fmt.Errorf("start %s: %w", env.bin, err)
	}
	running.m[s] = true
	running.Unlock()
	if err := waitUp(s.base + jsPath); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w\n%s", v, err, s.stderr.String())
	}
	return s, nil
}

// stop kills the process and waits for it.
func (s *server) stop() {
	running.Lock()
	defer running.Unlock()
	if running.m[s] {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		delete(running.m, s)
	}
}

func stopAll() {
	running.Lock()
	var all []*server
	for s := range running.m {
		all = append(all, s)
	}
	running.Unlock()
	for _, s := range all {
		s.stop()
	}
}

// rssKiB reads the process's resident set size from /proc.
func (s *server) rssKiB() (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
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
