package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgate/consentgate/consentlog"
)

const consolePath = "/_consent/admin/"

// TestDPOConsole: a visitor decides through the real banner; the DPO logs
// in to the console, finds the visitor by the consent ID their settings
// show, reads the history, downloads the CSV export, sees the statistics
// chart drawn, verifies the chain and erases the consent ID — every step
// audit-logged under the DPO's name.
func TestDPOConsole(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "consent-log.db")
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, "log "+quoteCaddy(dbPath)+"\nlog_spool "+quoteCaddy(filepath.Join(dir, "spool"))+"\nadmin dpo "+string(hash), "")

	// The visitor accepts, reads their consent ID in the settings, then
	// withdraws from the same panel.
	e.load("/")
	e.click(acceptButton)
	e.waitConsentCookie()
	e.waitBannerGone()
	e.click(`.cg-reopen`)
	e.waitSettings(true)
	id := evalJS[string](e, `(document.querySelector('#cg-settings .cg-id code') || {}).textContent || ''`)
	if id == "" {
		t.Fatal("the settings panel shows no consent ID after a choice")
	}
	e.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__marker = 1`))
	e.click(`#cg-settings button[value="reject_all"]`)
	e.waitReload(10 * time.Second)

	st, err := consentlog.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.waitFor("two records of the visitor", 10*time.Second, func() (bool, string) {
		h, err := st.History(context.Background(), id)
		return err == nil && len(h) == 2, "records: " + strings.Repeat("*", len(h))
	})

	// Without a session the console sends the browser to its sign-in form
	// and shows nothing; a Basic credential, even the right one, is no
	// way in: the password is checked once per sign-in, not per request.
	for _, cred := range []string{"", "dpo:wrong", "dpo:correct horse"} {
		js := `fetch('` + consolePath + `', {credentials: 'omit', headers: ` + strconv.Quote(cred) + ` ? {Authorization: 'Basic ' + btoa(` + strconv.Quote(cred) + `)} : {}})
			.then(async r => r.status + ' ' + new URL(r.url).pathname + ' ' + (await r.text()).includes('consent records'))`
		got, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil || got != "200 "+consolePath+"login false" {
			t.Errorf("the console with credential %q answered %q (%v), want the sign-in form", cred, got, err)
		}
	}

	// Sign in with the form; the session cookie carries every later request.
	e.load(consolePath)
	e.waitHeading("Sign in")
	e.do("type the credential", chromedp.SendKeys(chromedp.CSS(`#username`), "dpo"), chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse"))
	e.click(`main form button[type=submit]`)
	e.waitHeading("Search consent records")
	resp, err := chromedp.Run(e.ctx, chromedp.NavigateResponse(e.base+consolePath))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || !strings.HasPrefix(headerOf(resp, "Content-Security-Policy"), "default-src 'none'") || headerOf(resp, "X-Frame-Options") != "DENY" {
		t.Fatalf("console: status %d, headers %v", resp.Status, resp.Headers)
	}
	e.waitHeading("Search consent records")
	if got := evalJS[string](e, `document.querySelector('.user strong').textContent`); got != "dpo" {
		t.Errorf("the console says the user is %q", got)
	}

	// Search by the consent ID, as the visitor would read it out.
	e.do("type the consent ID", chromedp.SendKeys(chromedp.CSS(`#id`), strings.ToUpper(id)))
	e.click(`form.panel button[type=submit]`)
	e.waitText("h2", "Results")
	if n := evalJS[int](e, `document.querySelectorAll('main table tbody tr').length`); n != 2 {
		t.Errorf("the search shows %d records, want 2", n)
	}

	// The consent ID links to its full history.
	e.click(`main table tbody a[href*="/history?id="]`)
	e.waitHeading("History of a consent ID")
	rows := evalJS[string](e, `[...document.querySelectorAll('main table tbody tr')].map(r => r.cells[3].textContent).join(',')`)
	if rows != "Accepted all,Rejected all" {
		t.Errorf("history methods %q, want Accepted all,Rejected all", rows)
	}

	// Download the CSV export of the history.
	downloads := filepath.Join(dir, "downloads")
	if _, err := chromedp.CallBrowser(e.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	e.click(`main a[href*="format=csv"]`)
	var csvFile string
	e.waitFor("the CSV download", 10*time.Second, func() (bool, string) {
		m, _ := filepath.Glob(filepath.Join(downloads, "consent-records-*.csv"))
		if len(m) == 1 {
			csvFile = m[0]
		}
		entries, _ := os.ReadDir(downloads)
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		return csvFile != "", strings.Join(names, " ")
	})
	got, err := os.ReadFile(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := st.Export(context.Background(), &want, consentlog.CSV, consentlog.Query{ConsentID: id}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) || bytes.Count(got, []byte("\n")) != 3 || !bytes.HasPrefix(got, []byte(strings.Join(consentlog.Columns, ",")+"\n")) {
		t.Errorf("downloaded CSV:\n%s\nwant:\n%s", got, want.Bytes())
	}

	// Statistics: the chart is drawn, with bars of real height.
	e.click(`nav a[href$="/stats"]`)
	e.waitHeading("Statistics")
	bars := evalJS[[]string](e, `[...document.querySelectorAll('svg rect.bar')].map(b => {
		const r = b.getBoundingClientRect();
		return (r.height > 0 && r.width > 0 ? 'drawn ' : 'invisible ') + b.querySelector('title').textContent.replace(/^\S+: /, '');
	})`)
	slices.Sort(bars)
	today := time.Now().UTC().Format(time.DateOnly)
	wantBars := []string{"drawn Accepted all 1", "drawn Accepted all 1", "drawn Withdrew 1", "drawn Withdrew 1"}
	if !slices.Equal(bars, wantBars) {
		t.Errorf("chart bars %q, want %q (per day and per language)", bars, wantBars)
	}
	if n := evalJS[int](e, `document.querySelectorAll('svg rect.bar title').length`); n != 4 {
		t.Errorf("%d bars have a title", n)
	}
	if !strings.Contains(evalJS[string](e, `document.querySelector('main table').innerText`), today) {
		t.Errorf("the data table beside the chart has no row for %s", today)
	}

	// Verify the chain, and see the head to note.
	e.click(`nav a[href$="/verify"]`)
	e.waitHeading("Check the records have not been altered")
	e.click(`main form button[type=submit]`)
	e.waitText(".success", "OK: no record has been altered.")
	rep, err := st.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if head := evalJS[string](e, `document.querySelector('.head code').textContent`); head != rep.Head {
		t.Errorf("the console shows head %q, the chain's is %q", head, rep.Head)
	}

	// Erase the consent ID, confirming on the second page.
	e.load(consolePath + "history?id=" + id)
	e.click(`main a.button.warning`)
	e.waitHeading("Erase a consent ID")
	e.click(`main form button.warning`)
	e.waitText(".success", "has been erased from 2 records.")
	if h, err := st.History(context.Background(), id); err != nil || len(h) != 0 {
		t.Errorf("after erasure the consent ID has %d records (%v)", len(h), err)
	}

	// The audit log page lists it all, newest first, under the DPO's name.
	e.click(`nav a[href$="/audit"]`)
	e.waitHeading("Audit log")
	actions := evalJS[[]string](e, `[...document.querySelectorAll('main table tbody tr')].map(r => r.cells[1].textContent + ' ' + r.cells[2].textContent)`)
	wantActions := []string{"dpo audit_log", "dpo erase", "dpo history", "dpo verify", "dpo stats", "dpo export", "dpo history", "dpo search", "dpo login"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("audit log page %q, want %q", actions, wantActions)
	}

	// At 390 px nothing scrolls sideways but the tables, each inside its own
	// container with a caption.
	e.viewport(390, 844, true, 1)
	for _, page := range []string{"", "?id=" + id, "history?id=" + id, "stats", "verify?run=1", "audit", "audit?id=" + id, "cookies"} {
		e.load(consolePath + page)
		e.waitText("h1", "")
		if over := evalJS[int](e, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
			t.Errorf("%s scrolls %d px sideways at 390 px", consolePath+page, over)
		}
		if bad := evalJS[[]string](e, `[...document.querySelectorAll('main table')].filter(t => !t.closest('.scroll') || !(t.caption && t.caption.textContent.trim())).map(t => t.outerHTML.slice(0, 80))`); len(bad) > 0 {
			t.Errorf("%s: tables outside a scroll container or without a caption: %q", consolePath+page, bad)
		}
	}
	e.viewport(1280, 800, false, 1)

	// Signing out ends the session: the console asks again.
	e.click(`button.signout`)
	e.waitText("main", "You have signed out.")
	e.load(consolePath)
	e.waitHeading("Sign in")

	e.mu.Lock()
	for _, m := range e.console {
		if strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Refused to") {
			t.Errorf("the browser refused something: %s (%s)", m.Text, m.URL)
		}
	}
	e.mu.Unlock()
	e.noExceptions()
}

func headerOf(r *network.Response, name string) string {
	v, _ := r.Headers[name].(string)
	return v
}

// waitHeading waits for a console page with the given h1 to have loaded.
func (e *env) waitHeading(h1 string) {
	e.t.Helper()
	e.waitText("h1", h1)
}

// waitText waits until the first element matching sel contains text and
// the document has loaded.
func (e *env) waitText(sel, text string) {
	e.t.Helper()
	js := `(() => { const el = document.querySelector(` + strconv.Quote(sel) + `); return document.readyState + ' ' + (el ? el.textContent : '') + ' | ' + (document.querySelector('main') || document.body).innerText.slice(0, 400); })()`
	e.waitFor(sel+" to say "+text, 10*time.Second, func() (bool, string) {
		s, err := tryJS[string](e, js)
		return err == nil && strings.HasPrefix(s, "complete ") && strings.Contains(s, text), s
	})
}
