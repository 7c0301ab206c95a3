package consentlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testpg"
)

var (
	pgOnce    sync.Once
	pgShared  *testpg.Cluster
	pgErr     error
	dbCounter atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgShared != nil {
		if err := pgShared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// pgCluster returns the cluster shared by the package's tests. Missing
// PostgreSQL binaries fail the test: the PostgreSQL backend must be tested.
func pgCluster(t testing.TB) *testpg.Cluster {
	t.Helper()
	pgOnce.Do(func() { pgShared, pgErr = testpg.New(testpg.Options{}) })
	if pgErr != nil {
		t.Fatalf("PostgreSQL backend cannot be tested: %v", pgErr)
	}
	return pgShared
}

// freshDSN returns the DSN of an empty database of the given backend.
func freshDSN(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return filepath.Join(t.TempDir(), "consent.db")
	}
	c := pgCluster(t)
	dsn, err := c.CreateDatabase(context.Background(), fmt.Sprintf("t%d", dbCounter.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

var backendNames = []string{"sqlite", "postgres"}

// eachBackend runs f against a fresh, empty store of every backend.
func eachBackend(t *testing.T, f func(t *testing.T, s *store, dsn string)) {
	for _, name := range backendNames {
		t.Run(name, func(t *testing.T) {
			dsn := freshDSN(t, name)
			s := openT(t, dsn)
			f(t, s, dsn)
		})
	}
}

func openT(t testing.TB, dsn string) *store {
	t.Helper()
	st, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(*store)
}

// raw runs SQL on the store's connection, bypassing the package's API.
func raw(t testing.TB, s *store, q string, args ...any) int64 {
	t.Helper()
	n, err := s.b.exec(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// rawStrings returns one text column of a query.
func rawStrings(t testing.TB, s *store, q string, args ...any) []string {
	t.Helper()
	rs, err := s.b.query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var v string
		if err := rs.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cid returns a deterministic valid consent ID.
func cid(n int) string {
	s := fmt.Sprintf("%026d", n)
	b := []byte(s)
	for i := range b {
		b[i] = "abcdefghij"[b[i]-'0']
	}
	return string(b)
}

func input(n int) Input {
	return Input{
		ConsentID:     cid(n),
		Event:         EventInitial,
		Method:        MethodAcceptAll,
		Granted:       storedCategories,
		ConsentMode:   ConsentMode{true, true, true, true},
		PolicyVersion: "v3",
		BannerHash:    HashBannerText("We use cookies"),
		Locale:        "en",
		URL:           "/bins/collection-days?postcode=CF10+1AA",
		RemoteIP:      "203.0.113.77",
		UserAgent:     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustVerify(t testing.TB, s Store) Report {
	t.Helper()
	rep, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("chain does not verify: %v", rep.Broken)
	}
	return rep
}
