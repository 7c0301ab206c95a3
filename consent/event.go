package consent

import (
	"slices"

	"github.com/consentgate/consentgate/trackers"
)

// Event says why a decision is recorded. consentlog stores it as it is.
type Event string

// Events of a visitor's decision; see Decide.
const (
	EventInitial  Event = "initial"  // first choice of a consent ID
	EventUpdate   Event = "update"   // visitor changed their choice
	EventWithdraw Event = "withdraw" // visitor withdrew consent
	EventRenewal  Event = "renewal"  // choice asked again after expiry or a new policy version
	// An objection to statistics under the exception, and its withdrawal.
	EventObjection          Event = "objection"
	EventObjectionWithdrawn Event = "objection_withdrawn"
)

// Method says how the visitor expressed the choice.
type Method string

// Methods a visitor's choice can have; see ParseChoice.
const (
	MethodAcceptAll    Method = "accept_all"
	MethodRejectAll    Method = "reject_all"
	MethodSaveSettings Method = "save_settings"
	MethodPlaceholder  Method = "placeholder" // "load this video" on a blocked embed
	MethodGPC          Method = "gpc"         // Sec-GPC: 1 treated as a rejection
	MethodNoJSForm     Method = "no_js_form"
	MethodObject       Method = "object" // "Object to statistics", in the banner or on the cookie page
)

// ConsentMode is the Google Consent Mode v2 state sent to the page with the
// decision; true means "granted".
type ConsentMode struct {
	AnalyticsStorage  bool `json:"analytics_storage"`
	AdStorage         bool `json:"ad_storage"`
	AdUserData        bool `json:"ad_user_data"`
	AdPersonalization bool `json:"ad_personalization"`
}

// ConsentModeFor maps granted categories to Consent Mode: analytics (or
// statistics under the exception) grants analytics_storage, marketing
// grants the three ad_* types. Media and social have no Consent Mode type.
func ConsentModeFor(granted []trackers.Category) ConsentMode {
	ads := slices.Contains(granted, trackers.Marketing)
	return ConsentMode{
		AnalyticsStorage:  slices.Contains(granted, trackers.Analytics) || slices.Contains(granted, trackers.Statistics),
		AdStorage:         ads,
		AdUserData:        ads,
		AdPersonalization: ads,
	}
}
