package consent

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

var (
	analytics = trackers.Analytics
	media     = trackers.Media
	social    = trackers.Social
	marketing = trackers.Marketing
)

func cats(cs ...trackers.Category) []trackers.Category { return cs }

func TestParseChoice(t *testing.T) {
	decided := Visitor{Decided: true, Decision: Decision{ID: NewID(), Granted: cats(analytics, media)}}
	expired := Visitor{Decision: decided.Decision} // a cookie that no longer stands
	gpc := func(v Visitor) Visitor { v.GPC = true; return v }
	all := GPCRefusal(trackers.Categories)
	for _, tc := range []struct {
		name    string
		form    string
		prev    Visitor
		js      bool
		refusal GPCRefusal
		want    Choice
		err     string // empty: no error
	}{
		{"accept all", "action=accept_all", Visitor{}, true, all, Choice{Granted: cats(analytics, media, social, marketing), Method: MethodAcceptAll}, ""},
		{"accept all without js", "action=accept_all", Visitor{}, false, all, Choice{Granted: cats(analytics, media, social, marketing), Method: MethodNoJSForm}, ""},
		{"accept all under GPC", "action=accept_all", gpc(Visitor{}), true, all, Choice{Granted: cats(), Method: MethodAcceptAll}, ""},
		{"accept all under GPC mapping marketing", "action=accept_all", gpc(Visitor{}), true, GPCRefusal{marketing}, Choice{Granted: cats(analytics, media, social), Method: MethodAcceptAll}, ""},
		{"accept all under GPC the site ignores", "action=accept_all", gpc(Visitor{}), true, nil, Choice{Granted: cats(analytics, media, social, marketing), Method: MethodAcceptAll}, ""},
		{"reject all", "action=reject_all&category=analytics", decided, true, all, Choice{Granted: nil, Method: MethodRejectAll}, ""},
		{"reject all without js", "action=reject_all", Visitor{}, false, all, Choice{Granted: nil, Method: MethodNoJSForm}, ""},
		{"save", "action=save&category=media&category=analytics", Visitor{}, true, all, Choice{Granted: cats(media, analytics), Method: MethodSaveSettings}, ""},
		{"save under GPC ticks one by one", "action=save&category=marketing", gpc(Visitor{}), true, all, Choice{Granted: cats(marketing), Method: MethodSaveSettings}, ""},
		{"save nothing", "action=save", decided, false, all, Choice{Granted: cats(), Method: MethodNoJSForm}, ""},
		{"allow adds to a current choice", "action=allow&category=social", decided, true, all, Choice{Granted: cats(analytics, media, social), Method: MethodPlaceholder}, ""},
		{"allow after an expired choice", "action=allow&category=social", expired, true, all, Choice{Granted: cats(social), Method: MethodPlaceholder}, ""},
		{"allow without js stays placeholder", "action=allow&category=media", Visitor{}, false, all, Choice{Granted: cats(media), Method: MethodPlaceholder}, ""},
		{"gpc keeps what the signal does not refuse", "action=gpc", decided, true, GPCRefusal{analytics}, Choice{Granted: cats(media), Method: MethodGPC}, ""},
		{"gpc without a choice", "action=gpc", expired, true, all, Choice{Granted: nil, Method: MethodGPC}, ""},
		{"gpc without js", "action=gpc", Visitor{}, false, all, Choice{Granted: nil, Method: MethodNoJSForm}, ""},
		{"first action wins", "action=reject_all&action=accept_all", Visitor{}, true, all, Choice{Granted: nil, Method: MethodRejectAll}, ""},
		{"unknown category", "action=save&category=nonsense", Visitor{}, true, all, Choice{}, `unknown category "nonsense"`},
		{"necessary is no choice", "action=save&category=necessary", Visitor{}, true, all, Choice{}, `unknown category "necessary"`},
		{"unknown category before the action", "action=nonsense&category=x", Visitor{}, true, all, Choice{}, `unknown category "x"`},
		{"allow none", "action=allow", Visitor{}, true, all, Choice{}, "allow needs exactly one category"},
		{"allow two", "action=allow&category=media&category=social", Visitor{}, true, all, Choice{}, "allow needs exactly one category"},
		{"unknown action", "action=nonsense", Visitor{}, true, all, Choice{}, `unknown action "nonsense"`},
		{"no action", "category=analytics", Visitor{}, true, all, Choice{}, `unknown action ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, err := url.ParseQuery(tc.form)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseChoice(form, tc.prev, tc.js, tc.refusal)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseChoice(%q) error %v, want %q", tc.form, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseChoice(%q): %v", tc.form, err)
			}
			if got.Method != tc.want.Method || !slices.Equal(got.Granted, tc.want.Granted) {
				t.Errorf("ParseChoice(%q) = %+v, want %+v", tc.form, got, tc.want)
			}
		})
	}
}

func TestParseChoiceLeavesPreviousDecision(t *testing.T) {
	granted := cats(analytics, media)
	prev := Visitor{Decided: true, Decision: Decision{ID: NewID(), Granted: granted}}
	for _, form := range []string{"action=allow&category=social", "action=gpc"} {
		q, _ := url.ParseQuery(form)
		if _, err := ParseChoice(q, prev, true, GPCRefusal{analytics}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(granted, cats(analytics, media)) {
			t.Fatalf("%s changed the previous decision's categories to %v", form, granted)
		}
	}
}

func TestGPCRefusal(t *testing.T) {
	undecided := Visitor{GPC: true}
	for _, tc := range []struct {
		name     string
		refusal  GPCRefusal
		v        Visitor
		complete bool
		choice   bool
	}{
		{"every category", GPCRefusal(trackers.Categories), undecided, true, true},
		{"every category, any order", GPCRefusal{marketing, social, media, analytics}, undecided, true, true},
		{"some categories", GPCRefusal{analytics, marketing}, undecided, false, false},
		{"ignored", nil, undecided, false, false},
		{"no signal", GPCRefusal(trackers.Categories), Visitor{}, true, false},
		{"already chosen", GPCRefusal(trackers.Categories), Visitor{GPC: true, Decided: true}, true, false},
		{"expired choice", GPCRefusal(trackers.Categories), Visitor{GPC: true, Decision: Decision{ID: NewID(), Granted: cats(analytics)}}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.refusal.Complete(); got != tc.complete {
				t.Errorf("Complete() = %v, want %v", got, tc.complete)
			}
			c, ok := tc.refusal.Choice(tc.v)
			if ok != tc.choice {
				t.Fatalf("Choice(%+v) ok = %v, want %v", tc.v, ok, tc.choice)
			}
			if ok && (c.Method != MethodGPC || len(c.Granted) != 0) {
				t.Errorf("Choice(%+v) = %+v, want a GPC refusal of everything", tc.v, c)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	p := Policy{Version: "v2", AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	id := NewID()
	current := func(g ...trackers.Category) Visitor {
		return Visitor{Decided: true, Decision: Decision{ID: id, Granted: g, Version: "v2"}}
	}
	for _, tc := range []struct {
		name    string
		prev    Visitor
		granted []trackers.Category
		event   Event
	}{
		{"first choice", Visitor{}, cats(analytics), EventInitial},
		{"first choice under GPC", Visitor{GPC: true}, nil, EventInitial},
		{"expired or old version", Visitor{Decision: Decision{ID: id, Granted: cats(analytics), Version: "v1"}}, cats(), EventRenewal},
		{"more granted", current(analytics), cats(analytics, media), EventUpdate},
		{"same again", current(analytics, media), cats(media, analytics), EventUpdate},
		{"nothing before, nothing now", current(), nil, EventUpdate},
		{"one withdrawn", current(analytics, media), cats(media, social), EventWithdraw},
		{"all withdrawn", current(analytics, media, social, marketing), nil, EventWithdraw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, evs := p.Decide(tc.prev, Choice{Granted: tc.granted, Method: MethodSaveSettings}, now)
			if len(evs) != 1 || evs[0] != tc.event {
				t.Errorf("events %q, want %q", evs, tc.event)
			}
			if !v.Decided || v.GPC != tc.prev.GPC {
				t.Errorf("visitor %+v: want decided, GPC %v", v, tc.prev.GPC)
			}
			d := v.Decision
			if tc.prev.Decision.ID != "" && d.ID != tc.prev.Decision.ID || !ValidID(d.ID) {
				t.Errorf("consent ID %q, previous %q", d.ID, tc.prev.Decision.ID)
			}
			if d.Version != "v2" || !d.Time.Equal(now) || d.Time.Location() != time.UTC {
				t.Errorf("version %q time %v, want v2 at %v in UTC", d.Version, d.Time, now)
			}
			if want := CanonicalCategories(tc.granted); !slices.Equal(d.Granted, want) {
				t.Errorf("granted %v, want %v", d.Granted, want)
			}
		})
	}
}

func TestCanonicalCategories(t *testing.T) {
	for _, tc := range []struct{ in, want []trackers.Category }{
		{nil, nil},
		{cats(marketing, analytics), cats(analytics, marketing)},
		{cats(social, media, social, media), cats(media, social)},
		{cats(marketing, social, media, analytics), cats(analytics, media, social, marketing)},
	} {
		in := slices.Clone(tc.in)
		if got := CanonicalCategories(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("CanonicalCategories(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("CanonicalCategories changed its argument to %v", tc.in)
		}
	}
}

var knownMethods = []Method{
	MethodAcceptAll, MethodRejectAll, MethodSaveSettings,
	MethodPlaceholder, MethodGPC, MethodNoJSForm,
}

// FuzzParseChoice: whatever form is posted, a choice grants only real
// optional categories and has a known method.
func FuzzParseChoice(f *testing.F) {
	for _, s := range []string{
		"action=accept_all", "action=reject_all", "action=save&category=analytics&category=media",
		"action=allow&category=media", "action=gpc", "action=save&category=necessary",
		"action=allow&category=media&category=social", "action=save&category=%00", "action=&category=",
		"action=accept_all&action=reject_all", "category=analytics", "action=save&category=analytics&category=analytics",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	refusal := GPCRefusal(trackers.Categories)
	prev := Visitor{Decided: true, GPC: true, Decision: Decision{ID: "x", Granted: []trackers.Category{trackers.Analytics}}}
	f.Fuzz(func(t *testing.T, body string, js, hasPrev bool) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // r.ParseForm refuses it: 400
		}
		v := Visitor{}
		if hasPrev {
			v = prev
		}
		c, err := ParseChoice(form, v, js, refusal)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "unknown ") && !strings.HasPrefix(err.Error(), "allow ") {
				t.Errorf("error %q", err)
			}
			return
		}
		if !slices.Contains(knownMethods, c.Method) {
			t.Errorf("%q: method %q", body, c.Method)
		}
		for _, g := range c.Granted {
			if !g.Valid() {
				t.Errorf("%q: granted %q", body, g)
			}
		}
		if form.Get("action") == "reject_all" && len(c.Granted) != 0 {
			t.Errorf("%q: reject_all granted %v", body, c.Granted)
		}
		if hasPrev && form.Get("action") == "accept_all" && len(c.Granted) != 0 {
			t.Errorf("%q: accept_all under GPC mapping every category granted %v", body, c.Granted)
		}
	})
}
