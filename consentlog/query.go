package consentlog

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Query selects records. Zero fields do not filter.
type Query struct {
	ConsentID string
	Event     Event
	From, To  time.Time // server time, From inclusive, To exclusive
	After     int64     // return records with Seq > After: Page.Next of the previous page
	Limit     int       // page size for Search: default 100, at most 1000
}

// Page is one page of Search results.
type Page struct {
	Records []Record
	Next    int64 // pass as Query.After for the next page; 0 when this is the last
}

func (q Query) where() (string, []any) {
	conds := []string{"seq > ?"}
	args := []any{q.After}
	if q.ConsentID != "" {
		conds, args = append(conds, "consent_id = ?"), append(args, q.ConsentID)
	}
	if q.Event != "" {
		conds, args = append(conds, "event = ?"), append(args, string(q.Event))
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "ts >= ?"), append(args, formatTS(q.From))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "ts < ?"), append(args, formatTS(q.To))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// each streams the records matching q in chain order; limit 0 means all.
func each(ctx context.Context, qr querier, q Query, limit int, fn func(Record, string) error) error {
	where, args := q.where()
	sqlText := "SELECT " + recordColumns + " FROM records" + where + " ORDER BY seq"
	if limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", limit)
	}
	rs, err := qr.query(ctx, sqlText, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		r, salt, err := scanRecord(rs)
		if err != nil {
			return err
		}
		if err := fn(r, salt); err != nil {
			return err
		}
	}
	return rs.Err()
}

// Search implements Store.
func (s *store) Search(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var p Page
	err := each(ctx, s.b, q, limit+1, func(r Record, _ string) error {
		p.Records = append(p.Records, r)
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("consentlog: search: %w", err)
	}
	if len(p.Records) > limit {
		p.Records = p.Records[:limit]
		p.Next = p.Records[limit-1].Seq
	}
	return p, nil
}

// History implements Store.
func (s *store) History(ctx context.Context, consentID string) ([]Record, error) {
	if consentID == "" {
		return nil, fmt.Errorf("consentlog: history: empty consent id")
	}
	var out []Record
	err := each(ctx, s.b, Query{ConsentID: consentID}, 0, func(r Record, _ string) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("consentlog: history of %s: %w", consentID, err)
	}
	return out, nil
}

// DayStats are the decisions of one UTC day in one locale. Every decision
// counts once as Accept (all categories), Reject (none), Custom (some) or
// Withdraw (a withdraw event); GPC counts, in addition, those that came with
// a Global Privacy Control signal. Objections to statistics run under the
// exception, and their withdrawals, are not consent decisions: they count
// only as Objection and ObjectionWithdrawn, never as Accept, Reject or
// Custom, whatever consent their records carry. Objection includes those a
// GPC signal made, which GPC does not count: GPC stays a count of
// decisions, comparable with the four kinds, and a signal recorded both as
// a refusal and as an objection counts there once. Erasure records are not
// decisions.
type DayStats struct {
	Day                string `json:"day"` // YYYY-MM-DD
	Locale             string `json:"locale"`
	Accept             int64  `json:"accept"`
	Reject             int64  `json:"reject"`
	Custom             int64  `json:"custom"`
	Withdraw           int64  `json:"withdraw"`
	GPC                int64  `json:"gpc"`
	Objection          int64  `json:"objection"`
	ObjectionWithdrawn int64  `json:"objection_withdrawn"`
}

// classify is the SQL that Stats and Purge share, so live records and
// folded aggregates are counted by exactly the same rules.
const classify = `substr(ts, 1, 10) AS day, locale,
	CASE WHEN ` + isDecision + ` AND analytics + media + social + marketing = 4 THEN 1 ELSE 0 END AS accept,
	CASE WHEN ` + isDecision + ` AND analytics + media + social + marketing = 0 THEN 1 ELSE 0 END AS reject,
	CASE WHEN ` + isDecision + ` AND analytics + media + social + marketing BETWEEN 1 AND 3 THEN 1 ELSE 0 END AS custom,
	CASE WHEN event = 'withdraw' THEN 1 ELSE 0 END AS withdraw,
	CASE WHEN event IN ('objection', 'objection_withdrawn') THEN 0 ELSE gpc END AS gpc,
	CASE WHEN event = 'objection' THEN 1 ELSE 0 END AS objection,
	CASE WHEN event = 'objection_withdrawn' THEN 1 ELSE 0 END AS objection_withdrawn`

// isDecision holds for the records classify counts as accept, reject or
// custom: neither a withdrawal nor an objection or its withdrawal.
const isDecision = `event NOT IN ('withdraw', 'objection', 'objection_withdrawn')`

// Stats implements Store.
func (s *store) Stats(ctx context.Context, from, to time.Time) ([]DayStats, error) {
	fromDay, toDay := "0000-00-00", "9999-12-31"
	if !from.IsZero() {
		fromDay = from.UTC().Format(time.DateOnly)
	}
	if !to.IsZero() {
		toDay = to.UTC().Format(time.DateOnly)
	}
	q := `SELECT day, locale, CAST(SUM(accept) AS BIGINT), CAST(SUM(reject) AS BIGINT), CAST(SUM(custom) AS BIGINT),
		CAST(SUM(withdraw) AS BIGINT), CAST(SUM(gpc) AS BIGINT), CAST(SUM(objection) AS BIGINT), CAST(SUM(objection_withdrawn) AS BIGINT) FROM (
		SELECT day, locale, accept, reject, custom, withdraw, gpc, objection, objection_withdrawn FROM daily_counts WHERE day >= ? AND day <= ?
		UNION ALL
		SELECT ` + classify + ` FROM records WHERE event <> 'erasure' AND substr(ts, 1, 10) >= ? AND substr(ts, 1, 10) <= ?
	) AS s GROUP BY day, locale ORDER BY day, locale`
	rs, err := s.b.query(ctx, q, fromDay, toDay, fromDay, toDay)
	if err != nil {
		return nil, fmt.Errorf("consentlog: stats: %w", err)
	}
	defer rs.Close()
	var out []DayStats
	for rs.Next() {
		var d DayStats
		if err := rs.Scan(&d.Day, &d.Locale, &d.Accept, &d.Reject, &d.Custom, &d.Withdraw, &d.GPC, &d.Objection, &d.ObjectionWithdrawn); err != nil {
			return nil, fmt.Errorf("consentlog: stats: %w", err)
		}
		out = append(out, d)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("consentlog: stats: %w", err)
	}
	return out, nil
}

// PurgeResult says what Purge removed.
type PurgeResult struct {
	Deleted    int64 // records deleted (and folded into daily_counts)
	ThroughSeq int64 // the chain now starts after this sequence number
}

// Purge implements Store. It deletes the longest prefix of the chain whose
// records are all older than cutoff: the chain stays verifiable because
// only its start moves (the hash of the last deleted record is kept as the
// new anchor). Records join the chain in decision order except those
// replayed from a spool, so at most a few records stay a little longer than
// the cutoff. Erasure records age out like any other.
func (s *store) Purge(ctx context.Context, cutoff time.Time) (PurgeResult, error) {
	var res PurgeResult
	err := s.b.write(ctx, func(q querier) error {
		var head, tail int64
		var headHash, tailHash string
		if err := q.queryRow(ctx, "SELECT head_seq, head_hash, tail_seq, tail_hash FROM chain WHERE id = 1"+s.b.lockChain()).Scan(&head, &headHash, &tail, &tailHash); err != nil {
			return err
		}
		through := head
		var first int64
		err := q.queryRow(ctx, "SELECT seq FROM records WHERE ts >= ? ORDER BY seq LIMIT 1", formatTS(cutoff)).Scan(&first)
		switch {
		case err == nil:
			through = first - 1
		case !isNoRows(err):
			return err
		}
		res.ThroughSeq = tail
		if through <= tail {
			return nil
		}
		_, err = q.exec(ctx, `INSERT INTO daily_counts (day, locale, accept, reject, custom, withdraw, gpc, objection, objection_withdrawn)
			SELECT day, locale, SUM(accept), SUM(reject), SUM(custom), SUM(withdraw), SUM(gpc), SUM(objection), SUM(objection_withdrawn) FROM (
				SELECT `+classify+` FROM records WHERE seq <= ? AND event <> 'erasure'
			) AS s WHERE true GROUP BY day, locale
			ON CONFLICT (day, locale) DO UPDATE SET accept = daily_counts.accept + excluded.accept,
				reject = daily_counts.reject + excluded.reject, custom = daily_counts.custom + excluded.custom,
				withdraw = daily_counts.withdraw + excluded.withdraw, gpc = daily_counts.gpc + excluded.gpc,
				objection = daily_counts.objection + excluded.objection,
				objection_withdrawn = daily_counts.objection_withdrawn + excluded.objection_withdrawn`, through)
		if err != nil {
			return fmt.Errorf("fold into daily_counts: %w", err)
		}
		var anchor string
		if err := q.queryRow(ctx, "SELECT hash FROM records WHERE seq = ?", through).Scan(&anchor); err != nil {
			return fmt.Errorf("read new anchor %d: %w", through, err)
		}
		if res.Deleted, err = q.exec(ctx, "DELETE FROM records WHERE seq <= ?", through); err != nil {
			return err
		}
		res.ThroughSeq = through
		_, err = q.exec(ctx, "UPDATE chain SET tail_seq = ?, tail_hash = ? WHERE id = 1", through, anchor)
		return err
	})
	if err != nil {
		return PurgeResult{}, fmt.Errorf("consentlog: purge before %s: %w", formatTS(cutoff), err)
	}
	return res, nil
}

// Erase implements Store. The erased records keep every field but the
// personal ones (consent ID, IP, path, browser) and their random salt, so
// their chain hashes still verify and statistics still count them; the
// erasure record lists the IDs of the records it erased, which is what lets
// Verify tell an erasure from tampering.
func (s *store) Erase(ctx context.Context, consentID string) (Record, error) {
	if consentID == "" {
		return Record{}, fmt.Errorf("consentlog: erase: empty consent id")
	}
	now := time.Now()
	rec := normalise(Record{ID: NewID(now), Time: now, Event: EventErasure, Method: MethodAPI})
	err := s.b.write(ctx, func(q querier) error {
		rs, err := q.query(ctx, "SELECT id FROM records WHERE consent_id = ? AND erased = 0 ORDER BY seq", consentID)
		if err != nil {
			return err
		}
		for rs.Next() {
			var id string
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return err
			}
			rec.ErasedIDs = append(rec.ErasedIDs, id)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		if len(rec.ErasedIDs) == 0 {
			return fmt.Errorf("no records of consent id %q", consentID)
		}
		if _, err := q.exec(ctx, `UPDATE records SET consent_id = '', ip = '', path = '', browser = '', salt = '', erased = 1
			WHERE consent_id = ? AND erased = 0`, consentID); err != nil {
			return err
		}
		return s.appendTx(ctx, q, []Record{rec})
	})
	if err != nil {
		return Record{}, fmt.Errorf("consentlog: erase %s: %w", consentID, err)
	}
	return rec, nil
}

// AuditEntry is one DPO action: who did what, when (server time).
type AuditEntry struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`  // authenticated user name
	Action string    `json:"action"` // e.g. "search", "export", "erase"
	Detail string    `json:"detail"` // the other parameters, as AuditDetail writes them
	// ConsentID is the consent ID the action was about, given to Audit.
	// The store keeps only its keyed hash, ConsentIDHash, so that after an
	// erasure the audit log no longer holds the ID: AuditOf finds the
	// entries of an ID typed in again.
	ConsentID     string `json:"-"`
	ConsentIDHash string `json:"consent_id_hash,omitempty"`
}

// Audit implements Store. Time, ID and ConsentIDHash are set here.
func (s *store) Audit(ctx context.Context, e AuditEntry) error {
	now := time.Now()
	h := ""
	if e.ConsentID != "" {
		h = auditHash(s.auditKey, e.ConsentID)
	}
	_, err := s.b.exec(ctx, "INSERT INTO audit_log (id, ts, actor, action, detail, consent_id_hash) VALUES (?, ?, ?, ?, ?, ?)",
		NewID(now), formatTS(now), e.Actor, e.Action, e.Detail, h)
	if err != nil {
		return fmt.Errorf("consentlog: audit %s by %s: %w", e.Action, e.Actor, err)
	}
	return nil
}

const auditColumns = "SELECT id, ts, actor, action, detail, consent_id_hash FROM audit_log"

// AuditLog implements Store: entries in [from, to), oldest first, at most
// limit (0: all).
func (s *store) AuditLog(ctx context.Context, from, to time.Time, limit int) ([]AuditEntry, error) {
	q := auditColumns + " WHERE ts >= ?"
	args := []any{formatTS(from)}
	if !to.IsZero() {
		q, args = q+" AND ts < ?", append(args, formatTS(to))
	}
	q += " ORDER BY ts, id"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.auditEntries(ctx, q, args...)
}

// AuditOf implements Store.
func (s *store) AuditOf(ctx context.Context, consentID string) ([]AuditEntry, error) {
	return s.auditEntries(ctx, auditColumns+" WHERE consent_id_hash = ? ORDER BY ts, id", auditHash(s.auditKey, consentID))
}

func (s *store) auditEntries(ctx context.Context, q string, args ...any) ([]AuditEntry, error) {
	rs, err := s.b.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("consentlog: audit log: %w", err)
	}
	defer rs.Close()
	var out []AuditEntry
	for rs.Next() {
		var e AuditEntry
		var ts string
		if err := rs.Scan(&e.ID, &ts, &e.Actor, &e.Action, &e.Detail, &e.ConsentIDHash); err != nil {
			return nil, fmt.Errorf("consentlog: audit log: %w", err)
		}
		if e.Time, err = time.Parse(tsLayout, ts); err != nil {
			return nil, fmt.Errorf("consentlog: audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("consentlog: audit log: %w", err)
	}
	return out, nil
}
