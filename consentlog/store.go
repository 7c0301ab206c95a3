package consentlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentgate/consentgate/cookieseen"
)

// Store is the durable consent log. Both backends implement it with the
// same schema and the same semantics; Log puts a spool in front of Append.
type Store interface {
	// Append adds records to the end of the chain in one transaction,
	// computing each one's sequence number and hashes at insert time. It
	// normalises every record again (IP truncation, query stripping) and
	// stamps the current time on records without one. A record whose ID is
	// already stored is skipped, so replaying a spool twice is harmless.
	Append(ctx context.Context, recs ...Record) error
	// Search returns one page of records matching q, in chain order.
	Search(ctx context.Context, q Query) (Page, error)
	// History returns every record of one consent ID: the subject access view.
	History(ctx context.Context, consentID string) ([]Record, error)
	// Export streams every record matching q (Limit ignored) to w.
	Export(ctx context.Context, w io.Writer, f Format, q Query) error
	// Stats counts decisions, and objections to statistics, per UTC day
	// and locale, from the aggregates left by Purge plus the live records;
	// zero times are unbounded.
	Stats(ctx context.Context, from, to time.Time) ([]DayStats, error)
	// Verify walks the whole chain; see Report.
	Verify(ctx context.Context) (Report, error)
	// Erase blanks the personal fields of every record of consentID and
	// appends an erasure record naming the records erased.
	Erase(ctx context.Context, consentID string) (Record, error)
	// Purge deletes the records older than cutoff after folding them into
	// the daily aggregates.
	Purge(ctx context.Context, cutoff time.Time) (PurgeResult, error)
	// Audit records one DPO action; AuditLog lists them.
	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, from, to time.Time, limit int) ([]AuditEntry, error)
	// AuditOf lists, oldest first, the entries about consentID, found by
	// its keyed hash: what answers "was this ID erased, when, by whom".
	AuditOf(ctx context.Context, consentID string) ([]AuditEntry, error)

	// What the site was seen to use, kept beside the chain for its cookie
	// table; see cookieseen.

	// Observe merges sightings into the store, outside the chain: a new
	// (kind, name, source) is inserted; a known one gets Last = max(old,new), Hits added,
	// First = min, and MaxAge replaced when the new MaxAge >= 0. One transaction
	// per 1000 distinct keys; nothing is written if any sighting is invalid.
	Observe(ctx context.Context, seen []cookieseen.Sighting) error
	// Sightings lists every sighting, ordered by kind, name, source.
	Sightings(ctx context.Context) ([]cookieseen.Sighting, error)
	// Declare records d (Version, Cookies, Vendors; d.Since ignored) unless the most
	// recent declaration recorded has the same Version, and returns the Since of the
	// most recent declaration after that (now, or when that same version was first recorded).
	// So a config reverted to an older version counts as a change at the time of revert.
	Declare(ctx context.Context, d cookieseen.Declaration) (time.Time, error)
	// LatestDeclaration returns the most recent declaration; ok is false when none is recorded.
	LatestDeclaration(ctx context.Context) (d cookieseen.Declaration, ok bool, err error)
	// ImportKnown replaces the imported cookie database (e.g. the Open Cookie Database) with known, in one transaction.
	ImportKnown(ctx context.Context, known []cookieseen.Known) error
	// KnownCookies lists the imported cookie database, by name.
	KnownCookies(ctx context.Context) ([]cookieseen.Known, error)

	// KeepBannerText stores the banner text a hash names
	// (HashBannerText(text)), once: a hash already kept keeps its first
	// time. It returns that hash.
	KeepBannerText(ctx context.Context, locale, text string) (hash string, err error)
	// BannerText returns the text kept under hash, its locale and when it
	// was first kept; ok is false when none is.
	BannerText(ctx context.Context, hash string) (t BannerText, ok bool, err error)
	Close() error
}

// ErrUnavailable is wrapped by the errors of a store that cannot be
// reached: not opened yet, or its file removed or replaced while open.
var ErrUnavailable = errors.New("consent log store unavailable")

// Open opens (creating and migrating as needed) the store named by dsn:
// "postgres://..." or "postgresql://..." for PostgreSQL, anything else is
// the path of an SQLite file (an optional "sqlite:" prefix is removed).
func Open(ctx context.Context, dsn string) (Store, error) {
	s, err := openMigrated(ctx, dsn, migrations)
	if err != nil {
		return nil, err // not a nil *store in a non-nil Store
	}
	return s, nil
}

// openMigrated opens dsn and migrates it with ms (tests pass a prefix of
// migrations to open a store as an older version left it).
func openMigrated(ctx context.Context, dsn string, ms []migration) (*store, error) {
	b, name, err := openBackend(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &store{b: b}
	if err := s.migrate(ctx, ms); err != nil {
		b.close()
		return nil, fmt.Errorf("consentlog: migrate %s: %w", name, err)
	}
	if s.auditKey, err = readAuditKey(ctx, b); err != nil {
		b.close()
		return nil, fmt.Errorf("consentlog: open %s: %w", name, err)
	}
	return s, nil
}

// openBackend connects to the backend dsn names, and says which for
// errors: the SQLite file's path, or "postgres" (never the DSN, which may
// hold a password).
func openBackend(ctx context.Context, dsn string) (b backend, name string, err error) {
	if path, ok := sqlitePath(dsn); ok {
		b, err = openSQLite(path)
		return b, path, err
	}
	b, err = openPostgres(ctx, dsn)
	return b, "postgres", err
}

type store struct {
	b        backend
	auditKey []byte // keys the consent ID hashes of the audit log; see auditHash
}

func (s *store) Close() error {
	s.b.close()
	return nil
}

// migration takes the schema one version up: sql, then fix in the same
// transaction for what the SQL common to both backends cannot do.
type migration struct {
	sql string
	fix func(ctx context.Context, q querier) error
}

// migrations[i] takes the schema from version i to i+1. The DDL is the
// common subset of SQLite and PostgreSQL, so both hold the same tables.
// Booleans are INTEGER 0/1 and times are text in tsLayout, which keeps the
// file readable in the sqlite3 tool and the queries identical.
var migrations = []migration{{sql: `
CREATE TABLE records (
	seq BIGINT PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	ts TEXT NOT NULL,
	consent_id TEXT NOT NULL,
	event TEXT NOT NULL,
	method TEXT NOT NULL,
	analytics INTEGER NOT NULL,
	media INTEGER NOT NULL,
	social INTEGER NOT NULL,
	marketing INTEGER NOT NULL,
	analytics_storage INTEGER NOT NULL,
	ad_storage INTEGER NOT NULL,
	ad_user_data INTEGER NOT NULL,
	ad_personalization INTEGER NOT NULL,
	gpc INTEGER NOT NULL,
	policy_version TEXT NOT NULL,
	banner_hash TEXT NOT NULL,
	locale TEXT NOT NULL,
	path TEXT NOT NULL,
	ip TEXT NOT NULL,
	browser TEXT NOT NULL,
	erased_ids TEXT NOT NULL,
	erased INTEGER NOT NULL,
	salt TEXT NOT NULL,
	personal_digest TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX records_consent_id ON records (consent_id);
CREATE INDEX records_ts ON records (ts);
CREATE TABLE chain (
	id INTEGER PRIMARY KEY,
	head_seq BIGINT NOT NULL,
	head_hash TEXT NOT NULL,
	tail_seq BIGINT NOT NULL,
	tail_hash TEXT NOT NULL
);
INSERT INTO chain (id, head_seq, head_hash, tail_seq, tail_hash) VALUES (1, 0, '` + GenesisHash + `', 0, '` + GenesisHash + `');
CREATE TABLE daily_counts (
	day TEXT NOT NULL,
	locale TEXT NOT NULL,
	accept BIGINT NOT NULL,
	reject BIGINT NOT NULL,
	custom BIGINT NOT NULL,
	withdraw BIGINT NOT NULL,
	gpc BIGINT NOT NULL,
	PRIMARY KEY (day, locale)
);
CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,
	ts TEXT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL
);
`}, {
	// Version 2: the audit log names a consent ID only by its keyed hash,
	// so an erasure leaves nothing of the ID behind. The key is one row of
	// the store, so every node sharing it computes the same hashes.
	sql: `
CREATE TABLE audit_key (
	id INTEGER PRIMARY KEY,
	secret TEXT NOT NULL
);
ALTER TABLE audit_log ADD COLUMN consent_id_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_consent_id_hash ON audit_log (consent_id_hash);
`,
	fix: hashAuditedIDs,
}, {
	// Version 3: what the site was seen to use, the declarations its
	// cookie table was built from, and an imported cookie database to
	// suggest rows from; none of it is on the chain. cookies and vendors
	// are JSON ([]cookieseen.Declared, []string).
	sql: `
CREATE TABLE seen (
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	source TEXT NOT NULL,
	max_age BIGINT NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	hits BIGINT NOT NULL,
	PRIMARY KEY (kind, name, source)
);
CREATE TABLE declarations (
	seq BIGINT PRIMARY KEY,
	version TEXT NOT NULL,
	since TEXT NOT NULL,
	cookies TEXT NOT NULL,
	vendors TEXT NOT NULL
);
CREATE TABLE known_cookies (
	name TEXT NOT NULL,
	prefix INTEGER NOT NULL,
	provider TEXT NOT NULL,
	category TEXT NOT NULL,
	purpose TEXT NOT NULL,
	retention TEXT NOT NULL,
	PRIMARY KEY (name, prefix)
);
`,
}, {
	// Version 4: every version of the banner's text, by the hash records
	// carry in banner_hash; see KeepBannerText.
	sql: `
CREATE TABLE banner_texts (
	hash TEXT PRIMARY KEY,
	locale TEXT NOT NULL,
	text TEXT NOT NULL,
	first_kept TEXT NOT NULL
);
`,
}, {
	// Version 5: objections to statistics run under the exception, and
	// their withdrawals, folded apart from the decisions (see DayStats);
	// rows folded before it get 0.
	sql: `
ALTER TABLE daily_counts ADD COLUMN objection BIGINT NOT NULL DEFAULT 0;
ALTER TABLE daily_counts ADD COLUMN objection_withdrawn BIGINT NOT NULL DEFAULT 0;
`,
}}

// SchemaVersion is the schema version this package migrates to.
var SchemaVersion = len(migrations)

// migrate brings the schema up to date with ms (tests pass a prefix of
// migrations to make an old store). A schema already current is only read,
// so that opening a store takes no write lock: the CLI opens one while
// Caddy appends.
func (s *store) migrate(ctx context.Context, ms []migration) error {
	var v int64
	if err := s.b.queryRow(ctx, "SELECT version FROM schema_version").Scan(&v); err == nil && int(v) == len(ms) {
		return nil
	}
	return s.b.write(ctx, func(q querier) error {
		if l := s.b.lockMigrations(); l != "" {
			if _, err := q.exec(ctx, l); err != nil {
				return err
			}
		}
		if _, err := q.exec(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); err != nil {
			return err
		}
		var v int64
		err := q.queryRow(ctx, "SELECT version FROM schema_version").Scan(&v)
		if isNoRows(err) {
			if _, err := q.exec(ctx, "INSERT INTO schema_version (version) VALUES (0)"); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if int(v) > len(ms) {
			return fmt.Errorf("schema version %d is newer than this program's %d", v, len(ms))
		}
		for i := int(v); i < len(ms); i++ {
			for _, stmt := range strings.Split(ms[i].sql, ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := q.exec(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", i+1, err)
				}
			}
			if fix := ms[i].fix; fix != nil {
				if err := fix(ctx, q); err != nil {
					return fmt.Errorf("migration %d: %w", i+1, err)
				}
			}
			if _, err := q.exec(ctx, "UPDATE schema_version SET version = ?", i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

func isNoRows(err error) bool {
	return err != nil && (errors.Is(err, errNoRowsSQL) || errors.Is(err, errNoRowsPG))
}

const recordColumns = `seq, id, ts, consent_id, event, method, analytics, media, social, marketing,
	analytics_storage, ad_storage, ad_user_data, ad_personalization, gpc, policy_version, banner_hash,
	locale, path, ip, browser, erased_ids, erased, salt, personal_digest, prev_hash, hash`

var insertRecord = `INSERT INTO records (` + recordColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO NOTHING`

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func scanRecord(sc scanner) (Record, string, error) {
	var (
		r                   Record
		ts, erasedIDs, salt string
		cat                 [4]int64
		cm                  [4]int64
		gpc, erased         int64
		event, method       string
	)
	err := sc.Scan(&r.Seq, &r.ID, &ts, &r.ConsentID, &event, &method, &cat[0], &cat[1], &cat[2], &cat[3],
		&cm[0], &cm[1], &cm[2], &cm[3], &gpc, &r.PolicyVersion, &r.BannerHash,
		&r.Locale, &r.Path, &r.IP, &r.Browser, &erasedIDs, &erased, &salt, &r.PersonalDigest, &r.PrevHash, &r.Hash)
	if err != nil {
		return Record{}, "", err
	}
	r.Time, err = time.Parse(tsLayout, ts)
	if err != nil {
		return Record{}, "", fmt.Errorf("record %d: time %q: %w", r.Seq, ts, err)
	}
	r.Event, r.Method = Event(event), Method(method)
	r.Granted = inColumnOrder(nil)
	for i, c := range storedCategories {
		if cat[i] != 0 {
			r.Granted = append(r.Granted, c)
		}
	}
	r.ConsentMode = ConsentMode{cm[0] != 0, cm[1] != 0, cm[2] != 0, cm[3] != 0}
	r.GPC, r.Erased = gpc != 0, erased != 0
	r.ErasedIDs = []string{}
	if erasedIDs != "" {
		r.ErasedIDs = strings.Split(erasedIDs, ",")
	}
	return r, salt, nil
}

// Append implements Store.
func (s *store) Append(ctx context.Context, recs ...Record) error {
	now := time.Now()
	for i := range recs {
		if recs[i].Time.IsZero() {
			recs[i].Time = now
		}
		if recs[i].ID == "" {
			recs[i].ID = NewID(recs[i].Time)
		}
		recs[i] = normalise(recs[i])
		if err := validate(recs[i]); err != nil {
			return err
		}
	}
	err := s.b.write(ctx, func(q querier) error {
		return s.appendTx(ctx, q, recs)
	})
	if err != nil {
		return fmt.Errorf("consentlog: append: %w", err)
	}
	return nil
}

// appendTx links recs to the head of the chain. It must run inside write.
func (s *store) appendTx(ctx context.Context, q querier, recs []Record) error {
	var (
		seq  int64
		prev string
	)
	if err := q.queryRow(ctx, "SELECT head_seq, head_hash FROM chain WHERE id = 1"+s.b.lockChain()).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("read chain head: %w", err)
	}
	added := false
	for _, r := range recs {
		r.Seq, r.PrevHash = seq+1, prev
		salt := ""
		if !r.Erased {
			var b [16]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
			salt = hex.EncodeToString(b[:])
			r.PersonalDigest = personalDigest(salt, r)
		}
		r.Hash = recordHash(r)
		m := r.ConsentMode
		n, err := q.exec(ctx, insertRecord, r.Seq, r.ID, formatTS(r.Time), r.ConsentID, string(r.Event), string(r.Method),
			b2i(r.Allows(storedCategories[0])), b2i(r.Allows(storedCategories[1])), b2i(r.Allows(storedCategories[2])), b2i(r.Allows(storedCategories[3])),
			b2i(m.AnalyticsStorage), b2i(m.AdStorage), b2i(m.AdUserData), b2i(m.AdPersonalization), b2i(r.GPC),
			r.PolicyVersion, r.BannerHash, r.Locale, r.Path, r.IP, r.Browser, strings.Join(r.ErasedIDs, ","), b2i(r.Erased),
			salt, r.PersonalDigest, r.PrevHash, r.Hash)
		if err != nil {
			return fmt.Errorf("insert %s: %w", r.ID, err)
		}
		if n == 0 {
			continue // already stored by an earlier replay
		}
		seq, prev, added = r.Seq, r.Hash, true
	}
	if !added {
		return nil
	}
	if _, err := q.exec(ctx, "UPDATE chain SET head_seq = ?, head_hash = ? WHERE id = 1", seq, prev); err != nil {
		return fmt.Errorf("update chain head: %w", err)
	}
	return nil
}

// DefaultPath is the SQLite consent log in a data directory (Caddy's):
// one file a DPO can open with standard SQLite tools.
func DefaultPath(dataDir string) string {
	return filepath.Join(dataDir, "consentgate", "consent-log.db")
}

// RedactDSN hides a password in a PostgreSQL DSN before it is shown.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return dsn
}
