package console_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/consentlog/console"
)

// bannerJSON is a banner text as the Caddy module keeps it: the JSON of
// banner.Text, with a value a hostile override could have put there.
const bannerJSON = `{"title":"Cookies on Llanwern County Council","intro":"<script>alert(1)</script> We use some essential cookies.","acceptAll":"Accept additional cookies","categories":{"analytics":{"name":"Analytics","desc":"Count visits\nand pages."}}}`

// keepText keeps bannerJSON and adds a record of ceri's that names it.
func (f *fixture) keepText() consentlog.BannerText {
	f.t.Helper()
	ctx := context.Background()
	hash, err := f.store.KeepBannerText(ctx, "en", bannerJSON)
	if err != nil {
		f.t.Fatal(err)
	}
	rec := consentlog.NewRecord(consentlog.Input{
		ConsentID: ceri, Event: consentlog.EventUpdate, Method: consentlog.MethodAcceptAll, PolicyVersion: "v2",
		BannerHash: hash, Locale: "en", URL: "/", RemoteIP: "192.0.2.55", UserAgent: "Mozilla/5.0 Firefox/128.0",
	}, day(4, 9))
	if err := f.store.Append(ctx, rec); err != nil {
		f.t.Fatal(err)
	}
	t, _, err := f.store.BannerText(ctx, hash)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

var textLinkRE = regexp.MustCompile(`<a href="([^"]*/banner-text\?[^"]*)">Text shown</a>`)

// textLinks are the "Text shown" links of a page, unescaped.
func textLinks(body string) []string {
	var out []string
	for _, m := range textLinkRE.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func TestHistoryShowsTheBannerText(t *testing.T) {
	f := newFixture(t)
	kept := f.keepText()
	body := wantStatus(t, f.get(prefix+"/history?id="+ceri), http.StatusOK)
	links := textLinks(body)
	old := prefix + "/banner-text?hash=" + consentlog.HashBannerText("banner")
	if want := []string{old, old, prefix + "/banner-text?hash=" + kept.Hash}; strings.Join(links, " ") != strings.Join(want, " ") {
		t.Fatalf("history links to\n%v\nwant\n%v", links, want)
	}
	wantContains(t, body, `<th scope="col">Banner text</th>`, "<code class=\"small\">"+kept.Hash[:8]+"</code>")

	page := wantStatus(t, f.get(links[2]), http.StatusOK)
	wantContains(t, page, kept.Hash, "<dd>en</dd>", "<dd>"+kept.First.UTC().Format("2006-01-02T15:04:05Z")+" (UTC)</dd>",
		"<dt>title</dt><dd>Cookies on Llanwern County Council</dd>",
		"<dt>acceptAll</dt><dd>Accept additional cookies</dd>",
		"<dt>categories.analytics.name</dt><dd>Analytics</dd>",
		"<dt>categories.analytics.desc</dt><dd>Count visits\nand pages.</dd>",
		"<dd>&lt;script&gt;alert(1)&lt;/script&gt; We use some essential cookies.</dd>")
	if strings.Contains(page, "<script") {
		t.Error("a kept text reached the page as markup")
	}

	m := regexp.MustCompile(`<a href="([^"]*)">Download as JSON</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Download as JSON link")
	}
	w := f.get(html.UnescapeString(m[1]))
	if got := wantStatus(t, w, http.StatusOK); got != bannerJSON {
		t.Errorf("JSON download\n got %q\nwant %q", got, bannerJSON)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("JSON download: Content-Type %q", ct)
	}
	wantAudit(t, f, "dpo history about="+ceri, "dpo banner_text hash="+kept.Hash, "dpo banner_text format=json&hash="+kept.Hash)
}

// A record from before texts were kept names a text the store never had.
func TestBannerTextNotKept(t *testing.T) {
	f := newFixture(t)
	hash := consentlog.HashBannerText("banner")
	for _, target := range []string{"/banner-text?hash=" + hash, "/banner-text?hash=" + hash + "&format=json"} {
		w := f.get(prefix + target)
		body := wantStatus(t, w, http.StatusNotFound)
		wantContains(t, body, "No banner text kept for this hash", "No banner text is kept under hash “"+hash+"”", "records from before it")
		if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
	}
	wantAudit(t, f, "dpo banner_text hash="+hash, "dpo banner_text format=json&hash="+hash)
}

// A text that is not an object of strings is shown as it is, escaped.
func TestBannerTextShownAsItIs(t *testing.T) {
	f := newFixture(t)
	const plain = "Cookies: <b>we</b> use them."
	hash, err := f.store.KeepBannerText(context.Background(), "cy", plain)
	if err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, f.get(prefix+"/banner-text?hash="+strings.ToUpper(hash)), http.StatusOK)
	wantContains(t, body, `<pre class="text">Cookies: &lt;b&gt;we&lt;/b&gt; use them.</pre>`, "<dd>cy</dd>")
}

func TestBannerTextBadInput(t *testing.T) {
	f := newFixture(t)
	hash := consentlog.HashBannerText("banner")
	for target, msg := range map[string]string{
		"/banner-text":                                  "Give the hash of the banner text",
		"/banner-text?hash=" + hash[:63]:                "is not a banner text hash",
		"/banner-text?hash=" + hash[:63] + "g":          "is not a banner text hash",
		"/banner-text?hash=%3Cscript%3E":                "“&lt;script&gt;” is not a banner text hash",
		"/banner-text?hash=" + hash + "&format=csv":     "is not a format for the banner text",
		"/banner-text?hash=" + strings.Repeat("a", 101): "is too long",
	} {
		body := wantStatus(t, f.get(prefix+target), http.StatusBadRequest)
		wantContains(t, body, msg)
	}
	w := f.do(http.MethodPost, prefix+"/banner-text?hash="+hash, nil)
	wantStatus(t, w, http.StatusMethodNotAllowed)
	if a := w.Header().Get("Allow"); a != "GET, HEAD" {
		t.Errorf("Allow %q", a)
	}
	wantAudit(t, f)
}

func TestBannerTextStoreFailures(t *testing.T) {
	f := newFixture(t)
	hash := f.keepText().Hash
	st := &failingAudit{Store: f.store}
	f.h = newConsole(st)
	wantStatus(t, f.get(prefix+"/banner-text?hash="+hash), http.StatusServiceUnavailable)
	f.store.Close()
	f.h = newConsole(f.store)
	body := wantStatus(t, f.get(prefix+"/banner-text?hash="+hash+"&format=json"), http.StatusServiceUnavailable)
	wantContains(t, body, "The consent records are not available")
}

func newConsole(st consentlog.Store) http.Handler {
	return console.New(st, console.Options{Prefix: prefix, User: func(*http.Request) string { return "dpo" }})
}
