package rewrite

import (
	"strings"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

// Under the statistics exception Google Analytics is its own category:
// live while statistics are allowed, whatever else is not; held as
// "statistics" after an objection, released by that name. Hotjar and Tag
// Manager stay analytics, waiting for consent in both states.
func TestStatisticsCategory(t *testing.T) {
	vendors, rules, err := trackers.UnderStatisticsException(trackers.Builtin, nil, []string{"google-analytics"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := trackers.New(vendors, rules)
	if err != nil {
		t.Fatal(err)
	}
	page := `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;a=s.createElement(o);a.src=g;s.head.appendChild(a)})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');</script>` +
		`<img src="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1" alt="">` +
		`<script src="https://static.hotjar.com/c/hotjar-1.js"></script>` +
		`<script src="https://www.googletagmanager.com/gtm.js?id=GTM-1"></script>`
	for _, chunk := range []int{0, 7} {
		live := string(run(t, []byte(page), chunk, Options{Catalogue: cat, Allowed: allow(trackers.Statistics)}))
		for _, want := range []string{`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`, `<img src="https://www.google-analytics.com/collect`, `i['GoogleAnalyticsObject']=r;`} {
			if !strings.Contains(live, want) {
				t.Errorf("chunk %d, statistics allowed: %s is not live in %s", chunk, want, live)
			}
		}
		if strings.Count(live, `data-consent="analytics"`) != 2 || strings.Contains(live, `data-consent="statistics"`) {
			t.Errorf("chunk %d, statistics allowed: want Hotjar and Tag Manager held as analytics, nothing as statistics: %s", chunk, live)
		}

		objected := string(run(t, []byte(page), chunk, Options{Catalogue: cat, Allowed: allow()}))
		if n := strings.Count(objected, `data-consent="statistics"`); n != 3 {
			t.Errorf("chunk %d, objected: %d elements held as statistics, want 3 (gtag.js, the analytics.js loader, the pixel): %s", chunk, n, objected)
		}
		if strings.Contains(objected, `<img src="https://www.google-analytics.com`) || strings.Contains(objected, `<script async src="https://www.googletagmanager.com/gtag`) {
			t.Errorf("chunk %d, objected: Google Analytics is live: %s", chunk, objected)
		}
	}
}
