package caddymodule_test

// The cookie table under the statistics exception: the vendor's cookies in
// a group of their own, and the objection made and withdrawn from the page
// without script.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// ctStatsGroup is the table's statistics section, "" when it has none.
func ctStatsGroup(page string) string {
	_, rest, ok := strings.Cut(page, `<section class="cg-ct-group" aria-labelledby="cg-statistics">`)
	if !ok {
		return ""
	}
	group, _, _ := strings.Cut(rest, "</section>")
	return group
}

func TestStatisticsCookieTableObjection(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, "statistics_exception google-analytics {\n\tassessed_by \"A DPO\"\n\tassessed_on 2026-03-01\n}"))
	c := itClient(t)
	itSeen(t, c, base, "/index.html") // the table lists the vendors the site was seen to use

	_, body := itGet(t, c, base+"/_consent/cookies", nil)
	s := string(body)
	group := ctStatsGroup(s)
	if !strings.Contains(group, "<td data-label=\"Name\"><code>_ga</code>") {
		t.Fatalf("no _ga row in the statistics group:\n%s", s)
	}
	const mark = `<span class="cg-note">Used without consent for statistics; you can object</span>`
	if _, row, _ := strings.Cut(group, "<code>_ga</code>"); !strings.Contains(strings.SplitN(row, "</tr>", 2)[0], mark) {
		t.Errorf("the _ga row lacks the mark %s", mark)
	}
	if strings.Index(s, `aria-labelledby="cg-statistics"`) < strings.Index(s, `aria-labelledby="cg-necessary"`) {
		t.Error("the statistics group comes before the strictly necessary")
	}
	objectForm := `<form class="cg-ct-statistics" method="post" action="/_consent/choice"><input type="hidden" name="return_to" value="/_consent/cookies" /><button type="submit" class="cg-btn" name="action" value="object">Object to statistics</button></form>`
	if !strings.Contains(s, objectForm) {
		t.Errorf("the page lacks the objection form %s", objectForm)
	}

	resp, _ := itPostChoice(t, c, base, url.Values{"action": {"object"}, "return_to": {"/_consent/cookies"}}, map[string]string{"Origin": base})
	if resp.StatusCode != http.StatusSeeOther || strings.TrimSuffix(resp.Header.Get("Location"), "#cg-saved") != "/_consent/cookies" {
		t.Fatalf("objecting: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := itCookieNamed(resp, "consentgate")
	if ck == nil || ck.Value == "" {
		t.Fatalf("objecting set no consent cookie: %q", resp.Header.Values("Set-Cookie"))
	}
	_, body = itGet(t, c, base+"/_consent/cookies", map[string]string{"Cookie": "consentgate=" + ck.Value})
	s = string(body)
	for _, want := range []string{
		"You have objected to statistics, so they do not run for you.",
		`<button type="submit" class="cg-btn" name="action" value="allow_statistics">Allow statistics again</button>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("after the objection the page lacks %s", want)
		}
	}
	if strings.Contains(s, `value="object"`) {
		t.Error("after the objection the page still offers to object")
	}
	if !strings.Contains(ctStatsGroup(s), "<code>_ga</code>") {
		t.Error("after the objection _ga is no longer listed: the table lists what the site may set")
	}

	// The page's form allows them again.
	resp, _ = itPostChoice(t, c, base, url.Values{"action": {"allow_statistics"}, "return_to": {"/_consent/cookies"}},
		map[string]string{"Origin": base, "Cookie": "consentgate=" + ck.Value})
	if ck = itCookieNamed(resp, "consentgate"); resp.StatusCode != http.StatusSeeOther || ck == nil {
		t.Fatalf("allowing again: status %d, Set-Cookie %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	_, body = itGet(t, c, base+"/_consent/cookies", map[string]string{"Cookie": "consentgate=" + ck.Value})
	if s = string(body); !strings.Contains(s, objectForm) || strings.Contains(s, "You have objected") {
		t.Error("after allowing statistics again the page does not offer the objection")
	}
	// Allowing them again is no consent choice: the banner still asks.
	_, body = itGet(t, c, base+"/index.html", map[string]string{"Accept": "text/html", "Cookie": "consentgate=" + ck.Value})
	if !strings.Contains(string(body), `id="cg-banner"`) {
		t.Error("withdrawing an objection made a consent choice: the banner no longer asks")
	}
}
