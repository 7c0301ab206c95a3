package consent

import (
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

func TestReadVisitor(t *testing.T) {
	c := newTestCodec(t, []byte("0123456789abcdef"))
	other := newTestCodec(t, []byte("fedcba9876543210"))
	p := Policy{Version: "v2", AcceptMaxAge: 365 * 24 * time.Hour, RejectMaxAge: 180 * 24 * time.Hour}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	id := NewID()
	d := func(version string, age time.Duration, g ...trackers.Category) Decision {
		return Decision{ID: id, Granted: g, Version: version, Time: now.Add(-age)}
	}
	valid := c.Encode(d("v2", time.Hour, trackers.Analytics))
	for _, tc := range []struct {
		name    string
		cookie  string
		gpc     bool
		id      string // the consent ID kept
		decided bool
	}{
		{"no cookie", "", false, "", false},
		{"no cookie, GPC", "", true, "", false},
		{"current", valid, false, id, true},
		{"current, GPC", valid, true, id, true},
		{"current rejection", c.Encode(d("v2", 179*24*time.Hour)), false, id, true},
		{"expired rejection", c.Encode(d("v2", 181*24*time.Hour)), false, id, false},
		{"expired acceptance", c.Encode(d("v2", 366*24*time.Hour, trackers.Media)), false, id, false},
		{"older policy version", c.Encode(d("v1", time.Hour, trackers.Analytics)), false, id, false},
		{"from the future", c.Encode(d("v2", -2*time.Hour, trackers.Analytics)), false, id, false},
		{"signed with another key", other.Encode(d("v2", time.Hour, trackers.Analytics)), false, "", false},
		{"forged grant", strings.Replace(valid, "."+"1"+".", "."+"f"+".", 1), false, "", false},
		{"malformed", "nonsense", false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ReadVisitor(c, p, tc.cookie, tc.gpc, now)
			if v.Decision.ID != tc.id || v.Decided != tc.decided || v.GPC != tc.gpc {
				t.Errorf("ReadVisitor = ID %q decided %v GPC %v, want %q %v %v", v.Decision.ID, v.Decided, v.GPC, tc.id, tc.decided, tc.gpc)
			}
			if !v.Allows(trackers.Necessary) {
				t.Error("necessary not allowed")
			}
			if got, want := v.Allows(trackers.Analytics), tc.decided && v.Decision.Allows(trackers.Analytics); got != want {
				t.Errorf("Allows(analytics) = %v, want %v", got, want)
			}
		})
	}
}

func TestVisitorAllowsOnlyACurrentChoice(t *testing.T) {
	all := Decision{ID: NewID(), Granted: trackers.Categories}
	for _, tc := range []struct {
		name      string
		v         Visitor
		analytics bool
		grantsAll bool
	}{
		{"no choice", Visitor{}, false, false},
		{"everything, current", Visitor{Decision: all, Decided: true}, true, true},
		{"everything, expired", Visitor{Decision: all}, false, false},
		{"some", Visitor{Decision: Decision{Granted: []trackers.Category{trackers.Analytics, trackers.Media}}, Decided: true}, true, false},
		{"nothing", Visitor{Decided: true}, false, false},
	} {
		if got := tc.v.Allows(trackers.Analytics); got != tc.analytics {
			t.Errorf("%s: Allows(analytics) = %v, want %v", tc.name, got, tc.analytics)
		}
		if got := tc.v.GrantsAll(); got != tc.grantsAll {
			t.Errorf("%s: GrantsAll() = %v, want %v", tc.name, got, tc.grantsAll)
		}
	}
}

func TestConsentModeFor(t *testing.T) {
	for _, tc := range []struct {
		granted []trackers.Category
		want    ConsentMode
	}{
		{nil, ConsentMode{}},
		{[]trackers.Category{trackers.Analytics}, ConsentMode{AnalyticsStorage: true}},
		{[]trackers.Category{trackers.Marketing}, ConsentMode{AdStorage: true, AdUserData: true, AdPersonalization: true}},
		{[]trackers.Category{trackers.Media, trackers.Social}, ConsentMode{}},
		{trackers.Categories, ConsentMode{AnalyticsStorage: true, AdStorage: true, AdUserData: true, AdPersonalization: true}},
	} {
		if got := ConsentModeFor(tc.granted); got != tc.want {
			t.Errorf("ConsentModeFor(%v) = %+v, want %+v", tc.granted, got, tc.want)
		}
	}
}
