package consentlog

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// GenesisHash is the previous hash of the first record ever written.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// tsLayout is how times are stored: UTC, fixed width, so that text order is
// time order in both SQLite and PostgreSQL and a DPO can read it in sqlite3.
const tsLayout = "2006-01-02T15:04:05.000000Z"

func formatTS(t time.Time) string { return t.UTC().Format(tsLayout) }

// HashBannerText returns the hex SHA-256 of the banner text shown, the value
// callers put in Input.BannerHash.
func HashBannerText(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// canon is the canonical serialisation: each field as "<byte length>:<bytes>,"
// (a netstring without the trailing newline), in a fixed order. Length
// prefixes make it unambiguous whatever the fields contain.
type canon struct{ b []byte }

func (c *canon) add(fields ...string) {
	for _, f := range fields {
		c.b = strconv.AppendInt(c.b, int64(len(f)), 10)
		c.b = append(c.b, ':')
		c.b = append(c.b, f...)
		c.b = append(c.b, ',')
	}
}

func (c *canon) sum() string {
	h := sha256.Sum256(c.b)
	return hex.EncodeToString(h[:])
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// personalDigest covers the fields an erasure blanks. The random per-record
// salt is erased with them, so the digest left behind cannot be matched
// against a guessed consent ID, IP or path afterwards.
func personalDigest(salt string, r Record) string {
	var c canon
	c.add("consentlog/personal/v1", salt, r.ConsentID, r.IP, r.Path, r.Browser)
	return c.sum()
}

// recordHash is the chain hash of r, over every field that an erasure keeps
// plus the personal digest, in this order:
//
//	"consentlog/v1", seq, id, prev_hash, time (tsLayout), event, method,
//	analytics, media, social, marketing (each "1" or "0"),
//	analytics_storage, ad_storage, ad_user_data, ad_personalization,
//	gpc, policy_version, banner_hash, locale,
//	erased_ids (comma-separated), personal_digest
//
// hex(SHA-256(canonical serialisation)). Anyone with an export can
// recompute it without the salt.
func recordHash(r Record) string {
	var c canon
	c.add("consentlog/v1", strconv.FormatInt(r.Seq, 10), r.ID, r.PrevHash, formatTS(r.Time),
		string(r.Event), string(r.Method))
	for _, cat := range storedCategories {
		c.add(bit(r.Allows(cat)))
	}
	m := r.ConsentMode
	c.add(bit(m.AnalyticsStorage), bit(m.AdStorage), bit(m.AdUserData), bit(m.AdPersonalization),
		bit(r.GPC), r.PolicyVersion, r.BannerHash, r.Locale, strings.Join(r.ErasedIDs, ","), r.PersonalDigest)
	return c.sum()
}
