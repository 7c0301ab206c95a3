package consentlog

import (
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

func TestTruncateIP(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.77", "203.0.113.0"},
		{"203.0.113.77:51234", "203.0.113.0"},
		{"::ffff:203.0.113.77", "203.0.113.0"},
		{"2001:db8:abcd:1234:5678:9abc:def0:1234", "2001:db8:abcd::"},
		{"[2001:db8:abcd:1234::1]:443", "2001:db8:abcd::"},
		{"fe80::1%eth0", "fe80::"},
		{"2001:db8:abcd::", "2001:db8:abcd::"},
		{"203.0.113.0", "203.0.113.0"}, // idempotent
		{"", ""},
		{"not an ip", ""},
		{"203.0.113.77, 10.0.0.1", ""}, // an X-Forwarded-For list is not an address
	} {
		if got := TruncateIP(tc.in); got != tc.want {
			t.Errorf("TruncateIP(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBrowserFamily(t *testing.T) {
	for _, tc := range []struct{ ua, want string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", BrowserChrome},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.56", BrowserEdge},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", BrowserFirefox},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/131.0 Mobile/15E148 Safari/605.1.15", BrowserFirefox},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", BrowserSafari},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/130.0.6723.90 Mobile/15E148 Safari/604.1", BrowserChrome},
		{"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", BrowserSamsung},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/114.0.0.0", BrowserOpera},
		{"curl/8.5.0", BrowserOther},
		{"", BrowserOther},
	} {
		if got := BrowserFamily(tc.ua); got != tc.want {
			t.Errorf("BrowserFamily(%q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}

func TestStripQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/council-tax/pay?ref=123&email=a@example.org", "/council-tax/pay"},
		{"/a#section?x", "/a"},
		{"/a?", "/a"},
		{"https://www.example.gov.uk/bins?postcode=CF10", "/bins"},
		{"//www.example.gov.uk/x?y", "/x"},
		{"/plain", "/plain"},
	} {
		if got := StripQuery(tc.in); got != tc.want {
			t.Errorf("StripQuery(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	seen := map[string]bool{}
	for i := range 200 {
		id := NewID(base.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 || seen[id] {
			t.Fatalf("id %q: wrong length or duplicate", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("IDs made in time order do not sort in time order")
	}
	if id := NewID(time.UnixMilli(0)); id[:10] != "0000000000" {
		t.Fatalf("epoch ID %q: time part not zero", id)
	}
}

func TestNewRecordNormalises(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("BST", 3600))
	in := input(1)
	in.Granted = []trackers.Category{trackers.Marketing, trackers.Necessary, trackers.Analytics}
	r := NewRecord(in, now)
	if r.IP != "203.0.113.0" || r.Path != "/bins/collection-days" || r.Browser != BrowserChrome {
		t.Fatalf("not normalised: ip %q path %q browser %q", r.IP, r.Path, r.Browser)
	}
	if !slices.Equal(r.Granted, []trackers.Category{trackers.Analytics, trackers.Marketing}) {
		t.Fatalf("granted %v", r.Granted)
	}
	if r.Time.Location() != time.UTC || r.Time.Nanosecond() != 123456000 {
		t.Fatalf("time %v not UTC microseconds", r.Time)
	}
}

func TestValidate(t *testing.T) {
	now := time.Now()
	for name, mod := range map[string]func(*Input){
		"method":     func(in *Input) { in.Method = "clicked" },
		"event":      func(in *Input) { in.Event = "" },
		"consent id": func(in *Input) { in.ConsentID = "not-an-id" },
		"category":   func(in *Input) { in.Granted = []trackers.Category{"telemetry"} },
	} {
		in := input(1)
		mod(&in)
		if err := validate(NewRecord(in, now)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	if err := validate(NewRecord(input(1), now)); err != nil {
		t.Fatal(err)
	}
}

// A category added to the catalogue needs a column here first.
func TestEveryCategoryIsStored(t *testing.T) {
	for _, c := range trackers.Categories {
		if !slices.Contains(storedCategories, c) {
			t.Errorf("trackers category %q has no column in the consent log", c)
		}
	}
}

func TestFromDecision(t *testing.T) {
	d := consent.Decision{ID: consent.NewID(), Granted: []trackers.Category{trackers.Media}, Version: "v9"}
	in := FromDecision(d)
	if in.ConsentID != d.ID || in.PolicyVersion != "v9" || !slices.Equal(in.Granted, d.Granted) {
		t.Fatalf("%+v", in)
	}
}
