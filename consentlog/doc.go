// Package consentlog is the DPO's record of consent (requirements rules
// 25–29): every consent decision as an append-only, hash-chained record in
// SQLite or PostgreSQL, with a local spool so that no decision is lost
// while the database is down. It knows nothing of Caddy; the Caddy module,
// the admin console and the CLI are built on the API below.
//
// # Writing (the Caddy module)
//
//	log, err := consentlog.OpenLog(ctx, dsn, spoolDir, consentlog.LogOptions{Logger: zl, OnHealth: gauges})
//	st := log.Store()                                   // for the console; ErrUnavailable until opened
//	in := consentlog.FromDecision(decision)              // consent.Decision: ID, categories, version
//	in.Event, in.Method, in.ConsentMode, in.GPC = ...
//	in.BannerHash = consentlog.HashBannerText(bannerText)  // st.KeepBannerText(ctx, locale, bannerText) keeps the text it names
//	in.Locale, in.URL, in.RemoteIP, in.UserAgent = locale, r.URL.Path, r.RemoteAddr, r.UserAgent()
//	rec, err := log.Append(r.Context(), in)              // err only if invalid or the spool is unwritable
//	...
//	log.Flush(shutdownCtx); log.Close()                 // Cleanup; closes the store OpenLog opened
//
// Log.Append stamps the server time, truncates the IP (TruncateIP: IPv4 to
// /24, IPv6 to /48), reduces the User-Agent to a family (BrowserFamily) and
// drops the query string (StripQuery) before the record goes anywhere;
// Store.Append applies the same rules again, so no caller can store a full
// address or a query. Appends are group-committed: one writer puts every
// record waiting into one transaction. Records that fail or outwait
// LogOptions.AppendTimeout (queueing included) go to spool.jsonl in the
// spool directory, those of the same moment in one write and one fsync, so
// Append waits at most about AppendTimeout plus one spool fsync; they are
// replayed in order by a background goroutine with exponential backoff; chain position and hashes
// are computed when the store inserts it. One Log per spool directory per
// process: across Caddy config reloads, share it (caddy.UsagePool) rather
// than opening a second one on the same directory.
//
// # Faults
//
// A store that cannot be opened at start (PostgreSQL not up yet, an SQLite
// directory that cannot be created) does not stop OpenLog: records go to
// the spool and the store is opened in the background with the replay's
// backoff. Only an unusable spool directory is an error, since then no
// record could be kept durably. Log.Health reports the state; the Logger
// gets one ERROR line when the store goes down (again at most once a
// minute while it stays down) and one INFO line when the spool has
// drained.
//
// On SQLite, a transaction cut short by its deadline never leaves its
// connection inside a transaction (ROLLBACK on a fresh context, or the
// connection is discarded); COMMIT is not cancelled, so a stored record is
// never also spooled; the wait for this process's writer slot and for
// another process's lock (busy_timeout) both end with the append's
// deadline. Readers are a separate query_only pool of WAL readers, so the
// CLI and the console read while Caddy writes.
//
// The SQLite file's device and inode are checked before every operation
// and after every commit. If the file was renamed, removed or replaced,
// its WAL is checkpointed into it (SQLite leaves a moved file's last
// commits in the WAL beside the path), it is closed, the append is
// reported as failed (so the Log spools it), and the path is reopened once
// a consent log of the current schema is there again. A removed file is
// never recreated empty, which would verify as "OK" without the records
// it lost; restarting starts a new log deliberately.
//
// # Reading (the console and the CLI)
//
// Store.Search (by consent ID, event and date range, paged by sequence
// number), Store.History (one consent ID: subject access), Store.Export
// (CSV or JSON streamed to an io.Writer, columns in the order of Columns),
// Store.Stats (accept/reject/custom/withdraw/GPC and objections to
// statistics per day and locale), Store.Verify (walk the chain),
// Store.Erase (one consent ID),
// Store.Purge (retention: pass now.AddDate(0, -DefaultRetentionMonths, 0)
// or the configured months). The console must call Store.Audit for every
// DPO query, with the parameters in AuditDetail's form and the consent ID,
// if any, in AuditEntry.ConsentID: the audit log keeps only its
// HMAC-SHA256 under a random key stored in the store (table audit_key,
// made once by the migration, so all nodes share it), so an erased ID
// leaves no trace there, yet Store.AuditOf finds an ID's entries when the
// ID is typed in again. Store.AuditLog reads the audit table back. None of these
// writes to stdout; the CLI formats Report, PurgeResult and DayStats itself.
//
// # Chain and erasure
//
// Records are ordered by seq, assigned at insert under the database's write
// lock (BEGIN IMMEDIATE on SQLite; SELECT ... FOR UPDATE of the single
// chain row on PostgreSQL, so several nodes appending at once never fork
// the chain). Each record stores prev_hash, the hash of the record before it
// (GenesisHash for the first), and hash = hex(SHA-256) of a canonical
// serialisation: each field as "<decimal byte length>:<bytes>," in the
// order
//
//	"consentlog/v1", seq, id, prev_hash, time, event, method,
//	analytics, media, social, marketing, analytics_storage, ad_storage,
//	ad_user_data, ad_personalization, gpc, policy_version, banner_hash,
//	locale, erased_ids, personal_digest
//
// with booleans as "1"/"0", time as in the export (UTC, microseconds,
// 2006-01-02T15:04:05.000000Z) and erased_ids comma-separated. The personal
// fields (consent ID, IP, path, browser) are not hashed directly: they
// enter as personal_digest = SHA-256 of
// ("consentlog/personal/v1", salt, consent_id, ip, path, browser) in the
// same serialisation, with a random per-record salt stored in the row but
// never exported. Erase blanks the personal fields and the salt, sets
// erased, and appends an erasure record whose erased_ids lists the records
// it erased. The chain hashes are untouched, so Verify still passes for
// everyone; without the salt the remaining digest cannot be tested against
// a guessed consent ID or IP. Verify checks a non-erased record's personal
// fields against its digest, and accepts blank ones only when a later
// erasure record names the record, so "erasing" a row by hand is reported
// as tampering. An export carries everything needed to recompute every
// hash independently.
//
// Verify reports the first record that fails: a sequence gap (deleted
// rows), a prev_hash that is not the previous hash, personal fields that do
// not match their digest, or a hash that does not match the fields. The
// hash of the last record (Report.Head) is worth writing down from time to
// time: the chain alone cannot show that its newest records were removed
// together with the chain row.
//
// # Retention
//
// Purge deletes the oldest records up to the first one not older than the
// cutoff, after adding them to daily_counts (per day and locale, by the
// same rules Stats applies to live records, so statistics do not change).
// The hash of the last deleted record becomes the chain's anchor and Verify
// starts there.
//
// # Storage
//
// One schema for both backends, created and migrated on Open (table
// schema_version): records, chain (head and anchor), daily_counts,
// audit_log, audit_key. Booleans are INTEGER 0/1 and times are text, so the SQLite
// file (WAL mode, busy_timeout 10s, or what is left of an append's deadline,
// synchronous=FULL) reads naturally in the
// sqlite3 tool.
package consentlog
