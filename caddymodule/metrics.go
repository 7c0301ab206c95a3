package caddymodule

import (
	"errors"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentgate/consentgate/trackers"
)

// The module's Prometheus metrics. They are process-wide, so counts survive
// config reloads, and registered into each config's registry (Caddy's
// /metrics). Every label has a bounded set of values: categories, methods,
// catalogue vendor IDs, fixed reasons, or a capped set of hosts.
var metrics = struct {
	decisions    *prometheus.CounterVec
	neutralised  *prometheus.CounterVec
	rewriteError *prometheus.CounterVec
	passThrough  *prometheus.CounterVec
	spooled      *prometheus.GaugeVec
	storeUp      *prometheus.GaugeVec
	cspViolation *prometheus.CounterVec
	logins       *prometheus.CounterVec
}{
	decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "decisions_total",
		Help: "Consent decisions, by event (initial, update, withdraw, renewal), method (accept_all, no_js_form, gpc, ...) and what was granted (all, none, some).",
	}, []string{"event", "method", "granted"}),
	neutralised: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "neutralised_elements_total",
		Help: "Tracker elements made inert in HTML responses, by catalogue vendor ID.",
	}, []string{"vendor"}),
	rewriteError: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "rewrite_errors_total",
		Help: "HTML responses the rewriter could not finish, by reason.",
	}, []string{"reason"}),
	passThrough: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "passthrough_total",
		Help: "Markup responses sent on without rewriting, by reason.",
	}, []string{"reason"}),
	spooled: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "consentgate", Name: "spool_records",
		Help: "Consent records waiting in the local spool for the store, by store.",
	}, []string{"store"}),
	storeUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "consentgate", Name: "store_up",
		Help: "1 while the consent log store accepts records directly, 0 while records are spooled.",
	}, []string{"store"}),
	cspViolation: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "csp_violations_total",
		Help: "Pre-consent CSP violation reports, by blocked host (capped; the rest count as \"other\").",
	}, []string{"host"}),
	logins: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "consentgate", Name: "console_logins_total",
		Help: "DPO console login attempts, by result (ok, failed, throttled).",
	}, []string{"result"}),
}

// registerMetrics adds the module's collectors to the config's registry.
// Several handlers in one config share it, so a collector already there is
// fine.
func registerMetrics(ctx caddy.Context) error {
	reg := ctx.GetMetricsRegistry()
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{
		metrics.decisions, metrics.neutralised, metrics.rewriteError, metrics.passThrough,
		metrics.spooled, metrics.storeUp, metrics.cspViolation, metrics.logins,
	} {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return err
		}
	}
	return nil
}

// maxLabelHosts caps the distinct host label values a metric fed by
// visitors' reports may take.
const maxLabelHosts = 200

var labelHosts = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

// boundedHost returns host if it is one of the first maxLabelHosts seen,
// else "other", so hostile reports cannot grow the metric without bound.
func boundedHost(host string) string {
	labelHosts.Lock()
	defer labelHosts.Unlock()
	if labelHosts.seen[host] {
		return host
	}
	if len(labelHosts.seen) >= maxLabelHosts {
		return "other"
	}
	labelHosts.seen[host] = true
	return host
}

// grantedLabel says how much a decision granted: the accept and reject
// rates a DPO asks for, whichever form or button it came from.
func grantedLabel(granted []trackers.Category) string {
	switch len(granted) {
	case 0:
		return "none"
	case len(trackers.Categories):
		return "all"
	}
	return "some"
}

// neutralisedOf is the neutralised-elements counter of vendor v, looked up
// in the vector once per vendor and configuration rather than per element.
func (h *Handler) neutralisedOf(v *trackers.Vendor) prometheus.Counter {
	if c, ok := h.neutralisedBy.Load(v); ok {
		return c.(prometheus.Counter)
	}
	c, _ := h.neutralisedBy.LoadOrStore(v, metrics.neutralised.WithLabelValues(v.ID))
	return c.(prometheus.Counter)
}
