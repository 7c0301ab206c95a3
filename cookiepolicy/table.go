package cookiepolicy

import (
	"slices"
	"strings"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/trackers"
)

// Details is what the cookie table says of a cookie the site declares.
// Empty fields get defaults worded for the cookie's category, so that no
// cell is blank.
type Details struct {
	Provider      string // default: the site
	Purpose       cookietable.Text
	Content       cookietable.Text
	Expiry        *cookietable.Expiry // default: a session cookie
	Justification cookietable.Text    // why a strictly necessary cookie needs no consent
}

// TableInput is what a site's table is built from besides the policy.
type TableInput struct {
	Site    string         // the site's name as visitors know it
	Consent consent.Policy // how long the consent cookie lasts
	// Seen are the IDs of the catalogue vendors the site was seen to use:
	// found in its pages, or whose cookies its responses or its visitors'
	// browsers were seen to hold. The table lists only their cookies (and
	// those of the vendors they load, see loads).
	Seen []string
	// Undescribed are cookies the site's own responses set that neither it
	// nor the catalogue describes (see Describes), each with the lifetime
	// it was last set with. They are listed as such, so that the table
	// misses nothing the site really sets.
	Undescribed []Found
	// Details describes the necessary and declared cookies, by name (a
	// prefix's without "*").
	Details map[string]Details
}

// Found is a cookie seen set by the site's own responses.
type Found struct {
	Name   string
	Expiry cookietable.Expiry
}

// loads are the catalogue vendors whose cookies a vendor brings although
// its own entry lists none: Tag Manager loads Google Analytics, and Meta's
// and X's other tags set the cookies listed on their main entries.
var loads = map[string][]string{
	"google-tag-manager": {"google-analytics"},
	"facebook-tr":        {"meta"},
	"facebook-sdk":       {"meta"},
	"facebook":           {"meta"},
	"x-ads":              {"twitter"},
}

// Table is the site's cookie table: the consent cookie, the necessary and
// declared cookies, then the cookies of the catalogue vendors the site
// uses. A catalogue row the site declares itself is left to the site's row.
func (p *Policy) Table(in TableInput) []cookietable.Row {
	accept := cookietable.Lasting(in.Consent.AcceptMaxAge)
	reject := cookietable.Lasting(in.Consent.RejectMaxAge)
	accept.IfRejected = &reject
	rows := []cookietable.Row{{
		Name: consent.CookieName, Storage: "cookie", Category: trackers.Necessary, Provider: in.Site,
		Purpose: cookietable.Text{En: "Remembers your cookie choice", Cy: "Yn cofio eich dewis cwcis"},
		Content: cookietable.Text{En: "Your consent ID, the categories you chose and the date", Cy: "Eich ID caniatâd, y categorïau a ddewisoch a'r dyddiad"},
		Expiry:  accept,
		Justification: cookietable.Text{En: "Without it we could not respect your choice, including a refusal",
			Cy: "Hebddo ni allem barchu eich dewis, gan gynnwys gwrthod"},
	}}
	own := map[string]bool{consent.CookieName: true}
	add := func(name string, prefix bool, cat trackers.Category) {
		if n := (cookietable.Row{Name: name, Prefix: prefix}).DisplayName(); !own[n] {
			rows = append(rows, siteRow(in, name, prefix, cat))
			own[n] = true
		}
	}
	for _, n := range p.necessaryNames {
		add(n, false, trackers.Necessary)
	}
	for _, c := range p.declared {
		add(c.Name, c.Prefix, c.Category)
	}
	for _, v := range p.Vendors(in.Seen) {
		for _, r := range cookietable.VendorRows(v) {
			if !own[r.DisplayName()] {
				rows = append(rows, r)
			}
		}
	}
	for _, f := range in.Undescribed {
		if !own[f.Name] && !p.Describes(f.Name) {
			rows = append(rows, cookietable.Row{
				Name: f.Name, Storage: "cookie", Category: cookietable.Undescribed, Provider: in.Site,
				Purpose: cookietable.UndescribedText, Content: cookietable.UndescribedText, Expiry: f.Expiry,
			})
			own[f.Name] = true
		}
	}
	return rows
}

// Vendors are the catalogue vendors of the IDs seen, with those they load,
// in catalogue order: the vendors whose cookies the table lists, and
// whose details a visitor consents to.
func (p *Policy) Vendors(seen []string) []*trackers.Vendor {
	ids := map[string]bool{}
	for _, id := range seen {
		ids[id] = true
		for _, l := range loads[id] {
			ids[l] = true
		}
	}
	var out []*trackers.Vendor
	for _, v := range p.catalogue.Vendors() {
		if ids[v.ID] {
			out = append(out, v)
		}
	}
	return out
}

// Describes reports whether the table describes a cookie of this name
// whatever was seen: the consent cookie, a strictly necessary or declared
// one, or a catalogue vendor's.
func (p *Policy) Describes(name string) bool {
	if name == consent.CookieName || p.necessary[name] {
		return true
	}
	_, ok := p.Category(name)
	return ok
}

// sessionCookies are the session cookies of common web platforms, which a
// site lists as necessary without saying more.
var sessionCookies = []string{"PHPSESSID", "ASP.NET_SessionId", "JSESSIONID", "laravel_session", "connect.sid", "sessionid"}

// defaultPurpose words what a site's cookie of each category is for, when
// the site does not say.
var defaultPurpose = map[trackers.Category]cookietable.Text{
	trackers.Necessary:  {En: "Needed for this website to work", Cy: "Mae ei angen er mwyn i'r wefan hon weithio"},
	trackers.Analytics:  {En: "Helps us understand how this website is used", Cy: "Yn ein helpu i ddeall sut y caiff y wefan hon ei defnyddio"},
	trackers.Statistics: {En: "Counts visits so that we can improve this website", Cy: "Yn cyfrif ymweliadau er mwyn i ni wella'r wefan hon"},
	trackers.Media:      {En: "Lets you watch embedded videos", Cy: "Yn gadael i chi wylio fideos wedi'u mewnosod"},
	trackers.Social:     {En: "Shows content from social networks", Cy: "Yn dangos cynnwys o rwydweithiau cymdeithasol"},
	trackers.Marketing:  {En: "Measures our advertising", Cy: "Yn mesur ein hysbysebu"},
}

// siteRow is a cookie the site sets itself, as its Details describe it.
func siteRow(in TableInput, name string, prefix bool, cat trackers.Category) cookietable.Row {
	d := in.Details[name]
	r := cookietable.Row{
		Name: name, Prefix: prefix, Storage: "cookie", Category: cat, Provider: d.Provider,
		Purpose: d.Purpose, Content: d.Content, Expiry: cookietable.Session, Justification: d.Justification,
	}
	if r.Provider == "" {
		r.Provider = in.Site
	}
	if d.Expiry != nil {
		r.Expiry = *d.Expiry
	}
	session := !prefix && slices.Contains(sessionCookies, name)
	if r.Purpose.En == "" {
		r.Purpose = defaultPurpose[cat]
		if session {
			r.Purpose = cookietable.Text{En: "Keeps your visit together from page to page, such as a form you are filling in",
				Cy: "Yn cadw eich ymweliad at ei gilydd o dudalen i dudalen, fel ffurflen rydych yn ei llenwi"}
		}
	}
	if r.Content.En == "" {
		r.Content = cookietable.Text{En: "A value this website sets", Cy: "Gwerth y mae'r wefan hon yn ei osod"}
		if session {
			r.Content = cookietable.Text{En: "A random session identifier", Cy: "Dynodwr sesiwn ar hap"}
		}
	}
	return r
}

// Tracker returns the catalogue's analytics or marketing vendor that sets a
// cookie called name (with prefix, any name starting with it), or nil: a
// site must not declare such a cookie strictly necessary.
func Tracker(cat *trackers.Catalogue, name string, prefix bool) *trackers.Vendor {
	tracking := func(v *trackers.Vendor) bool {
		return v != nil && (v.Category == trackers.Analytics || v.Category == trackers.Marketing)
	}
	if v, _ := cat.MatchCookie(name); tracking(v) {
		return v
	}
	if !prefix {
		return nil
	}
	for _, v := range cat.Vendors() {
		for _, c := range v.Cookies {
			if tracking(v) && strings.HasPrefix(c.Name, name) {
				return v
			}
		}
	}
	return nil
}
