package consentlog

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenRecords are fixed records: fixed IDs and times, every column set.
func goldenRecords() []Record {
	t0 := time.Date(2026, 2, 3, 9, 15, 30, 123456000, time.UTC)
	a := NewRecord(input(1), t0)
	a.ID = "01KGH7N0YVAAAAAAAAAAAAAAAA"
	b := input(2)
	b.Event, b.Method, b.GPC, b.Locale, b.Granted = EventUpdate, MethodSaveSettings, true, "cy", []trackers.Category{trackers.Media}
	b.ConsentMode = ConsentMode{AdUserData: true}
	b.URL, b.RemoteIP = `/news/"quoted",comma`, "2001:db8:5:6::1"
	br := NewRecord(b, t0.Add(time.Second))
	br.ID = "01KGH7N1YVBBBBBBBBBBBBBBBB"
	c := NewRecord(input(3), t0.Add(2*time.Second))
	c.ID = "01KGH7N2YVCCCCCCCCCCCCCCCC"
	return []Record{a, br, c}
}

// hashes are random (per-record salt), so golden files mask them.
var hexHash = regexp.MustCompile(`[0-9a-f]{64}`)

func TestExportGolden(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, _ string) {
		ctx := ctxT(t)
		if err := s.Append(ctx, goldenRecords()...); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Erase(ctx, cid(3)); err != nil {
			t.Fatal(err)
		}
		for _, f := range []Format{CSV, JSON} {
			var buf bytes.Buffer
			if err := s.Export(ctx, &buf, f, Query{}); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if f == JSON {
				var rows []map[string]any
				if err := json.Unmarshal(got, &rows); err != nil || len(rows) != 4 {
					t.Fatalf("JSON export does not parse as 4 rows: %v", err)
				}
			}
			// The erasure record's ID and time are not fixed; mask its row.
			got = hexHash.ReplaceAll(got, []byte("<sha256>"))
			lines := strings.Split(string(got), "\n")
			for i, l := range lines {
				if strings.Contains(l, "erasure") {
					lines[i] = "<erasure record: time and id vary>"
				}
			}
			got = []byte(strings.Join(lines, "\n"))
			path := filepath.Join("testdata", "export."+string(f))
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s export differs from %s:\n%s", f, path, got)
			}
		}
		// An empty selection is still a valid document.
		var buf bytes.Buffer
		if err := s.Export(ctx, &buf, JSON, Query{ConsentID: cid(77)}); err != nil || buf.String() != "[\n]\n" {
			t.Fatalf("empty JSON export %q %v", buf.String(), err)
		}
		if err := s.Export(ctx, &buf, "xml", Query{}); err == nil {
			t.Fatal("unknown format accepted")
		}
	})
}

// The JSON keys and the CSV header are one list, in one order.
func TestExportColumnsMatchJSON(t *testing.T) {
	typ := reflect.TypeFor[exportRow]()
	var tags []string
	for i := range typ.NumField() {
		tags = append(tags, typ.Field(i).Tag.Get("json"))
	}
	if !slices.Equal(tags, Columns) {
		t.Fatalf("JSON keys %v\nColumns   %v", tags, Columns)
	}
	if n := len(toRow(goldenRecords()[0]).csv()); n != len(Columns) {
		t.Fatalf("CSV row has %d fields, header %d", n, len(Columns))
	}
}

// An export alone is enough to recompute every record's chain hash,
// objections to statistics included, which export with their event and
// method as stored.
func TestExportedHashesRecompute(t *testing.T) {
	s := openT(t, freshDSN(t, "sqlite"))
	ctx := ctxT(t)
	t0 := time.Date(2026, 2, 4, 9, 0, 0, 0, time.UTC)
	gpcObj, obj, objWd := input(4), input(5), input(5)
	gpcObj.Event, gpcObj.Method, gpcObj.GPC, gpcObj.Granted = EventObjection, MethodGPC, true, nil
	obj.Event, obj.Method = EventObjection, MethodObject
	objWd.Event, objWd.Method = EventObjectionWithdrawn, MethodSaveSettings
	recs := append(goldenRecords(), NewRecord(gpcObj, t0), NewRecord(obj, t0.Add(time.Second)), NewRecord(objWd, t0.Add(2*time.Second)))
	if err := s.Append(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, JSON, Query{}); err != nil {
		t.Fatal(err)
	}
	var rows []exportRow
	if err := json.Unmarshal(buf.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	prev := GenesisHash
	for _, e := range rows {
		ts, _ := time.Parse(tsLayout, e.Time)
		r := Record{Seq: e.Seq, ID: e.ID, PrevHash: e.PrevHash, Time: ts, Event: e.Event, Method: e.Method,
			ConsentMode: ConsentMode{e.AnalyticsStorage, e.AdStorage, e.AdUserData, e.AdPersonalization},
			GPC:         e.GPC, PolicyVersion: e.PolicyVersion, BannerHash: e.BannerHash, Locale: e.Locale,
			PersonalDigest: e.PersonalDigest}
		for i, on := range []bool{e.Analytics, e.Media, e.Social, e.Marketing} {
			if on {
				r.Granted = append(r.Granted, storedCategories[i])
			}
		}
		if e.ErasedIDs != "" {
			r.ErasedIDs = strings.Split(e.ErasedIDs, ",")
		}
		if e.PrevHash != prev || recordHash(r) != e.Hash {
			t.Fatalf("record %d does not recompute from the export", e.Seq)
		}
		prev = e.Hash
	}
	var got []string
	for _, e := range rows[3:] {
		got = append(got, fmt.Sprint(e.Event, "/", e.Method, "/", e.GPC))
	}
	if want := []string{"objection/gpc/true", "objection/object/false", "objection_withdrawn/save_settings/false"}; !slices.Equal(got, want) {
		t.Fatalf("objections exported as %v, want %v", got, want)
	}
}
