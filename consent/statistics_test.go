package consent

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

// The statistics exception: an objection is kept in the cookie, counts for
// nothing where the site has no exception, and GPC is one.
func TestObjectionInTheCookie(t *testing.T) {
	c := newTestCodec(t, []byte("0123456789abcdef"))
	p := Policy{Version: "v2", AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour, Statistics: true}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	id := NewID()
	chose := Decision{ID: id, Granted: cats(media), Version: "v2", Time: now.Add(-time.Hour), Objected: true}
	alone := Decision{ID: id, Time: now.Add(-time.Hour), Objected: true}
	for _, tc := range []struct {
		name             string
		d                Decision
		statistics, gpc  bool
		decided, objects bool
		allowsMedia      bool
	}{
		{"objection with a choice", chose, true, false, true, true, true},
		{"objection alone", alone, true, false, false, true, false},
		{"no objection, GPC", Decision{ID: id, Version: "v2", Time: now}, true, true, true, true, false},
		{"no objection", Decision{ID: id, Version: "v2", Time: now}, true, false, true, false, false},
		{"objection where the site has no exception", chose, false, false, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := p
			p.Statistics = tc.statistics
			v := ReadVisitor(c, p, c.Encode(tc.d), tc.gpc, now)
			if v.Decision.Objected != tc.d.Objected || v.Decided != tc.decided || v.Objects() != tc.objects {
				t.Fatalf("visitor %+v (objects %v): want decided %v, objects %v", v, v.Objects(), tc.decided, tc.objects)
			}
			if v.Allows(trackers.Statistics) == tc.objects {
				t.Errorf("Allows(statistics) = %v with objects %v", !tc.objects, tc.objects)
			}
			if v.Allows(trackers.Media) != tc.allowsMedia {
				t.Errorf("Allows(media) = %v, want %v", !tc.allowsMedia, tc.allowsMedia)
			}
		})
	}
	all := Visitor{Decided: true, Decision: Decision{Granted: trackers.Categories}, Statistics: true}
	if !all.GrantsAll() {
		t.Error("all granted, no objection: GrantsAll false")
	}
	all.Decision.Objected = true
	if all.GrantsAll() {
		t.Error("all granted but statistics objected to: GrantsAll true, so the page would get no guard")
	}
	if got := p.CookieMaxAge(chose); got != MaxAge {
		t.Errorf("cookie with an objection lives %v, want the cap %v", got, MaxAge)
	}
}

func TestParseChoiceStatistics(t *testing.T) {
	stats := Visitor{Statistics: true}
	gpc := Visitor{Statistics: true, GPC: true}
	all := GPCRefusal(trackers.Categories)
	for _, tc := range []struct {
		name      string
		form      string
		prev      Visitor
		objection Objection
		only      bool
		err       bool
	}{
		{"object", "action=object", stats, ObjectionMade, true, false},
		{"object where the site has no exception", "action=object", Visitor{}, 0, false, true},
		{"allow statistics again", "action=allow_statistics", stats, ObjectionWithdrawn, true, false},
		{"allow statistics again under GPC", "action=allow_statistics", gpc, ObjectionKept, true, false},
		{"allow statistics where the site has no exception", "action=allow_statistics", Visitor{}, 0, false, true},
		{"save with statistics on", "action=save&category=statistics&category=media", stats, ObjectionWithdrawn, false, false},
		{"save with statistics off", "action=save&category=media", stats, ObjectionMade, false, false},
		{"save statistics where the site has no exception", "action=save&category=statistics", Visitor{}, 0, false, true},
		{"save where the site has no exception", "action=save&category=media", Visitor{}, ObjectionKept, false, false},
		{"accept all", "action=accept_all", stats, ObjectionWithdrawn, false, false},
		{"accept all under GPC keeps the objection", "action=accept_all", gpc, ObjectionKept, false, false},
		{"save statistics on under GPC keeps it", "action=save&category=statistics", gpc, ObjectionKept, false, false},
		{"reject all leaves it", "action=reject_all", stats, ObjectionKept, false, false},
		{"GPC from script", "action=gpc", stats, ObjectionMade, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, _ := url.ParseQuery(tc.form)
			c, err := ParseChoice(form, tc.prev, true, all)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if c.Objection != tc.objection || c.KeepsConsent != tc.only {
				t.Errorf("choice %+v: want objection %v, only %v", c, tc.objection, tc.only)
			}
			if slices.Contains(c.Granted, trackers.Statistics) {
				t.Errorf("choice %+v grants statistics as a consent category", c)
			}
		})
	}
}

func TestDecideObjection(t *testing.T) {
	p := Policy{Version: "v2", AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour, Statistics: true}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	object := Choice{Method: MethodObject, Objection: ObjectionMade, KeepsConsent: true}

	// An objection before any choice: a consent ID, no choice, the banner still asks.
	v, evs := p.Decide(Visitor{Statistics: true}, object, now)
	if !slices.Equal(evs, []Event{EventObjection}) || v.Decided || !v.Objects() || !ValidID(v.Decision.ID) || v.Decision.Version != "" {
		t.Fatalf("objection alone: %+v, events %v", v, evs)
	}
	if p.Current(v.Decision, now) {
		t.Error("an objection alone counts as a current choice")
	}
	id := v.Decision.ID

	// Then the first choice: initial, not a renewal, and the objection stands.
	v, evs = p.Decide(v, Choice{Method: MethodRejectAll}, now)
	if !slices.Equal(evs, []Event{EventInitial}) || !v.Decided || !v.Objects() || v.Decision.ID != id {
		t.Fatalf("first choice after an objection: %+v, events %v", v, evs)
	}

	// Accept all withdraws it: two records.
	v, evs = p.Decide(v, Choice{Method: MethodAcceptAll, Granted: trackers.Categories, Objection: ObjectionWithdrawn}, now)
	if !slices.Equal(evs, []Event{EventUpdate, EventObjectionWithdrawn}) || v.Objects() {
		t.Fatalf("accept all after an objection: %+v, events %v", v, evs)
	}

	// Objecting with a choice keeps the choice as it was.
	before := v.Decision
	v, evs = p.Decide(v, object, now.Add(time.Hour))
	if !slices.Equal(evs, []Event{EventObjection}) || !v.Decided || !v.Decision.Time.Equal(before.Time) || !slices.Equal(v.Decision.Granted, before.Granted) {
		t.Fatalf("objection after a choice: %+v, events %v", v, evs)
	}

	// Objecting again records nothing new.
	if _, evs = p.Decide(v, object, now); len(evs) != 0 {
		t.Errorf("a second objection: events %v, want none", evs)
	}
}

// Dismissing the notice is no choice and no record, and it stays through
// later choices.
func TestDismissTheNotice(t *testing.T) {
	c := newTestCodec(t, []byte("0123456789abcdef"))
	p := Policy{Version: "v2", AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour, Statistics: true}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	form, _ := url.ParseQuery("action=dismiss")
	ch, err := ParseChoice(form, Visitor{Statistics: true}, false, nil)
	if err != nil || !ch.Notice || !ch.KeepsConsent || ch.Objection != ObjectionKept {
		t.Fatalf("dismiss: %+v, %v", ch, err)
	}
	if _, err := ParseChoice(form, Visitor{}, false, nil); err == nil {
		t.Error("dismiss accepted where the site runs no statistics without consent")
	}
	v, evs := p.Decide(Visitor{Statistics: true}, ch, now)
	if len(evs) != 0 || v.Decided || !v.Decision.Noticed || v.Objects() {
		t.Fatalf("dismissed: %+v, events %v", v, evs)
	}
	v = ReadVisitor(c, p, c.Encode(v.Decision), false, now)
	if !v.Decision.Noticed || v.Decided {
		t.Fatalf("dismissed, read back: %+v", v)
	}
	v, _ = p.Decide(v, Choice{Method: MethodRejectAll}, now)
	if !v.Decision.Noticed {
		t.Error("a choice after the notice forgot it")
	}
}

// Runs names statistics only where the site has the exception and the
// visitor has not objected, beside what they consented to.
func TestRuns(t *testing.T) {
	media := Decision{Granted: cats(trackers.Media)}
	for _, tc := range []struct {
		v    Visitor
		want []trackers.Category
	}{
		{Visitor{}, nil},
		{Visitor{Statistics: true}, cats(trackers.Statistics)},
		{Visitor{Statistics: true, GPC: true}, nil},
		{Visitor{Decided: true, Decision: media}, cats(trackers.Media)},
		{Visitor{Decided: true, Decision: media, Statistics: true}, cats(trackers.Media, trackers.Statistics)},
		{Visitor{Decided: true, Decision: Decision{Granted: cats(trackers.Media), Objected: true}, Statistics: true}, cats(trackers.Media)},
	} {
		if got := tc.v.Runs(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: Runs() = %v, want %v", tc.v, got, tc.want)
		}
	}
}
