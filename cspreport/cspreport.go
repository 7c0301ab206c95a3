// Package cspreport reads the violation reports browsers send under the
// pre-consent Content-Security-Policy and counts them in bounded memory:
// violations by (blocked host, page) in a capped table, one log line per new
// host, at most one summary a minute, and reports rationed per client
// network. Nothing of a report reaches a log but its host, path and
// directive name, each checked to be short printable ASCII.
package cspreport

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consentlog"
	"github.com/consentgate/consentgate/internal/ratelimit"
)

// Bounds of the CSP report endpoint. Real reports are well under 2 KB and a
// page sends a few per load, so these bind only a flood.
const (
	// MaxBody caps the bytes of one post; the endpoint refuses a larger one.
	MaxBody          = 16 << 10
	maxCSPPerPost    = 32   // violations read from one Reporting API post
	maxCSPEntries    = 1000 // (host, page) pairs counted; the rest count as "other"
	maxCSPLogged     = 100  // hosts announced with a log line of their own
	cspSummaryEvery  = time.Minute
	cspSummaryTop    = 10
	cspReportsPerSec = 1  // per client network, after
	cspReportBurst   = 30 // a page load's worth
)

// Violation is one report as the browser sent it.
type Violation struct {
	Blocked, Document, Directive string
}

// ErrNotReport is Parse's only error: the body has neither report shape.
var ErrNotReport = errors.New("not a CSP violation report")

// Parse reads a violation report in either format browsers send:
// application/csp-report (report-uri: {"csp-report": {...}}) or the
// Reporting API's application/reports+json (report-to: an array of
// {"type": "csp-violation", "body": {...}}, other types skipped). It takes
// the body alone, whatever the Content-Type says, and never fails on a
// field's contents, only on the shape.
func Parse(body []byte) ([]Violation, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var reports []struct {
			Type string `json:"type"`
			Body struct {
				Blocked   string `json:"blockedURL"`
				Document  string `json:"documentURL"`
				Effective string `json:"effectiveDirective"`
			} `json:"body"`
		}
		if err := json.Unmarshal(body, &reports); err != nil {
			return nil, ErrNotReport
		}
		var out []Violation
		for _, r := range reports {
			if r.Type == "csp-violation" && r.Body.Blocked != "" && len(out) < maxCSPPerPost {
				out = append(out, Violation{r.Body.Blocked, r.Body.Document, r.Body.Effective})
			}
		}
		if len(out) == 0 {
			return nil, ErrNotReport
		}
		return out, nil
	}
	var legacy struct {
		Report *struct {
			Blocked   string `json:"blocked-uri"`
			Document  string `json:"document-uri"`
			Violated  string `json:"violated-directive"`
			Effective string `json:"effective-directive"`
		} `json:"csp-report"`
	}
	if err := json.Unmarshal(body, &legacy); err != nil || legacy.Report == nil || legacy.Report.Blocked == "" {
		return nil, ErrNotReport
	}
	r := legacy.Report
	return []Violation{{r.Blocked, r.Document, cmp.Or(r.Effective, r.Violated)}}, nil
}

// cspKey is what violations are counted by: the blocked host ("inline",
// "eval", "data", "blob" for the CSP keywords, "invalid" for anything else)
// and the page's path, without query. Both are safe to log and to use as a
// label: printable ASCII, bounded length.
type cspKey struct{ host, page string }

func (v Violation) key() cspKey {
	return cspKey{host: blockedHost(v.Blocked), page: reportedPath(v.Document)}
}

func blockedHost(s string) string {
	switch s {
	case "inline", "eval", "data", "blob", "wasm-eval", "trusted-types-policy", "trusted-types-sink":
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "invalid"
	}
	switch u.Scheme {
	case "data", "blob":
		return u.Scheme
	}
	h := strings.ToLower(u.Hostname())
	if h == "" || len(h) > 253 || strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789.-_[]:") != "" {
		return "invalid"
	}
	return h
}

func reportedPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "invalid"
	}
	p := cmp.Or(u.EscapedPath(), "/")
	if len(p) > 256 {
		p = p[:256]
	}
	if strings.Trim(p, "!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~%") != "" {
		return "invalid" // EscapedPath keeps a RawPath only when it is valid, so this is never reached by a real path
	}
	return p
}

// Counts keeps counts, not lines: violations by (host, page) in a table
// of at most maxCSPEntries, one log line the first time a host is seen, and
// at most one summary a minute while reports arrive. One is meant to live
// as long as the process, like the metrics: a reload neither forgets nor
// re-announces hosts.
type Counts struct {
	now         func() time.Time
	limiter     *ratelimit.Limiter
	onViolation func(host string)

	mu          sync.Mutex
	counts      map[cspKey]uint64
	other       uint64 // violations beyond the table
	announced   map[string]bool
	overAnnounc bool // the one "more hosts, not logged" line has been written
	dropped     uint64
	sinceLast   uint64 // violations since the last summary
	lastSummary time.Time
}

// NewCounts returns an empty table. onViolation, if not nil, is called with
// the blocked host of every violation counted (already checked to be short
// printable ASCII), for a metric.
func NewCounts(onViolation func(host string)) *Counts {
	return &Counts{
		now: time.Now, limiter: ratelimit.New(cspReportsPerSec, cspReportBurst, 4096), onViolation: onViolation,
		counts: map[cspKey]uint64{}, announced: map[string]bool{},
	}
}

// Allow reports whether a post from the client at ip (with or without
// port) may be read. A refused one is counted, and the first refusal of a
// client network is logged with the network, never the address.
func (c *Counts) Allow(log *zap.Logger, ip string) bool {
	ok, started := c.limiter.Take(ip, c.now())
	if ok {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropped++
	if started {
		log.Warn("pre-consent CSP: too many reports from one client network; dropping its reports for now",
			zap.String("client_network", consentlog.TruncateIP(ip)))
	}
	return false
}

// Add counts one post's violations and logs what is due.
func (c *Counts) Add(log *zap.Logger, vs []Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range vs {
		k := v.key()
		if c.onViolation != nil {
			c.onViolation(k.host)
		}
		c.sinceLast++
		if _, ok := c.counts[k]; ok || len(c.counts) < maxCSPEntries {
			c.counts[k]++
		} else {
			c.other++
		}
		if c.announced[k.host] {
			continue
		}
		if len(c.announced) >= maxCSPLogged {
			if !c.overAnnounc {
				c.overAnnounc = true
				log.Warn("pre-consent CSP: more blocked hosts than are announced one by one; they are counted in the summary and the csp_violations_total metric",
					zap.Int("announced", len(c.announced)))
			}
			continue
		}
		c.announced[k.host] = true
		log.Warn("pre-consent CSP blocked a host on a page; further reports are counted, not logged",
			zap.String("host", k.host), zap.String("page", k.page), zap.String("directive", directiveName(v.Directive)))
	}
	c.summarise(log)
}

// summarise writes the top counts once a minute at most, and only when
// something came in since the last one. Without a timer: a quiet endpoint
// writes nothing, and the metric has the live counts.
func (c *Counts) summarise(log *zap.Logger) {
	now := c.now()
	if c.lastSummary.IsZero() {
		c.lastSummary = now
		return
	}
	if c.sinceLast == 0 || now.Sub(c.lastSummary) < cspSummaryEvery {
		return
	}
	type entry struct {
		cspKey
		n uint64
	}
	top := make([]entry, 0, len(c.counts))
	for k, n := range c.counts {
		top = append(top, entry{k, n})
	}
	slices.SortFunc(top, func(a, b entry) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.host, b.host), cmp.Compare(a.page, b.page))
	})
	top = top[:min(len(top), cspSummaryTop)]
	lines := make([]string, len(top))
	for i, e := range top {
		lines[i] = fmt.Sprintf("%s on %s: %d", e.host, e.page, e.n)
	}
	log.Info("pre-consent CSP violations counted",
		zap.Uint64("since_last_summary", c.sinceLast), zap.Strings("top", lines),
		zap.Uint64("other", c.other), zap.Int("counted_pairs", len(c.counts)), zap.Uint64("reports_dropped", c.dropped))
	c.sinceLast, c.lastSummary = 0, now
}

// directiveName keeps a reported directive only if it is one CSP has.
func directiveName(d string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
	name = strings.ToLower(name)
	if name == "" {
		return "unknown"
	}
	if len(name) > 32 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz-") != "" {
		return "invalid"
	}
	return name
}
