package consentlog

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
)

// AuditDetail is the detail of an audit entry, in the one form the console
// and the CLI both write: the non-empty parameters as a sorted, escaped
// query string ("format=csv&from=2025-01-01").
func AuditDetail(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v.Encode()
}

// auditHash is the keyed hash the audit log keeps instead of a consent ID.
// Keyed, because consent IDs are short enough to hash them all: without
// the store's key nobody can tell which ID an entry was about, with it
// the console can answer "was this ID erased?".
func auditHash(key []byte, consentID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("consentgate audit consent id\x00" + consentID))
	return hex.EncodeToString(m.Sum(nil))
}

func readAuditKey(ctx context.Context, q querier) ([]byte, error) {
	var s string
	if err := q.queryRow(ctx, "SELECT secret FROM audit_key WHERE id = 1").Scan(&s); err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	key, err := hex.DecodeString(s)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("audit key: not 32 hex bytes")
	}
	return key, nil
}

// hashAuditedIDs creates the audit key (migration 2, under the migration
// lock, so one node creates it) and moves the consent IDs that earlier
// entries held in plain text in their detail ("id=...") to the hash column.
func hashAuditedIDs(ctx context.Context, q querier) error {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	if _, err := q.exec(ctx, "INSERT INTO audit_key (id, secret) VALUES (1, ?)", hex.EncodeToString(b[:])); err != nil {
		return err
	}
	rs, err := q.query(ctx, "SELECT id, detail FROM audit_log")
	if err != nil {
		return err
	}
	type fix struct{ id, detail, hash string }
	var fixes []fix
	for rs.Next() {
		var id, detail string
		if err := rs.Scan(&id, &detail); err != nil {
			rs.Close()
			return err
		}
		// Both writers' old forms parse: the console's escaped query
		// string and the CLI's unescaped key=value&... (consent IDs need
		// no escaping).
		v, err := url.ParseQuery(detail)
		if err != nil || v.Get("id") == "" {
			continue
		}
		h := auditHash(b[:], v.Get("id"))
		v.Del("id")
		fixes = append(fixes, fix{id, v.Encode(), h})
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	for _, f := range fixes {
		if _, err := q.exec(ctx, "UPDATE audit_log SET detail = ?, consent_id_hash = ? WHERE id = ?", f.detail, f.hash, f.id); err != nil {
			return err
		}
	}
	return nil
}
