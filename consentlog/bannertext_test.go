package consentlog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const textEN = `{"title":"Cookies on Llanwern County Council","acceptAll":"Accept additional cookies"}`

func bannerRows(t *testing.T, s *store) string {
	t.Helper()
	return rawStrings(t, s, "SELECT CAST(COUNT(*) AS TEXT) FROM banner_texts")[0]
}

func TestBannerTextKeptOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		before := time.Now().Add(-time.Millisecond)
		h, err := s.KeepBannerText(ctx, "en", textEN)
		if err != nil {
			t.Fatal(err)
		}
		// The hash is the one records carry, so a record finds its text.
		if h != HashBannerText(textEN) || !IsBannerHash(h) {
			t.Fatalf("hash %s, HashBannerText gives %s", h, HashBannerText(textEN))
		}
		first, ok, err := s.BannerText(ctx, h)
		if err != nil || !ok {
			t.Fatalf("BannerText: %+v %v %v", first, ok, err)
		}
		if first.Hash != h || first.Locale != "en" || first.Text != textEN || first.First.Before(before) || first.First.After(time.Now()) {
			t.Fatalf("kept %+v", first)
		}
		// Kept again (a restart, another node, even another locale of the
		// same text): one row, and it keeps its first time and locale.
		if h2, err := s.KeepBannerText(ctx, "cy", textEN); err != nil || h2 != h {
			t.Fatalf("keep again: %s %v", h2, err)
		}
		again, _, err := s.BannerText(ctx, h)
		if err != nil || !again.First.Equal(first.First) || again.Locale != "en" {
			t.Fatalf("after keeping again %+v %v, first %+v", again, err, first)
		}
		if n := bannerRows(t, s); n != "1" {
			t.Fatalf("%s rows after keeping one text twice", n)
		}
		// Another version is kept beside it.
		cy := `{"title":"Cwcis ar Gyngor Sir Llanwern"}`
		hcy, err := s.KeepBannerText(ctx, "cy", cy)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.BannerText(ctx, hcy); err != nil || !ok || got.Text != cy || got.Locale != "cy" {
			t.Fatalf("second version %+v %v %v", got, ok, err)
		}
		if got, ok, err := s.BannerText(ctx, HashBannerText("never kept")); err != nil || ok {
			t.Fatalf("unknown hash: %+v %v %v", got, ok, err)
		}
	})
}

func TestBannerTextRefusals(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		for name, c := range map[string]struct{ locale, text string }{
			"empty":          {"en", ""},
			"too long":       {"en", strings.Repeat("x", maxBannerText+1)},
			"invalid UTF-8":  {"en", "{\"title\":\"\xff\"}"},
			"NUL":            {"en", "a\x00b"},
			"locale invalid": {"\xff", textEN},
			"locale long":    {strings.Repeat("e", maxText+1), textEN},
		} {
			if h, err := s.KeepBannerText(ctx, c.locale, c.text); err == nil {
				t.Errorf("%s: kept as %s", name, h)
			}
		}
		if n := bannerRows(t, s); n != "0" {
			t.Fatalf("%s rows kept from refused texts", n)
		}
		// The largest allowed text is kept whole.
		big := strings.Repeat("é", maxBannerText/2)
		h, err := s.KeepBannerText(ctx, "en", big)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.BannerText(ctx, h); err != nil || got.Text != big {
			t.Fatalf("largest text: %d bytes back, %v", len(got.Text), err)
		}
	})
}

func TestBannerTextUnavailableUntilOpen(t *testing.T) {
	ls := &liveStore{}
	ctx := ctxT(t)
	_, e1 := ls.KeepBannerText(ctx, "en", textEN)
	_, _, e2 := ls.BannerText(ctx, HashBannerText(textEN))
	for m, err := range map[string]error{"KeepBannerText": e1, "BannerText": e2} {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s before open: %v, want ErrUnavailable", m, err)
		}
	}
	ls.set(openT(t, freshDSN(t, "sqlite")))
	h, err := ls.KeepBannerText(ctx, "en", textEN)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := ls.BannerText(ctx, h); err != nil || !ok || got.Text != textEN {
		t.Fatalf("after open: %+v %v %v", got, ok, err)
	}
}

// A store of schema version 3 gains the banner texts on open and keeps
// its chain.
func TestMigrationAddsBannerTexts(t *testing.T) {
	for _, name := range backendNames {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			dsn := freshDSN(t, name)
			old := openAt(t, ctx, dsn, 3)
			in := input(1)
			in.BannerHash = HashBannerText(textEN)
			if err := old.Append(ctx, NewRecord(in, time.Now())); err != nil {
				t.Fatal(err)
			}
			old.Close()

			s := openT(t, dsn)
			if v := rawStrings(t, s, "SELECT CAST(version AS TEXT) FROM schema_version"); !slices.Equal(v, []string{fmt.Sprint(SchemaVersion)}) {
				t.Fatalf("schema_version %v", v)
			}
			if rep := mustVerify(t, s); rep.Records != 1 {
				t.Fatalf("after migration %+v", rep)
			}
			if _, err := s.KeepBannerText(ctx, "en", textEN); err != nil {
				t.Fatal(err)
			}
			recs, err := s.History(ctx, in.ConsentID)
			if err != nil || len(recs) != 1 {
				t.Fatalf("history %+v %v", recs, err)
			}
			if got, ok, err := s.BannerText(ctx, recs[0].BannerHash); err != nil || !ok || got.Text != textEN {
				t.Fatalf("the record's text: %+v %v %v", got, ok, err)
			}
		})
	}
}

func TestBannerTextStrings(t *testing.T) {
	text := `{"title":"Cookies","categories":{"analytics":{"name":"Analytics","desc":"Counts visits"}},"n":2,"on":true,"none":null,"list":["a",{"b":"c"}],"intro":"<script>x</script>"}`
	got, ok := BannerText{Text: text}.Strings()
	want := []BannerString{
		{"title", "Cookies"}, {"categories.analytics.name", "Analytics"}, {"categories.analytics.desc", "Counts visits"},
		{"n", "2"}, {"on", "true"}, {"none", ""}, {"list.0", "a"}, {"list.1.b", "c"}, {"intro", "<script>x</script>"},
	}
	if !ok || !slices.Equal(got, want) {
		t.Fatalf("Strings\n got %v %v\nwant %v", got, ok, want)
	}
	for _, text := range []string{
		"plain words", `["a"]`, `"a"`, `{}`, `{"a":"b"}{"c":"d"}`, `{"a":`, `{"a":"b"`,
		strings.Repeat(`{"a":`, 17) + `"x"` + strings.Repeat("}", 17),
	} {
		if got, ok := (BannerText{Text: text}).Strings(); ok {
			t.Errorf("%.40q: listed as %v", text, got)
		}
	}
	if _, ok := (BannerText{Text: strings.Repeat(`{"a":`, 16) + `"x"` + strings.Repeat("}", 16)}).Strings(); !ok {
		t.Error("16 levels of nesting not listed")
	}
}

func TestIsBannerHash(t *testing.T) {
	h := HashBannerText("x")
	for v, want := range map[string]bool{h: true, strings.ToUpper(h): false, h[:63]: false, h + "0": false, h[:63] + "g": false, "": false} {
		if IsBannerHash(v) != want {
			t.Errorf("IsBannerHash(%q) = %v", v, !want)
		}
	}
}
