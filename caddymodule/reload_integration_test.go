package caddymodule_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// Config reloads under load drop no request that reached the handler and
// keep one store: page views and choices run while the config is reloaded
// ten times; every request is answered (a connection Caddy's listener
// hand-over resets before it was read is retried, as a browser does), every
// answered choice is in the chain, and the database file is held open by as
// many descriptors after the reloads as before them.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	dbPath := filepath.Join(dir, "consent.db")
	port := testcaddy.FreePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	load := func(i int) {
		t.Helper()
		site := fmt.Sprintf("%s {\n%s\nheader X-Generation %d\n}\n", base,
			itFileServer(t, "log "+strconv.Quote(dbPath)+"\nlog_spool "+strconv.Quote(filepath.Join(dir, "spool"))), i)
		if err := testcaddy.LoadSitesWith(t, "", site); err != nil {
			t.Fatal(err)
		}
	}
	load(0)
	c := itClient(t)
	itConsent(t, c, base, url.Values{"action": {"reject_all"}}) // the store is open
	fds := openDescriptors(t, dbPath)

	var failures, resets atomic.Int64
	var failed sync.Map
	var mu sync.Mutex
	var answered []string // consent IDs of the choices answered
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				post := (w+i)%2 == 1
				var resp *http.Response
				var err error
				for range 3 {
					req := itRequest(t, http.MethodGet, base+"/", map[string]string{"Accept": "text/html"}, nil)
					if post {
						req = itRequest(t, http.MethodPost, base+"/_consent/choice", map[string]string{"Origin": base,
							"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader("action=accept_all"))
					}
					if resp, err = c.Do(req); err == nil {
						break
					}
					resets.Add(1)
				}
				if err != nil {
					failures.Add(1)
					failed.Store(err.Error(), true)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case post && resp.StatusCode == http.StatusSeeOther:
					mu.Lock()
					answered = append(answered, consentID(t, "consentgate="+itCookieNamed(resp, "consentgate").Value))
					mu.Unlock()
				case !post && resp.StatusCode == http.StatusOK:
				default:
					failures.Add(1)
					failed.Store(resp.Request.Method+" "+resp.Status, true)
				}
			}
		})
	}
	for i := 1; i <= 10; i++ {
		time.Sleep(100 * time.Millisecond)
		load(i)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		var what []string
		failed.Range(func(k, _ any) bool { what = append(what, k.(string)); return true })
		t.Errorf("%d requests failed across 10 reloads: %v", n, what)
	}
	if got := openDescriptors(t, dbPath); got != fds {
		t.Errorf("the database is open %d times after 10 reloads, %d before: a reload opened the store again", got, fds)
	}
	store := openStore(t, dbPath)
	for _, id := range answered {
		waitHistory(t, store, id, 1)
	}
	if rep, err := store.Verify(t.Context()); err != nil || !rep.OK() {
		t.Errorf("chain after reloads under load: %+v, %v", rep, err)
	}
	t.Logf("%d choices answered and stored across 10 reloads; %d connections reset by the listener hand-over and retried", len(answered), resets.Load())
}

// openDescriptors counts this process's open descriptors on path.
func openDescriptors(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err) // Linux only, as CI is
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}
