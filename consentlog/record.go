package consentlog

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/trackers"
)

// DefaultRetentionMonths is the retention rule 27 asks for by default; the
// caller turns it into a cutoff: now.AddDate(0, -DefaultRetentionMonths, 0).
const DefaultRetentionMonths = 24

// Event says why a record was written: a visitor's (consent.Event) or
// the log's own erasure.
type Event = consent.Event

// Events. Erasure is written by Store.Erase, never by a visitor.
const (
	EventInitial  = consent.EventInitial
	EventUpdate   = consent.EventUpdate
	EventWithdraw = consent.EventWithdraw
	EventRenewal  = consent.EventRenewal
	// An objection to statistics run under the exception, and its
	// withdrawal: the granted columns are the consent the visitor had.
	EventObjection                = consent.EventObjection
	EventObjectionWithdrawn       = consent.EventObjectionWithdrawn
	EventErasure            Event = "erasure" // personal fields of one consent ID were erased
)

// Events lists every Event, in documentation order.
var Events = []Event{EventInitial, EventUpdate, EventWithdraw, EventRenewal, EventObjection, EventObjectionWithdrawn, EventErasure}

// Method says how the choice was expressed: a visitor's (consent.Method)
// or through the API.
type Method = consent.Method

// Methods.
const (
	MethodAcceptAll           = consent.MethodAcceptAll
	MethodRejectAll           = consent.MethodRejectAll
	MethodSaveSettings        = consent.MethodSaveSettings
	MethodPlaceholder         = consent.MethodPlaceholder
	MethodGPC                 = consent.MethodGPC
	MethodNoJSForm            = consent.MethodNoJSForm
	MethodObject              = consent.MethodObject
	MethodAPI          Method = "api" // also the method of erasure records
)

// Methods lists every Method.
var Methods = []Method{MethodAcceptAll, MethodRejectAll, MethodSaveSettings, MethodPlaceholder, MethodGPC, MethodNoJSForm, MethodObject, MethodAPI}

// ConsentMode is the Google Consent Mode v2 state sent to the page with the
// decision; true means "granted". It is consent.ConsentMode, which maps
// categories to it (consent.ConsentModeFor), as a type of the log's own so
// the store builds it from its columns.
type ConsentMode consent.ConsentMode

// Input is what the caller knows about a decision. It deliberately has no
// time and no stored IP: Log.Append stamps the server time and keeps only
// the truncated IP and the browser family.
type Input struct {
	ConsentID     string
	Event         Event
	Method        Method
	Granted       []trackers.Category // Necessary is ignored
	ConsentMode   ConsentMode
	GPC           bool
	PolicyVersion string
	BannerHash    string // hash of the banner text shown, see BannerHash
	Locale        string
	URL           string // page URL or path; query and fragment are dropped
	RemoteIP      string // full address, optionally with port; truncated before storage
	UserAgent     string // reduced to a browser family before storage
}

// FromDecision fills the fields of an Input that the consent cookie holds.
func FromDecision(d consent.Decision) Input {
	return Input{ConsentID: d.ID, Granted: slices.Clone(d.Granted), PolicyVersion: d.Version}
}

// Record is one stored, append-only entry of the log.
type Record struct {
	Seq            int64               `json:"seq"` // position in the chain, set by the store
	ID             string              `json:"id"`  // time-sortable, see NewID
	Time           time.Time           `json:"time"`
	ConsentID      string              `json:"consent_id"`
	Event          Event               `json:"event"`
	Method         Method              `json:"method"`
	Granted        []trackers.Category `json:"granted"` // in catalogue order
	ConsentMode    ConsentMode         `json:"consent_mode"`
	GPC            bool                `json:"gpc"`
	PolicyVersion  string              `json:"policy_version"`
	BannerHash     string              `json:"banner_hash"`
	Locale         string              `json:"locale"`
	Path           string              `json:"path"`
	IP             string              `json:"ip"` // truncated
	Browser        string              `json:"browser"`
	ErasedIDs      []string            `json:"erased_ids"` // erasure records: the records erased
	Erased         bool                `json:"erased"`     // personal fields blanked by an erasure
	PersonalDigest string              `json:"personal_digest"`
	PrevHash       string              `json:"prev_hash"`
	Hash           string              `json:"hash"`
}

// Allows reports whether the record grants category c.
func (r Record) Allows(c trackers.Category) bool {
	return c == trackers.Necessary || slices.Contains(r.Granted, c)
}

// Limits on free-text fields, so a crafted request cannot bloat the log.
const (
	maxPath  = 512
	maxShort = 64
	maxText  = 128
)

// NewRecord turns an Input into a Record stamped with time now: it truncates
// the IP, derives the browser family and drops the query string. Log.Append
// calls it with the current time; it is exported for callers that batch.
func NewRecord(in Input, now time.Time) Record {
	return normalise(Record{
		ID:            NewID(now),
		Time:          now,
		ConsentID:     in.ConsentID,
		Event:         in.Event,
		Method:        in.Method,
		Granted:       in.Granted,
		ConsentMode:   in.ConsentMode,
		GPC:           in.GPC,
		PolicyVersion: in.PolicyVersion,
		BannerHash:    in.BannerHash,
		Locale:        in.Locale,
		Path:          in.URL,
		IP:            in.RemoteIP,
		Browser:       BrowserFamily(in.UserAgent),
	})
}

// normalise applies the storage rules; it is idempotent, and the store runs
// it again on every append so that no caller can bypass it.
func normalise(r Record) Record {
	r.Time = r.Time.UTC().Truncate(time.Microsecond)
	r.Path = truncate(StripQuery(r.Path), maxPath)
	r.IP = TruncateIP(r.IP)
	r.Granted = inColumnOrder(r.Granted)
	r.PolicyVersion = truncate(r.PolicyVersion, maxShort)
	r.BannerHash = truncate(r.BannerHash, maxText)
	r.Locale = truncate(r.Locale, maxShort)
	if !slices.Contains(browsers, r.Browser) {
		r.Browser = BrowserOther
	}
	if r.ErasedIDs == nil {
		r.ErasedIDs = []string{}
	}
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so the stored text stays valid UTF-8.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// storedCategories are the categories with a column of their own, in column
// order. Adding a category to trackers.Categories needs a schema migration
// here; until then records granting it are rejected rather than truncated.
var storedCategories = []trackers.Category{trackers.Analytics, trackers.Media, trackers.Social, trackers.Marketing}

// inColumnOrder returns cs in storedCategories order without necessary,
// followed by any category with no column.
func inColumnOrder(cs []trackers.Category) []trackers.Category {
	out := make([]trackers.Category, 0, len(storedCategories))
	for _, c := range storedCategories {
		if slices.Contains(cs, c) {
			out = append(out, c)
		}
	}
	for _, c := range cs { // kept so that validate can reject them
		if c != trackers.Necessary && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// ErrInvalid is wrapped by errors for records the log will never accept, so
// that the Log does not spool them for ever.
var ErrInvalid = errors.New("consentlog: invalid record")

func validate(r Record) error {
	if !slices.Contains(Events, r.Event) {
		return fmt.Errorf("%w: event %q", ErrInvalid, r.Event)
	}
	if !slices.Contains(Methods, r.Method) {
		return fmt.Errorf("%w: method %q", ErrInvalid, r.Method)
	}
	if r.Time.IsZero() || r.ID == "" {
		return fmt.Errorf("%w: record without id or time", ErrInvalid)
	}
	for _, c := range r.Granted {
		if !slices.Contains(storedCategories, c) {
			return fmt.Errorf("%w: category %q", ErrInvalid, c)
		}
	}
	if r.Event == EventErasure {
		return nil
	}
	if !consent.ValidID(r.ConsentID) {
		return fmt.Errorf("%w: consent id %q", ErrInvalid, r.ConsentID)
	}
	return nil
}

// TruncateIP reduces an address to its network: IPv4 to /24, IPv6 to /48.
// It accepts "host:port" and "[v6]:port" forms as well as bare addresses;
// anything it cannot parse becomes "" so that no unrecognised spelling of a
// full address can reach storage.
func TruncateIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return ""
		}
		a = ap.Addr()
	}
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}

// Browser families BrowserFamily reports.
const (
	BrowserChrome  = "Chrome"
	BrowserEdge    = "Edge"
	BrowserFirefox = "Firefox"
	BrowserSafari  = "Safari"
	BrowserSamsung = "Samsung Internet"
	BrowserOpera   = "Opera"
	BrowserOther   = "other"
)

var browsers = []string{BrowserChrome, BrowserEdge, BrowserFirefox, BrowserSafari, BrowserSamsung, BrowserOpera, BrowserOther}

// BrowserFamily reduces a User-Agent to a coarse family: enough for a DPO to
// see which browsers consent came from, too little to fingerprint anyone.
// Order matters: Edge, Opera and Samsung Internet all claim to be Chrome,
// and Chrome claims to be Safari.
func BrowserFamily(ua string) string {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(ua, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("Edg/", "Edge/", "EdgA/", "EdgiOS/"):
		return BrowserEdge
	case has("OPR/", "Opera", "OPiOS/", "OPT/"):
		return BrowserOpera
	case has("SamsungBrowser/"):
		return BrowserSamsung
	case has("Firefox/", "FxiOS/"):
		return BrowserFirefox
	case has("Chrome/", "CriOS/", "Chromium/"):
		return BrowserChrome
	case has("Safari/") && has("Version/"):
		return BrowserSafari
	}
	return BrowserOther
}

// StripQuery returns the path of a page URL without query string or
// fragment: queries carry search terms, tokens and e-mail addresses that
// have no place in a consent record. Absolute URLs are reduced to their path.
func StripQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if strings.Contains(raw, "://") || strings.HasPrefix(raw, "//") {
		u, err := url.Parse(raw)
		if err != nil {
			return ""
		}
		raw = u.EscapedPath()
	}
	return raw
}

// crockford is the ULID alphabet: sortable, no I, L, O, U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a ULID-shaped identifier: 48 bits of milliseconds since the
// epoch then 80 random bits, 26 Crockford base-32 characters. IDs sort by
// the time they were made, whichever node made them, which is what a DPO
// browsing the table expects.
func NewID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	// 128 bits as 26 groups of 5 bits (the first group holds 3 bits).
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
