package banner

import (
	"strings"
	"testing"
)

// withStatistics adds the settings row of statistics under the exception,
// on (not objected) or off.
func withStatistics(p Page, on bool) Page {
	ct := p.Text.Categories["statistics"]
	p.Categories = append(p.Categories, Category{ID: "statistics", Name: ct.Name, Desc: ct.Desc, Providers: []string{"Google Analytics"}, Checked: on})
	return p
}

// The first layer tells of statistics under the exception in one sentence
// beside an objection button of the same kind as Reject all; after an
// objection, or under GPC, it says so instead and the button goes.
func TestStatisticsInTheBanner(t *testing.T) {
	for _, locale := range Locales {
		base := testPage(t, locale, nil)
		tx := base.Text
		object := `<button type="submit" name="action" value="object" class="cg-btn">` + string(asciiOnly([]byte(tx.ObjectStatistics))) + `</button>`
		reject := `<button type="submit" name="action" value="reject_all" class="cg-btn">`
		for _, tc := range []struct {
			name       string
			p          Page
			say        string
			button     bool
			switchAttr string
		}{
			{"none", base, "", false, ""},
			{"running", withStatistics(base, true), tx.StatisticsNotice, true, `value="statistics" checked>`},
			{"objected", withStatistics(base, false), tx.StatisticsObjected, false, `value="statistics">`},
			{"GPC", func() Page { p := withStatistics(base, false); p.GPC = true; return p }(), tx.StatisticsGPC, false, `value="statistics" disabled>`},
		} {
			t.Run(locale+"/"+tc.name, func(t *testing.T) {
				body := string(Body(tc.p))
				stats := strings.Contains(body, `class="cg-stats"`)
				if tc.say == "" {
					if stats || strings.Contains(body, `value="statistics"`) || strings.Contains(body, `value="object"`) {
						t.Fatal("a site without the exception is told of statistics")
					}
					return
				}
				class := `<p class="cg-stats">`
				if tc.button {
					class = `<p class="cg-stats cg-long">`
					if short := `<p class="cg-stats cg-short">` + string(asciiOnly([]byte(escapeText(tx.StatisticsShort)))) + `</p>`; !strings.Contains(body, short) {
						t.Errorf("the first layer lacks its phone sentence %q", tx.StatisticsShort)
					}
				}
				if !strings.Contains(body, class+string(asciiOnly([]byte(escapeText(tc.say))))+`</p>`) {
					t.Errorf("the first layer does not say %q", tc.say)
				}
				if strings.Contains(body, object) != tc.button {
					t.Errorf("objection button shown %v, want %v", !tc.button, tc.button)
				}
				if tc.button && !strings.Contains(body, reject) {
					t.Error("no Reject all beside the objection")
				}
				if !strings.Contains(body, tc.switchAttr) {
					t.Errorf("the settings' statistics switch is not %s", tc.switchAttr)
				}
			})
		}
		if tx.StatisticsNotice == "" || tx.StatisticsShort == "" || tx.ObjectStatistics == "" || tx.StatisticsObjected == "" || tx.StatisticsGPC == "" || tx.Categories["statistics"].Name == "" {
			t.Errorf("%s: statistics wording missing", locale)
		}
	}
}

// Statistics are no consent: a visitor who rejected everything else has
// rejected, not saved some, and one who accepted everything else accepted.
func TestOutcomeLeavesStatisticsOut(t *testing.T) {
	p := withStatistics(testPage(t, "en", nil), true)
	p.Decided = true
	if got := p.Outcome(); got != p.Text.RejectedAll {
		t.Errorf("rejected all, statistics running: %q", got)
	}
	for i := range p.Categories {
		p.Categories[i].Checked = p.Categories[i].ID != "statistics"
	}
	if got := p.Outcome(); got != p.Text.AcceptedAll {
		t.Errorf("accepted all, statistics objected to: %q", got)
	}
}

// escapeText is html/template's escaping of text content, for apostrophes.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// Where statistics are all a site runs, a notice stands in for the banner:
// the sentence, the objection, Hide this message and the settings; no
// Accept or Reject all. Dismissed, it is gone; the settings control stays.
func TestStatisticsNotice(t *testing.T) {
	for _, locale := range Locales {
		p := withStatistics(testPage(t, locale, nil), true)
		p.NoticeOnly = true
		body := string(Body(p))
		_, notice, _ := strings.Cut(body, `<section id="cg-banner" class="cg-banner cg-notice"`)
		notice, _, _ = strings.Cut(notice, "</section>")
		for _, want := range []string{`value="object"`, `value="dismiss"`, `value="settings"`, `class="cg-stats cg-long"`, `class="cg-stats cg-short"`} {
			if !strings.Contains(notice, want) {
				t.Errorf("%s notice lacks %s", locale, want)
			}
		}
		for _, not := range []string{`value="accept_all"`, `value="reject_all"`, `class="cg-intro"`} {
			if strings.Contains(notice, not) {
				t.Errorf("%s notice has the banner's %s", locale, not)
			}
		}
		p.Noticed = true
		body = string(Body(p))
		if strings.Contains(body, `id="cg-banner"`) || !strings.Contains(body, `class="cg-reopen"`) {
			t.Errorf("%s: a dismissed notice is still shown, or the settings control went with it", locale)
		}
		// A site that later needs consent again asks, whatever was dismissed.
		p.NoticeOnly = false
		if !strings.Contains(string(Body(p)), `value="accept_all"`) {
			t.Errorf("%s: a dismissed notice hides the banner of a site that now asks for consent", locale)
		}
	}
}
