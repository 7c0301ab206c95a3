// Package testpg starts a throwaway PostgreSQL cluster for tests, using the
// server binaries of Debian's postgresql package. The cluster listens only on
// a unix socket in its own temporary directory, so parallel test binaries
// never collide and nothing is exposed on the network.
//
// initdb and postgres refuse to run as root, so when the tests run as root
// the server processes are started with the credentials of the "postgres"
// system user (or "nobody" when that user does not exist), and the cluster
// directory is created for and owned by that user.
//
// Missing binaries are an error, never a skip: a test suite that silently
// stops testing the PostgreSQL backend would hide regressions.
package testpg

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// InstallHint is part of every error about missing binaries.
const InstallHint = "install Debian's postgresql package (apt-get install postgresql) so that /usr/lib/postgresql/*/bin/initdb and pg_ctl exist"

// Options tune the cluster.
type Options struct {
	// Durable keeps fsync on; off by default because test data is thrown
	// away and fsync dominates the run time of small transactions.
	Durable bool
}

// Cluster is a running (or stopped) PostgreSQL server.
type Cluster struct {
	bin     string // directory holding initdb, pg_ctl
	dir     string // temporary root, removed by Close
	data    string
	sockets string
	port    int
	cred    *syscall.Credential // nil when not running as root
}

// FindBin returns the newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl.
func FindBin() (string, error) { return findBin("/usr/lib/postgresql/*/bin") }

func findBin(pattern string) (string, error) {
	dirs, _ := filepath.Glob(pattern)
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("testpg: no PostgreSQL server binaries under %s: %s", pattern, InstallHint)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// New initialises and starts a cluster. Call Close when done.
func New(opts Options) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testpg-")
	if err != nil {
		return nil, fmt.Errorf("testpg: temp dir: %w", err)
	}
	c := &Cluster{
		bin:     bin,
		dir:     dir,
		data:    filepath.Join(dir, "data"),
		sockets: dir,
		port:    20000 + rand.IntN(40000), // socket only: the port just names the socket file
	}
	if os.Geteuid() == 0 {
		if c.cred, err = unprivileged(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("testpg: chown %s: %w", dir, err)
		}
	}
	if err := c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	conf := fmt.Sprintf("listen_addresses = ''\nunix_socket_directories = '%s'\nport = %d\nmax_connections = 200\n", c.sockets, c.port)
	if !opts.Durable {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testpg: write postgresql.conf: %w", err)
	}
	if err := c.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// unprivileged returns the credentials of the postgres user, or nobody.
func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("testpg: running as root and neither a postgres nor a nobody user exists to run initdb as")
}

func (c *Cluster) run(tool string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, tool), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("testpg: %s %v: %w\n%s", tool, args, err, out)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	return c.run("pg_ctl", "start", "-w", "-D", c.data, "-l", filepath.Join(c.dir, "server.log"))
}

// Stop shuts the server down (fast mode: open connections are cut, as in an
// outage) and waits until it has gone.
func (c *Cluster) Stop() error {
	return c.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", c.data)
}

// Close stops the server if it runs and removes every file of the cluster.
func (c *Cluster) Close() error {
	_ = c.Stop() // fails harmlessly when already stopped
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("testpg: remove %s: %w", c.dir, err)
	}
	return nil
}

// DSN returns a connection string for database db as the superuser.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, c.sockets, c.port)
}

// CreateDatabase creates an empty database and returns its DSN, so that
// tests sharing one cluster do not see each other's data.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return "", fmt.Errorf("testpg: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("testpg: create database %s: %w", name, err)
	}
	return c.DSN(name), nil
}
