package consent

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/consentgate/consentgate/trackers"
)

// Action is what a consent form asks for, its "action" field.
type Action string

// Actions the banner, the settings page and the embed placeholders post.
const (
	ActionAcceptAll Action = "accept_all"
	ActionRejectAll Action = "reject_all"
	ActionSave      Action = "save"   // the ticked categories
	ActionAllow     Action = "allow"  // add one category, from an embed placeholder
	ActionGPC       Action = "gpc"    // the browser's Global Privacy Control, seen by the banner script
	ActionObject    Action = "object" // object to statistics, the consent choice unchanged
	// ActionAllowStatistics withdraws an objection, the consent choice
	// unchanged (the cookie page's "Allow statistics again").
	ActionAllowStatistics Action = "allow_statistics"
	// ActionDismiss hides the notice shown instead of the banner where
	// statistics are all a site runs (Policy.Statistics, notice only): no
	// choice, nothing recorded.
	ActionDismiss Action = "dismiss"
)

// Choice is what a visitor chose, before it becomes a Decision.
type Choice struct {
	Granted []trackers.Category // any order, may repeat
	Method  Method
	// Objection is what the choice does to an objection to statistics.
	Objection Objection
	// KeepsConsent leaves the consent choice as it was: an objection, its
	// withdrawal or a dismissed notice.
	KeepsConsent bool
	// Notice dismisses the statistics notice (ActionDismiss).
	Notice bool
}

// Objection is a change to a visitor's objection to statistics.
type Objection int8

const (
	ObjectionKept      Objection = iota // as it was
	ObjectionMade                       // the visitor objects
	ObjectionWithdrawn                  // statistics allowed again
)

// GPCRefusal is the categories a Global Privacy Control signal refuses;
// nil when the site ignores the signal.
type GPCRefusal []trackers.Category

// Complete reports whether the signal refuses every optional category, so
// that it is a whole choice (Reject all) and not one the banner must still
// ask about.
func (g GPCRefusal) Complete() bool {
	for _, c := range trackers.Categories {
		if !slices.Contains(g, c) {
			return false
		}
	}
	return true
}

// without returns cs less the refused categories.
func (g GPCRefusal) without(cs []trackers.Category) []trackers.Category {
	return slices.DeleteFunc(slices.Clone(cs), func(c trackers.Category) bool { return slices.Contains(g, c) })
}

// Choice is the choice a GPC signal makes for v by itself: refusing
// everything, when the refusal is complete and v has no current choice.
// Otherwise ok is false and the banner asks as usual.
func (g GPCRefusal) Choice(v Visitor) (c Choice, ok bool) {
	if !v.GPC || v.Decided || !g.Complete() {
		return Choice{}, false
	}
	return Choice{Method: MethodGPC}, true
}

// ParseChoice reads a posted choice (see the Action constants) from form.
// js says it came from the banner script, not a plain form, which every
// method but the placeholder's records as MethodNoJSForm. A browser sending
// GPC refuses gpc's categories on Accept all, unless the visitor ticks them
// one by one in the settings. Errors name what is wrong with the form; the
// caller says where it came from.
//
// Where the site runs statistics under the exception (prev.Statistics),
// the settings' Save posts category "statistics" unless the visitor turned
// it off, which objects; Accept all withdraws an objection, the GPC action
// makes one, and ActionObject makes one and ActionAllowStatistics withdraws
// it, changing nothing else. A browser sending GPC keeps its objection
// (Visitor.Objects).
func ParseChoice(form url.Values, prev Visitor, js bool, gpc GPCRefusal) (Choice, error) {
	var c Choice
	action := Action(form.Get("action"))
	cats := make([]trackers.Category, 0, len(form["category"]))
	statistics := false
	for _, s := range form["category"] {
		cat := trackers.Category(s)
		if cat == trackers.Statistics && prev.Statistics {
			statistics = true
			continue
		}
		if !cat.Valid() {
			return c, fmt.Errorf("unknown category %q", s)
		}
		cats = append(cats, cat)
	}
	switch action {
	case ActionAcceptAll:
		c.Method, c.Granted = MethodAcceptAll, slices.Clone(trackers.Categories)
		c.Objection = ObjectionWithdrawn
		if prev.GPC {
			c.Granted = gpc.without(c.Granted)
		}
	case ActionRejectAll:
		c.Method = MethodRejectAll
	case ActionSave:
		c.Method, c.Granted = MethodSaveSettings, cats
		c.Objection = ObjectionMade
		if statistics {
			c.Objection = ObjectionWithdrawn
		}
	case ActionAllow:
		if len(cats) != 1 {
			return c, fmt.Errorf("allow needs exactly one category")
		}
		c.Method = MethodPlaceholder
		if prev.Decided {
			c.Granted = slices.Clone(prev.Decision.Granted)
		}
		c.Granted = append(c.Granted, cats[0])
	case ActionGPC:
		c.Method, c.Objection = MethodGPC, ObjectionMade
		if prev.Decided {
			c.Granted = gpc.without(prev.Decision.Granted)
		}
	case ActionDismiss:
		if !prev.Statistics {
			return c, fmt.Errorf("dismiss: the site runs no statistics without consent")
		}
		c.KeepsConsent, c.Notice = true, true
	case ActionObject, ActionAllowStatistics:
		if !prev.Statistics {
			return c, fmt.Errorf("%s: the site runs no statistics without consent", action)
		}
		c.Method, c.Objection, c.KeepsConsent = MethodObject, ObjectionMade, true
		if action == ActionAllowStatistics {
			c.Method, c.Objection = MethodSaveSettings, ObjectionWithdrawn
		}
	default:
		return c, fmt.Errorf("unknown action %q", action)
	}
	if !js && c.Method != MethodPlaceholder {
		c.Method = MethodNoJSForm
	}
	if !prev.Statistics || prev.GPC && c.Objection == ObjectionWithdrawn {
		c.Objection = ObjectionKept
	}
	return c, nil
}

// Decide turns c into prev's new decision at now, under p's version: the
// consent ID carries over (a fresh one when prev has none), the categories
// are put in canonical order. It returns the visitor as they now are and
// the events to record: the decision's, unless c changes only the
// objection, then the objection's, if c changes it.
func (p Policy) Decide(prev Visitor, c Choice, now time.Time) (Visitor, []Event) {
	var events []Event
	after := prev
	after.Decision.Objected = prev.Decision.Objected && c.Objection != ObjectionWithdrawn || c.Objection == ObjectionMade
	after.Decision.Noticed = prev.Decision.Noticed || c.Notice
	if after.Decision.ID == "" {
		after.Decision.ID = NewID()
	}
	switch {
	case !c.KeepsConsent:
		after.Decision = Decision{ID: after.Decision.ID, Granted: CanonicalCategories(c.Granted), Version: p.Version, Time: now.UTC(),
			Objected: after.Decision.Objected, Noticed: after.Decision.Noticed}
		after.Decided = true
		events = append(events, eventOf(prev, after.Decision))
	case prev.Decision.Version == "":
		after.Decision.Time = now.UTC() // an objection alone, no choice: dated now
	}
	switch {
	case after.Decision.Objected && !prev.Decision.Objected:
		events = append(events, EventObjection)
	case !after.Decision.Objected && prev.Decision.Objected:
		events = append(events, EventObjectionWithdrawn)
	}
	return after, events
}

// eventOf classifies a new decision against what the visitor had before.
func eventOf(prev Visitor, d Decision) Event {
	switch {
	case prev.Decision.ID == "" || prev.Decision.Version == "": // none, or an objection alone
		return EventInitial
	case !prev.Decided:
		return EventRenewal
	}
	for _, c := range prev.Decision.Granted {
		if !d.Allows(c) {
			return EventWithdraw
		}
	}
	return EventUpdate
}

// CanonicalCategories returns cs in the order of trackers.Categories,
// without repeats.
func CanonicalCategories(cs []trackers.Category) []trackers.Category {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b trackers.Category) int {
		return slices.Index(trackers.Categories, a) - slices.Index(trackers.Categories, b)
	})
	return slices.Compact(cs)
}
