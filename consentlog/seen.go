package consentlog

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/consentgate/consentgate/cookieseen"
)

// What a site was seen to use is kept beside the chain, not on it: it is
// no decision of a visitor's, and merging it must not wait for, or hold
// up, the records.

// maxSeenName bounds a sighting's name: the banner reports names that
// anyone can post.
const maxSeenName = 256

// observeChunk bounds the rows one Observe transaction upserts, so that
// however large a report, it holds the SQLite writer (and so the chain's
// appends) for tens of milliseconds at most.
const observeChunk = 1000

const upsertSeen = `INSERT INTO seen (kind, name, source, max_age, first_seen, last_seen, hits)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (kind, name, source) DO UPDATE SET
		max_age = CASE WHEN excluded.max_age >= 0 THEN excluded.max_age ELSE seen.max_age END,
		first_seen = CASE WHEN excluded.first_seen < seen.first_seen THEN excluded.first_seen ELSE seen.first_seen END,
		last_seen = CASE WHEN excluded.last_seen > seen.last_seen THEN excluded.last_seen ELSE seen.last_seen END,
		hits = seen.hits + excluded.hits`

// Observe implements Store. Sightings of one key in seen are merged
// first; a zero First or Last is taken as now. The rows are upserted in
// key order (so that two nodes' transactions cannot deadlock on
// PostgreSQL), in one transaction per observeChunk distinct keys.
func (s *store) Observe(ctx context.Context, seen []cookieseen.Sighting) error {
	merged, err := mergeSightings(seen, time.Now())
	if err != nil {
		return fmt.Errorf("consentlog: observe: %w", err)
	}
	for chunk := range slices.Chunk(merged, observeChunk) {
		err := s.b.write(ctx, func(q querier) error {
			for _, g := range chunk {
				if _, err := q.exec(ctx, upsertSeen, string(g.Kind), g.Name, string(g.Source), g.MaxAge,
					formatTS(g.First), formatTS(g.Last), g.Hits); err != nil {
					return fmt.Errorf("%s %q: %w", g.Kind, g.Name, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("consentlog: observe: %w", err)
		}
	}
	return nil
}

// mergeSightings validates seen and merges it by key, as the upsert would,
// in key order.
func mergeSightings(seen []cookieseen.Sighting, now time.Time) ([]cookieseen.Sighting, error) {
	byKey := make(map[cookieseen.Key]int, len(seen))
	var out []cookieseen.Sighting
	for _, g := range seen {
		if err := validSighting(g); err != nil {
			return nil, err
		}
		if g.Last.IsZero() {
			g.Last = now
		}
		if g.First.IsZero() || g.First.After(g.Last) {
			g.First = g.Last
		}
		i, ok := byKey[g.Key()]
		if !ok {
			byKey[g.Key()] = len(out)
			out = append(out, g)
			continue
		}
		m := &out[i]
		if g.MaxAge >= 0 {
			m.MaxAge = g.MaxAge
		}
		if g.First.Before(m.First) {
			m.First = g.First
		}
		if g.Last.After(m.Last) {
			m.Last = g.Last
		}
		m.Hits += g.Hits
	}
	slices.SortFunc(out, compareSightings)
	return out, nil
}

func compareSightings(a, b cookieseen.Sighting) int {
	return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.Name, b.Name),
		strings.Compare(string(a.Source), string(b.Source)))
}

func validSighting(g cookieseen.Sighting) error {
	switch g.Kind {
	case cookieseen.Cookie, cookieseen.Storage, cookieseen.Vendor:
	default:
		return fmt.Errorf("sighting of %q: kind %q is not cookie, storage or vendor", g.Name, g.Kind)
	}
	switch g.Source {
	case cookieseen.Upstream, cookieseen.Page, cookieseen.Banner:
	default:
		return fmt.Errorf("sighting of %q: source %q is not upstream, page or banner", g.Name, g.Source)
	}
	if g.Name == "" {
		return fmt.Errorf("%s sighting without a name", g.Kind)
	}
	if len(g.Name) > maxSeenName {
		return fmt.Errorf("%s name of %d bytes: longer than %d", g.Kind, len(g.Name), maxSeenName)
	}
	if err := storableText(g.Name); err != nil {
		return fmt.Errorf("%s name %q: %w", g.Kind, g.Name, err)
	}
	if g.Hits < 0 {
		return fmt.Errorf("%s %q: negative hits %d", g.Kind, g.Name, g.Hits)
	}
	return nil
}

// storableText refuses what PostgreSQL cannot store in TEXT (SQLite can),
// so that both backends take the same input.
func storableText(v string) error {
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return errors.New("not valid UTF-8 text without NUL")
	}
	return nil
}

// Sightings implements Store. The rows are sorted here, in byte order:
// PostgreSQL's ORDER BY follows the database's collation, SQLite's does not.
func (s *store) Sightings(ctx context.Context) ([]cookieseen.Sighting, error) {
	rs, err := s.b.query(ctx, "SELECT kind, name, source, max_age, first_seen, last_seen, hits FROM seen")
	if err != nil {
		return nil, fmt.Errorf("consentlog: sightings: %w", err)
	}
	defer rs.Close()
	var out []cookieseen.Sighting
	for rs.Next() {
		var (
			g            cookieseen.Sighting
			kind, source string
			first, last  string
		)
		if err := rs.Scan(&kind, &g.Name, &source, &g.MaxAge, &first, &last, &g.Hits); err != nil {
			return nil, fmt.Errorf("consentlog: sightings: %w", err)
		}
		g.Kind, g.Source = cookieseen.Kind(kind), cookieseen.Source(source)
		if g.First, err = time.Parse(tsLayout, first); err == nil {
			g.Last, err = time.Parse(tsLayout, last)
		}
		if err != nil {
			return nil, fmt.Errorf("consentlog: sighting of %q: %w", g.Name, err)
		}
		out = append(out, g)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("consentlog: sightings: %w", err)
	}
	slices.SortFunc(out, compareSightings)
	return out, nil
}

// declareTries bounds Declare's retries when another node records a
// declaration at the same time (PostgreSQL; SQLite writers take turns).
const declareTries = 5

// Declare implements Store.
func (s *store) Declare(ctx context.Context, d cookieseen.Declaration) (time.Time, error) {
	if d.Version == "" {
		return time.Time{}, errors.New("consentlog: declare: no version")
	}
	if d.Cookies == nil {
		d.Cookies = []cookieseen.Declared{}
	}
	if d.Vendors == nil {
		d.Vendors = []string{}
	}
	cookies, err := json.Marshal(d.Cookies)
	if err != nil {
		return time.Time{}, fmt.Errorf("consentlog: declare: %w", err)
	}
	vendors, err := json.Marshal(d.Vendors)
	if err != nil {
		return time.Time{}, fmt.Errorf("consentlog: declare: %w", err)
	}
	if err := storableText(d.Version); err != nil { // JSON escapes the rest
		return time.Time{}, fmt.Errorf("consentlog: declare %s: %w", d.Version, err)
	}
	var since string
	err = s.b.write(ctx, func(q querier) error {
		for range declareTries {
			var (
				seq     int64
				version string
			)
			err := q.queryRow(ctx, "SELECT seq, version, since FROM declarations ORDER BY seq DESC LIMIT 1").Scan(&seq, &version, &since)
			if err != nil && !isNoRows(err) {
				return err
			}
			if err == nil && version == d.Version {
				return nil
			}
			since = formatTS(time.Now())
			// On PostgreSQL another node's insert of the same seq makes
			// this one wait for its commit and do nothing: read again.
			n, err := q.exec(ctx, "INSERT INTO declarations (seq, version, since, cookies, vendors) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING",
				seq+1, d.Version, since, string(cookies), string(vendors))
			if err != nil || n == 1 {
				return err
			}
		}
		return errors.New("other nodes kept declaring at the same time")
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("consentlog: declare %s: %w", d.Version, err)
	}
	t, err := time.Parse(tsLayout, since)
	if err != nil {
		return time.Time{}, fmt.Errorf("consentlog: declare %s: since %q: %w", d.Version, since, err)
	}
	return t, nil
}

// LatestDeclaration implements Store.
func (s *store) LatestDeclaration(ctx context.Context) (cookieseen.Declaration, bool, error) {
	var (
		d                      cookieseen.Declaration
		since, cookies, vendor string
	)
	err := s.b.queryRow(ctx, "SELECT version, since, cookies, vendors FROM declarations ORDER BY seq DESC LIMIT 1").
		Scan(&d.Version, &since, &cookies, &vendor)
	if isNoRows(err) {
		return cookieseen.Declaration{}, false, nil
	}
	if err == nil {
		d.Since, err = time.Parse(tsLayout, since)
	}
	if err == nil {
		err = json.Unmarshal([]byte(cookies), &d.Cookies)
	}
	if err == nil {
		err = json.Unmarshal([]byte(vendor), &d.Vendors)
	}
	if err != nil {
		return cookieseen.Declaration{}, false, fmt.Errorf("consentlog: latest declaration: %w", err)
	}
	return d, true, nil
}

// ImportKnown implements Store. A (name, prefix) given twice keeps its
// first entry: cookie databases repeat a name for several platforms.
func (s *store) ImportKnown(ctx context.Context, known []cookieseen.Known) error {
	for i, k := range known {
		if k.Name == "" {
			return fmt.Errorf("consentlog: import known cookies: entry %d has no name", i+1)
		}
		if err := storableText(k.Name + k.Provider + k.Category + k.Purpose + k.Retention); err != nil {
			return fmt.Errorf("consentlog: import known cookies: %q: %w", k.Name, err)
		}
	}
	err := s.b.write(ctx, func(q querier) error {
		if _, err := q.exec(ctx, "DELETE FROM known_cookies"); err != nil {
			return err
		}
		for _, k := range known {
			if _, err := q.exec(ctx, `INSERT INTO known_cookies (name, prefix, provider, category, purpose, retention)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, prefix) DO NOTHING`,
				k.Name, b2i(k.Prefix), k.Provider, k.Category, k.Purpose, k.Retention); err != nil {
				return fmt.Errorf("%q: %w", k.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("consentlog: import known cookies: %w", err)
	}
	return nil
}

// KnownCookies implements Store.
func (s *store) KnownCookies(ctx context.Context) ([]cookieseen.Known, error) {
	rs, err := s.b.query(ctx, "SELECT name, prefix, provider, category, purpose, retention FROM known_cookies")
	if err != nil {
		return nil, fmt.Errorf("consentlog: known cookies: %w", err)
	}
	defer rs.Close()
	var out []cookieseen.Known
	for rs.Next() {
		var (
			k      cookieseen.Known
			prefix int64
		)
		if err := rs.Scan(&k.Name, &prefix, &k.Provider, &k.Category, &k.Purpose, &k.Retention); err != nil {
			return nil, fmt.Errorf("consentlog: known cookies: %w", err)
		}
		k.Prefix = prefix != 0
		out = append(out, k)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("consentlog: known cookies: %w", err)
	}
	slices.SortFunc(out, func(a, b cookieseen.Known) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(b2i(a.Prefix), b2i(b.Prefix)))
	})
	return out, nil
}
