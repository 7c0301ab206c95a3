package consentlog

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditDetail(t *testing.T) {
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{nil, ""},
		{[]string{"to", "2025-02-01", "from", "2025-01-01", "after", ""}, "from=2025-01-01&to=2025-02-01"},
		{[]string{"format", "csv", "odd"}, "format=csv"},
		{[]string{"q", "a b&c"}, "q=a+b%26c"},
	} {
		if got := AuditDetail(tc.kv...); got != tc.want {
			t.Errorf("AuditDetail(%q) = %q, want %q", tc.kv, got, tc.want)
		}
	}
}

// The audit log never holds a consent ID in plain text: only its keyed
// hash, which AuditOf finds again from the ID, from any node of the store.
func TestAuditKeepsOnlyKeyedHash(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store, dsn string) {
		ctx := ctxT(t)
		for _, e := range []AuditEntry{
			{Actor: "dpo", Action: "history", ConsentID: cid(1)},
			{Actor: "dpo", Action: "erase", ConsentID: cid(1)},
			{Actor: "dpo", Action: "history", ConsentID: cid(2)},
			{Actor: "dpo", Action: "stats", Detail: AuditDetail("from", "2025-01-01")},
		} {
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		dump := strings.Join(rawStrings(t, s, "SELECT id || ts || actor || action || detail || consent_id_hash FROM audit_log"), "\n")
		if strings.Contains(dump, cid(1)) || strings.Contains(dump, cid(2)) {
			t.Fatalf("a consent ID in plain text:\n%s", dump)
		}
		other := openT(t, dsn) // another node sharing the store
		got, err := other.AuditOf(ctx, cid(1))
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range got {
			actions = append(actions, e.Action)
			if e.ConsentIDHash == "" || e.ConsentID != "" {
				t.Fatalf("%+v", e)
			}
		}
		if !slices.Equal(actions, []string{"history", "erase"}) {
			t.Fatalf("AuditOf(cid 1) = %v", actions)
		}
		if got, _ := other.AuditOf(ctx, cid(3)); len(got) != 0 {
			t.Fatalf("AuditOf(unknown) = %+v", got)
		}
	})
}

// A store made before the audit key moves the consent IDs its entries held
// in plain text, in the console's and the CLI's old forms, to the hash.
func TestMigrationHashesOldAuditIDs(t *testing.T) {
	for _, name := range backendNames {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			dsn := freshDSN(t, name)
			b, _, err := openBackend(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			old := &store{b: b}
			if err := old.migrate(ctx, migrations[:1]); err != nil {
				t.Fatal(err)
			}
			ts := formatTS(time.Now())
			for i, d := range []string{"id=" + cid(1), "format=csv&from=2025-01-01&id=" + cid(1), "from=2025-01-01&to=2025-01-31", ""} {
				if _, err := b.exec(ctx, "INSERT INTO audit_log (id, ts, actor, action, detail) VALUES (?, ?, 'dpo', 'old', ?)", "old-"+string(rune('a'+i)), ts, d); err != nil {
					t.Fatal(err)
				}
			}
			b.close()

			s := openT(t, dsn)
			details := rawStrings(t, s, "SELECT detail FROM audit_log ORDER BY id")
			if !slices.Equal(details, []string{"", "format=csv&from=2025-01-01", "from=2025-01-01&to=2025-01-31", ""}) {
				t.Fatalf("details %q", details)
			}
			if got, _ := s.AuditOf(ctx, cid(1)); len(got) != 2 || got[1].Detail != "format=csv&from=2025-01-01" {
				t.Fatalf("AuditOf %+v", got)
			}
		})
	}
}
