package caddymodule_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// TestGPCPageViewsWriteBoundedRecords: a crawler sending Sec-GPC: 1 and
// keeping no cookies gets every page refused, but only the first few views
// of its network are recorded (each record comes with the consent cookie);
// another network is recorded on its own.
func TestGPCPageViewsWriteBoundedRecords(t *testing.T) {
	port := strconv.Itoa(testcaddy.FreePort(t))
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	// Client addresses from X-Forwarded-For, so this test's networks are
	// not loopback's, which other tests record GPC refusals from.
	globals := "servers {\n\ttrusted_proxies static 127.0.0.1/32\n\tclient_ip_headers X-Forwarded-For\n}"
	if err := testcaddy.LoadSitesWith(t, globals, "http://127.0.0.1:"+port+" {\n"+itFileServer(t, "")+"\n}\n"); err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + port
	c := itClient(t)
	view := func(from string) (recorded bool, live []string) {
		resp, body := itGet(t, c, base+"/index.html", map[string]string{
			"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-GPC": "1", "X-Forwarded-For": from,
		})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return itCookieNamed(resp, "consentgate") != nil, itLiveTrackers(body)
	}
	records := 0
	for i := range 1000 {
		recorded, live := view("198.51.100." + strconv.Itoa(i%200))
		if recorded {
			records++
		}
		if len(live) > 0 {
			t.Fatalf("view %d: GPC refusal not honoured, live %v", i, live)
		}
	}
	if records == 0 || records > 10 {
		t.Errorf("1,000 cookieless GPC page views from one network: %d records, want 1 to 10", records)
	}
	if recorded, _ := view("203.0.113.9"); !recorded {
		t.Error("another network's first GPC page view was not recorded")
	}
}
