package consentlog

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consentgate/cookieseen"
)

// liveStore is a Log's store: the one given to NewLog, or the one OpenLog
// opens, possibly later. Until it is open every method answers an error
// wrapping ErrUnavailable, so the console and the retention purge work on
// it from the start and say why they cannot answer yet.
type liveStore struct {
	mu  sync.RWMutex
	s   Store
	err error // the last open error while s is nil
}

func (ls *liveStore) get() (Store, error) {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	if ls.s != nil {
		return ls.s, nil
	}
	if ls.err == nil {
		return nil, fmt.Errorf("%w: not opened yet", ErrUnavailable)
	}
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, ls.err)
}

func (ls *liveStore) set(s Store) {
	ls.mu.Lock()
	ls.s, ls.err = s, nil
	ls.mu.Unlock()
}

func (ls *liveStore) failed(err error) {
	ls.mu.Lock()
	ls.err = err
	ls.mu.Unlock()
}

func (ls *liveStore) close() error {
	ls.mu.Lock()
	s := ls.s
	ls.s, ls.err = nil, ErrClosed
	ls.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

func (ls *liveStore) Append(ctx context.Context, recs ...Record) error {
	s, err := ls.get()
	if err != nil {
		return err
	}
	return s.Append(ctx, recs...)
}

func (ls *liveStore) Search(ctx context.Context, q Query) (Page, error) {
	s, err := ls.get()
	if err != nil {
		return Page{}, err
	}
	return s.Search(ctx, q)
}

func (ls *liveStore) History(ctx context.Context, consentID string) ([]Record, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.History(ctx, consentID)
}

func (ls *liveStore) Export(ctx context.Context, w io.Writer, f Format, q Query) error {
	s, err := ls.get()
	if err != nil {
		return err
	}
	return s.Export(ctx, w, f, q)
}

func (ls *liveStore) Stats(ctx context.Context, from, to time.Time) ([]DayStats, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.Stats(ctx, from, to)
}

func (ls *liveStore) Verify(ctx context.Context) (Report, error) {
	s, err := ls.get()
	if err != nil {
		return Report{}, err
	}
	return s.Verify(ctx)
}

func (ls *liveStore) Erase(ctx context.Context, consentID string) (Record, error) {
	s, err := ls.get()
	if err != nil {
		return Record{}, err
	}
	return s.Erase(ctx, consentID)
}

func (ls *liveStore) Purge(ctx context.Context, cutoff time.Time) (PurgeResult, error) {
	s, err := ls.get()
	if err != nil {
		return PurgeResult{}, err
	}
	return s.Purge(ctx, cutoff)
}

func (ls *liveStore) Audit(ctx context.Context, e AuditEntry) error {
	s, err := ls.get()
	if err != nil {
		return err
	}
	return s.Audit(ctx, e)
}

func (ls *liveStore) AuditLog(ctx context.Context, from, to time.Time, limit int) ([]AuditEntry, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.AuditLog(ctx, from, to, limit)
}

func (ls *liveStore) AuditOf(ctx context.Context, consentID string) ([]AuditEntry, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.AuditOf(ctx, consentID)
}

func (ls *liveStore) Observe(ctx context.Context, seen []cookieseen.Sighting) error {
	s, err := ls.get()
	if err != nil {
		return err
	}
	return s.Observe(ctx, seen)
}

func (ls *liveStore) Sightings(ctx context.Context) ([]cookieseen.Sighting, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.Sightings(ctx)
}

func (ls *liveStore) Declare(ctx context.Context, d cookieseen.Declaration) (time.Time, error) {
	s, err := ls.get()
	if err != nil {
		return time.Time{}, err
	}
	return s.Declare(ctx, d)
}

func (ls *liveStore) LatestDeclaration(ctx context.Context) (cookieseen.Declaration, bool, error) {
	s, err := ls.get()
	if err != nil {
		return cookieseen.Declaration{}, false, err
	}
	return s.LatestDeclaration(ctx)
}

func (ls *liveStore) ImportKnown(ctx context.Context, known []cookieseen.Known) error {
	s, err := ls.get()
	if err != nil {
		return err
	}
	return s.ImportKnown(ctx, known)
}

func (ls *liveStore) KnownCookies(ctx context.Context) ([]cookieseen.Known, error) {
	s, err := ls.get()
	if err != nil {
		return nil, err
	}
	return s.KnownCookies(ctx)
}

func (ls *liveStore) KeepBannerText(ctx context.Context, locale, text string) (string, error) {
	s, err := ls.get()
	if err != nil {
		return "", err
	}
	return s.KeepBannerText(ctx, locale, text)
}

func (ls *liveStore) BannerText(ctx context.Context, hash string) (BannerText, bool, error) {
	s, err := ls.get()
	if err != nil {
		return BannerText{}, false, err
	}
	return s.BannerText(ctx, hash)
}

// Close does nothing: the Log owns the store it opened, and the caller
// owns the one it gave NewLog.
func (ls *liveStore) Close() error { return nil }

// sqlitePath reports whether dsn names an SQLite file, and which.
func sqlitePath(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", false
	}
	return strings.TrimPrefix(dsn, "sqlite:"), true
}
