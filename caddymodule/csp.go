package caddymodule

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cspreport"
	"github.com/consentgate/consentgate/rewrite"
	"github.com/consentgate/consentgate/trackers"
)

// Pre-consent CSP modes.
const (
	cspReportOnly = "report-only"
	cspEnforce    = "enforce"
)

// preConsentCSP builds the policy for a visitor who has not consented to
// every category: the site itself, the sources the operator allows and the
// hosts of consented categories. A tracker that a first-party script
// injects at run time is then blocked (enforce) or at least reported.
func (h *Handler) preConsentCSP(v consent.Visitor) string {
	sources := []string{"'self'"}
	sources = append(sources, h.PreConsentCSPAllow...)
	for _, r := range h.catalogue.GuardHosts() {
		// A source is a host and a path: CSP has no queries, and a path
		// ending in "/" covers everything below it.
		if r.Category == trackers.Necessary || !v.Allows(r.Category) {
			continue
		}
		for _, src := range []string{r.Host + r.Path, "*." + r.Host + r.Path} {
			if !slices.Contains(sources, src) {
				sources = append(sources, src)
			}
		}
	}
	list := strings.Join(sources, " ")
	policy := fmt.Sprintf("script-src %[1]s 'unsafe-inline' 'unsafe-eval' blob:; connect-src %[1]s; img-src %[1]s data: blob:; frame-src %[1]s", list)
	if h.PreConsentCSP != "" { // the report endpoint exists only then
		policy += "; report-uri " + Prefix + "/csp-report"
	}
	return policy
}

// enforcePreConsentCSP is the wall for HTML the rewriter may not change
// (Cache-Control: no-transform): the pre-consent policy enforced, whatever
// pre_consent_csp says, so the browser itself refuses the tracker loads the
// rewriter would have held. Sources the site's pages need from other hosts
// belong in pre_consent_csp_allow.
func (h *Handler) enforcePreConsentCSP(hdr http.Header, v consent.Visitor) {
	hdr.Add("Content-Security-Policy", h.preConsentCSP(v))
}

// setPreConsentCSP adds the pre-consent policy to an HTML response, as a
// second policy beside any the site sends (browsers enforce both).
func (h *Handler) setPreConsentCSP(hdr http.Header, v consent.Visitor) {
	if h.PreConsentCSP == "" {
		return
	}
	for _, c := range trackers.Optional {
		if !v.Allows(c) {
			name := "Content-Security-Policy-Report-Only"
			if h.PreConsentCSP == cspEnforce {
				name = "Content-Security-Policy"
			}
			hdr.Add(name, h.preConsentCSP(v))
			return
		}
	}
}

// cspNonces returns the nonces a page's Content-Security-Policy allows for
// scripts and for styles, so the injected banner carries them: a page with a
// strict, nonce-based policy would otherwise block it. No nonce is ever
// added to the page's policy: that would disable its own inline code.
func cspNonces(hdr http.Header) (script, style string) {
	for _, policy := range hdr.Values("Content-Security-Policy") {
		sc, st := rewrite.CSPNonces(policy)
		script, style = cmp.Or(script, sc), cmp.Or(style, st)
	}
	return script, style
}

// allowInlineHash adds source (a 'sha256-…' hash source) to every policy in
// hdr that would otherwise block an inline script without a nonce: one whose
// script directive has neither a nonce nor a plain 'unsafe-inline'. That
// leaves what the page allowed unchanged: a hash only ever allows the one
// script it names, and a list without 'unsafe-inline' (or where nonces or
// hashes already disable it) allowed no other inline script before.
func allowInlineHash(hdr http.Header, source string) {
	for _, name := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		policies := hdr.Values(name)
		changed := false
		for i, policy := range policies {
			if p, ok := withInlineHash(policy, source); ok {
				policies[i], changed = p, true
			}
		}
		if changed {
			hdr[http.CanonicalHeaderKey(name)] = policies
		}
	}
}

// withInlineHash returns policy with source added to the directive that
// governs inline scripts, and whether it had to be.
func withInlineHash(policy, source string) (string, bool) {
	dirs := strings.Split(policy, ";")
	at := map[string]int{}
	for i, d := range dirs {
		name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name = strings.ToLower(name); name != "" {
			if _, seen := at[name]; !seen {
				at[name] = i
			}
		}
	}
	for _, name := range []string{"script-src-elem", "script-src", "default-src"} {
		i, ok := at[name]
		if !ok {
			continue
		}
		unsafeInline, keyed := false, false
		for src := range strings.FieldsSeq(strings.ToLower(dirs[i])) {
			switch {
			case src == "'unsafe-inline'":
				unsafeInline = true
			case strings.HasPrefix(src, "'nonce-"):
				return policy, false // the guard carries the nonce
			case strings.HasPrefix(src, "'sha256-"), strings.HasPrefix(src, "'sha384-"), strings.HasPrefix(src, "'sha512-"):
				keyed = true
			}
		}
		if unsafeInline && !keyed {
			return policy, false
		}
		dirs[i] = strings.TrimRight(dirs[i], " ") + " " + source
		return strings.Join(dirs, ";"), true
	}
	return policy, false
}

// cspReports counts the violations reported to every handler. It is
// process-wide, like the metrics: a reload neither forgets nor re-announces
// hosts.
var cspReports = cspreport.NewCounts(countCSPViolation)

// countCSPViolation is the metric of one violation counted.
func countCSPViolation(host string) {
	metrics.cspViolation.WithLabelValues(boundedHost(host)).Inc()
}

// serveCSPReport counts what the pre-consent policy caught. It exists only
// with pre_consent_csp. Reports are fire-and-forget for the browser, so
// every accepted or rate-limited report is answered 204, and nothing of a
// report is ever sent back.
func (h *Handler) serveCSPReport(w http.ResponseWriter, r *http.Request) error {
	if h.PreConsentCSP == "" {
		return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("cookie_consent: no endpoint %q without pre_consent_csp", "csp-report"))
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return caddyhttp.Error(http.StatusMethodNotAllowed, fmt.Errorf("cookie_consent: csp-report: method %s", r.Method))
	}
	if !cspReports.Allow(h.logger, clientIP(r)) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cspreport.MaxBody))
	if err != nil {
		return caddyhttp.Error(http.StatusRequestEntityTooLarge, fmt.Errorf("cookie_consent: csp-report: %w", err))
	}
	vs, err := cspreport.Parse(body)
	if err != nil {
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("cookie_consent: csp-report: %w", err))
	}
	cspReports.Add(h.logger, vs)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
