package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookiepolicy"
	"github.com/consentgate/consentgate/cookieseen"
	"github.com/consentgate/consentgate/trackers"
)

// declaration is what the site declares at one reading of its sightings:
// the policy version its visitors consent under and what its cookie table
// lists besides the config's own rows.
type declaration struct {
	from    *seenState
	version string
	// asked are the vendors seen in the site's pages or its own responses'
	// cookies: what a visitor is asked about, so a new one re-prompts.
	asked []string
	// listed are asked and the vendors whose cookies only visitors'
	// browsers reported. Anyone can post a report, so such a vendor is
	// listed but never re-prompts.
	listed      []string
	undescribed []cookiepolicy.Found
}

// declarations derives a handler's declaration from the newest reading of
// its sightings, once per reading, and records each new version in the
// store, which says since when it stands.
type declarations struct {
	mu      sync.Mutex
	cur     atomic.Pointer[declaration]
	changed atomic.Pointer[changedAt]
}

type changedAt struct {
	version string
	at      time.Time
}

// declaration is the handler's current declaration. It costs an atomic load
// unless the sightings changed.
func (h *Handler) declaration() *declaration {
	st := h.consentLog.seen.state.Load()
	if d := h.decls.cur.Load(); d != nil && d.from == st {
		return d
	}
	h.decls.mu.Lock()
	defer h.decls.mu.Unlock()
	prev := h.decls.cur.Load()
	if prev != nil && prev.from == st {
		return prev
	}
	d := h.derive(st)
	h.decls.cur.Store(d)
	if prev == nil || prev.version != d.version {
		h.decls.changed.Store(&changedAt{version: d.version, at: time.Now().UTC()})
		go h.recordDeclaration(d)
	}
	return d
}

// consentPolicy is the consent policy at the current declaration's version.
func (h *Handler) consentPolicy() consent.Policy {
	p := h.policy
	p.Version = h.declaration().version
	return p
}

// derive computes the declaration of one reading.
func (h *Handler) derive(st *seenState) *declaration {
	d := &declaration{from: st}
	asked, listed := map[string]bool{}, map[string]bool{}
	for _, x := range st.all {
		switch x.Kind {
		case cookieseen.Vendor:
			if x.Source == cookieseen.Page {
				asked[x.Name] = true
			}
		case cookieseen.Cookie, cookieseen.Storage:
			if v, _ := h.catalogue.MatchCookie(x.Name); v != nil {
				listed[v.ID] = true
				if x.Source == cookieseen.Upstream {
					asked[v.ID] = true
				}
			} else if x.Kind == cookieseen.Cookie && x.Source == cookieseen.Upstream && !h.cookies.Describes(x.Name) {
				e, _ := cookieseen.ExpiryOf(x.MaxAge) // an upstream sighting has one
				d.undescribed = append(d.undescribed, cookiepolicy.Found{Name: x.Name, Expiry: e})
			}
		}
	}
	for id := range asked {
		d.asked = append(d.asked, id)
		listed[id] = true
	}
	for id := range listed {
		d.listed = append(d.listed, id)
	}
	slices.Sort(d.asked)
	slices.Sort(d.listed)
	d.version = h.derivePolicyVersion(h.cookies.Vendors(d.asked))
	return d
}

// derivePolicyVersion hashes what a visitor consents to, in two parts
// (see consent.Policy.Version). The base is the site's policy_version,
// Consent Mode and the statistics exception: changing them asks everyone
// again. The content is the
// vendors the site was seen to use, with their categories, hosts and
// cookies, and the site's own optional cookies as the table describes
// them: a new vendor seen, a cookie declared or a declared cookie's
// description changed asks again everyone who granted something. A cookie
// seen that was known already, a strictly necessary cookie or a catalogue
// vendor the site does not use changes neither.
func (h *Handler) derivePolicyVersion(vendors []*trackers.Vendor) string {
	base := sha256.New()
	fmt.Fprintf(base, "%s\n", h.PolicyVersion)
	if h.ConsentMode == "advanced" {
		fmt.Fprintf(base, "consent_mode advanced\n") // Google tags load before consent
	}
	if e := h.StatisticsException; e != nil {
		fmt.Fprintf(base, "statistics_exception %q\n", e.Vendors) // everyone is told of it
	}
	s := sha256.New()
	for _, v := range vendors {
		fmt.Fprintf(s, "%s|%s|%v|%v\n", v.ID, v.Category, v.Hosts, v.Paths)
		for _, c := range v.Cookies {
			fmt.Fprintf(s, " %s|%v\n", c.Name, c.Prefix)
		}
	}
	for _, c := range h.Cookies {
		if trackers.Category(c.Category) != trackers.Necessary {
			fmt.Fprintf(s, "site %q %q %v %q %q %q %q %q %q\n", c.Name, c.Category, c.Prefix, c.Provider,
				c.Purpose, c.PurposeCy, c.Content, c.ContentCy, c.Expires)
		}
	}
	return hex.EncodeToString(base.Sum(nil))[:6] + "-" + hex.EncodeToString(s.Sum(nil))[:10]
}

// recordDeclaration records d's version in the store, which answers since
// when it stands: the table's "last changed", the same on every node. A
// store that cannot say leaves it at the time this node saw the change.
func (h *Handler) recordDeclaration(d *declaration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	since, err := h.consentLog.store.Declare(ctx, h.declared(d))
	if err != nil {
		h.logger.Debug("cookie declaration not recorded; the table's date is this node's", zap.Error(err))
		return
	}
	if c := h.decls.changed.Load(); c.version == d.version { // not overtaken by a newer version
		h.decls.changed.CompareAndSwap(c, &changedAt{version: d.version, at: since.UTC()})
	}
}

// tableChanged is when the current declaration began to stand.
func (h *Handler) tableChanged() time.Time {
	if c := h.decls.changed.Load(); c != nil && c.version == h.declaration().version {
		return c.at
	}
	return time.Time{}
}

// declared is d as the store keeps it: the cookies the site's config
// describes (the consent cookie, the strictly necessary and the declared
// ones) and the vendors its visitors are asked about.
func (h *Handler) declared(d *declaration) cookieseen.Declaration {
	rec := cookieseen.Declaration{Version: d.version, Vendors: d.asked}
	for _, r := range h.cookies.Table(cookiepolicy.TableInput{Site: h.SiteName, Consent: h.policy}) {
		rec.Cookies = append(rec.Cookies, cookieseen.Declared{Name: r.Name, Prefix: r.Prefix, Category: string(r.Category)})
	}
	return rec
}

// findings is the console's review of what the site was seen to use
// against its live declaration.
func (h *Handler) findings(ctx context.Context) ([]cookieseen.Finding, error) {
	seen, err := h.consentLog.store.Sightings(ctx)
	if err != nil {
		return nil, err
	}
	known, err := h.consentLog.store.KnownCookies(ctx)
	if err != nil {
		return nil, err
	}
	return cookieseen.Review(seen, h.declared(h.declaration()), h.catalogue, known), nil
}
