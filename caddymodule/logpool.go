package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consentlog"
)

// openLogs shares each store and its spool across config reloads, so that a
// reload never opens the same database or spool directory twice.
var openLogs = caddy.NewUsagePool()

// logHandle is one open consent log: the store, the spooling Log in front
// of it and the retention purge that runs beside them. store is the Log's:
// it answers consentlog.ErrUnavailable until the store could be opened.
type logHandle struct {
	store     consentlog.Store
	log       *consentlog.Log
	retention atomic.Int64 // nanoseconds, set by the newest config; 0 is DefaultRetentionMonths
	seen      *sightings   // what the site is seen to use
	stop      context.CancelFunc
	done      chan struct{} // the purge loop's
	seenDone  chan struct{}
}

// Destruct flushes the spool as far as the store allows and closes the
// Log (and with it the store), when the last config using them is gone.
func (l *logHandle) Destruct() error {
	l.stop()
	<-l.done
	<-l.seenDone // its last write done, before the store closes
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.log.Flush(ctx) // what is not flushed stays in the spool, replayed on next start
	return l.log.Close()
}

// purgeEvery is how often records past retention are folded into the daily
// aggregates and deleted.
const purgeEvery = 6 * time.Hour

func (l *logHandle) purgeLoop(ctx context.Context, logger *zap.Logger) {
	defer close(l.done)
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := time.Now().AddDate(0, -consentlog.DefaultRetentionMonths, 0) // as the CLI's purge
		if r := l.retention.Load(); r > 0 {
			cutoff = time.Now().Add(-time.Duration(r))
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		res, err := l.store.Purge(pctx, cutoff)
		cancel()
		if err != nil {
			logger.Error("consent log retention purge failed; will retry", zap.Error(err))
		} else {
			logger.Info("consent log retention purge", zap.Time("cutoff", cutoff), zap.Any("result", res))
		}
		t.Reset(purgeEvery)
	}
}

// storeLabel names the store's kind in metrics: never the DSN, which may
// hold a password.
func storeLabel(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// provisionLog opens (or shares) the consent log the config names. A store
// that cannot be opened does not fail the config: the site serves, choices
// are spooled, and the store is opened in the background (see
// consentlog.OpenLog), with an ERROR line and the console saying so. Only
// a spool directory that cannot be created fails it, since then no record
// of consent could be kept at all.
func (h *Handler) provisionLog(ctx caddy.Context) error {
	dsn := h.LogStore
	if dsn == "" {
		dsn = consentlog.DefaultPath(caddy.AppDataDir())
	}
	spool := h.LogSpool
	if spool == "" {
		spool = filepath.Join(caddy.AppDataDir(), "consentgate", "spool")
	}
	h.logKey = dsn + "\x00" + spool
	logger := h.logger
	label := storeLabel(dsn)
	v, _, err := openLogs.LoadOrNew(h.logKey, func() (caddy.Destructor, error) {
		octx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lg, err := consentlog.OpenLog(octx, dsn, spool, consentlog.LogOptions{
			Logger: logger.With(zap.String("store", consentlog.RedactDSN(dsn))),
			// Each absorbed failure, at debug: the Logger has the summary.
			OnError: func(err error) { logger.Debug("consent log store failure absorbed", zap.Error(err)) },
			OnHealth: func(hl consentlog.Health) {
				metrics.spooled.WithLabelValues(label).Set(float64(hl.Spooled))
				up := 0.0
				if hl.StoreUp {
					up = 1
				}
				metrics.storeUp.WithLabelValues(label).Set(up)
			},
		})
		if err != nil {
			return nil, err
		}
		pctx, stop := context.WithCancel(context.Background())
		l := &logHandle{store: lg.Store(), log: lg, stop: stop, done: make(chan struct{}), seenDone: make(chan struct{})}
		l.seen = newSightings(l.store, filepath.Join(spool, "seen.json"), logger)
		// The first reading before the first request, so the policy
		// version is right from the start when the store is up.
		l.seen.read(octx)
		go l.purgeLoop(pctx, logger)
		go l.seen.loop(pctx, l.seenDone)
		return l, nil
	})
	if err != nil {
		return fmt.Errorf("cookie_consent: log %s: %w", consentlog.RedactDSN(dsn), err)
	}
	h.consentLog = v.(*logHandle)
	h.consentLog.retention.Store(int64(h.Retention))
	h.bannerHash = map[string]string{}
	texts := map[string]string{}
	for loc, t := range h.texts {
		b, _ := json.Marshal(t)
		h.bannerHash[loc] = consentlog.HashBannerText(string(b))
		texts[loc] = string(b)
	}
	tctx, stop := context.WithCancel(context.Background())
	h.stopTexts = stop
	go h.keepBannerTexts(tctx, texts)
	return nil
}

// keepBannerTexts keeps in the store the banner text of each locale, by
// the hash every record of a choice made under it carries, so that a DPO
// can show what exactly a visitor agreed to. A store that is down is
// tried again, every few seconds, until this config ends.
func (h *Handler) keepBannerTexts(ctx context.Context, texts map[string]string) {
	wait := time.Second
	for len(texts) > 0 {
		for loc, text := range texts {
			kctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := h.consentLog.store.KeepBannerText(kctx, loc, text)
			cancel()
			if err == nil {
				delete(texts, loc)
			} else {
				h.logger.Debug("banner text not kept yet; will retry", zap.String("locale", loc), zap.Error(err))
			}
		}
		if len(texts) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Cleanup releases this config's use of the consent log.
func (h *Handler) Cleanup() error {
	if h.stopTexts != nil {
		h.stopTexts()
	}
	if h.logKey == "" {
		return nil
	}
	_, err := openLogs.Delete(h.logKey)
	return err
}

// record writes one decision to the consent log. The visitor's choice is
// honoured whatever happens here; a record that reaches neither the store
// nor the spool is logged in full, so it is never lost silently.
func (h *Handler) record(r *http.Request, in consentlog.Input) {
	in.BannerHash = h.bannerHash[in.Locale]
	in.RemoteIP = clientIP(r)
	in.UserAgent = r.UserAgent()
	metrics.decisions.WithLabelValues(string(in.Event), string(in.Method), grantedLabel(in.Granted)).Inc()
	rec, err := h.consentLog.log.Append(r.Context(), in)
	if err != nil {
		h.logger.Error("consent record could not be stored or spooled",
			zap.Error(err), zap.String("consent_id", in.ConsentID), zap.String("event", string(in.Event)),
			zap.String("method", string(in.Method)), zap.Strings("granted", categoryStrings(in.Granted)),
			zap.String("policy_version", in.PolicyVersion), zap.String("locale", in.Locale), zap.Bool("gpc", in.GPC))
		return
	}
	h.logger.Info("consent decision", zap.String("record", rec.ID), zap.String("consent_id", rec.ConsentID),
		zap.String("event", string(rec.Event)), zap.String("method", string(rec.Method)),
		zap.Strings("granted", categoryStrings(rec.Granted)), zap.String("locale", rec.Locale))
}

// clientIP is the visitor's address as Caddy determined it (honouring
// trusted_proxies), falling back to the connection's.
func clientIP(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	return r.RemoteAddr
}
