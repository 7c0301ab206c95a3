package cookieseen

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/consentgate/consentgate/cookietable"
	"github.com/consentgate/consentgate/trackers"
)

// Status is what a site's declaration says of a name it was seen to use.
type Status string

const (
	StatusDeclared   Status = "declared"   // the site declares it (a cookie directive, the consent cookie)
	StatusCatalogue  Status = "catalogue"  // a catalogue vendor sets it, so the table already explains it
	StatusUndeclared Status = "undeclared" // nobody says what it is: the web team must
)

// Finding is one name seen, merged over its sources, and what the site's
// declaration says of it: the rows of the review the console and
// `caddy consent-log cookies` show.
type Finding struct {
	Kind        Kind
	Name        string
	Sources     []Source // sorted
	First, Last time.Time
	Hits        int64
	MaxAge      int64  // from the upstream sighting, -1 if none
	Status      Status // StatusDeclared, StatusCatalogue or StatusUndeclared
	Vendor      string // the catalogue vendor's name when Status is StatusCatalogue
	Suggestion  *Known // for StatusUndeclared, when Suggest finds one
	// Snippet, for StatusUndeclared, is a Caddyfile cookie block declaring
	// the name. Its category is a placeholder the config refuses unless the
	// suggestion has one, so nothing is declared unreviewed.
	Snippet string
}

// Review merges what was seen by name and sorts it for the web team:
// undeclared first, then by name. Vendor sightings are not names a table
// lists, and are left out.
func Review(seen []Sighting, d Declaration, cat *trackers.Catalogue, imported []Known) []Finding {
	type name struct {
		kind Kind
		name string
	}
	at := map[name]int{}
	var out []Finding
	for _, s := range seen {
		if s.Kind == Vendor {
			continue
		}
		i, ok := at[name{s.Kind, s.Name}]
		if !ok {
			i = len(out)
			at[name{s.Kind, s.Name}] = i
			out = append(out, Finding{Kind: s.Kind, Name: s.Name, First: s.First, Last: s.Last, MaxAge: -1})
		}
		f := &out[i]
		if !slices.Contains(f.Sources, s.Source) {
			f.Sources = append(f.Sources, s.Source)
		}
		if s.First.Before(f.First) {
			f.First = s.First
		}
		if s.Last.After(f.Last) {
			f.Last = s.Last
		}
		f.Hits += s.Hits
		if s.Source == Upstream {
			f.MaxAge = s.MaxAge
		}
	}
	for i := range out {
		f := &out[i]
		slices.Sort(f.Sources)
		var v *trackers.Vendor
		if cat != nil {
			v, _ = cat.MatchCookie(f.Name)
		}
		switch {
		case declared(d, f.Name):
			f.Status = StatusDeclared
		case v != nil:
			f.Status, f.Vendor = StatusCatalogue, v.Name
		default:
			f.Status = StatusUndeclared
			if k, ok := Suggest(f.Name, imported); ok {
				f.Suggestion = &k
			}
			f.Snippet = snippet(*f)
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(rank(a.Status), rank(b.Status)),
			strings.Compare(a.Name, b.Name),
			strings.Compare(string(a.Kind), string(b.Kind)))
	})
	return out
}

// rank puts what needs the web team first.
func rank(s Status) int {
	if s == StatusUndeclared {
		return 0
	}
	return 1
}

// declared reports whether d names the cookie: exactly, or by a prefix.
func declared(d Declaration, name string) bool {
	return slices.ContainsFunc(d.Cookies, func(c Declared) bool {
		return c.Name == name || c.Prefix && strings.HasPrefix(name, c.Name)
	})
}

// categoryPlaceholder is no category, so that a snippet whose category
// nobody chose is refused where it is pasted.
const categoryPlaceholder = "CATEGORY"

// snippet writes the cookie sub-directive of the module's Caddyfile that
// declares f, from its suggestion when there is one: a prefix for a family
// of names (wp-settings-<user>), the exact name when only a site-wide hash
// follows the prefix (Drupal's SESS<hash>).
func snippet(f Finding) string {
	k := Known{Name: f.Name}
	if f.Suggestion != nil {
		k = *f.Suggestion
	}
	name, prefix := f.Name, k.Prefix && !hashed(k)
	if prefix {
		name = k.Name
	}
	var b strings.Builder
	category := k.Category
	if category == "" {
		category = categoryPlaceholder
		b.WriteString("# choose: necessary, analytics, media, social or marketing\n")
	}
	b.WriteString("cookie " + quote(name) + " " + category)
	if prefix {
		b.WriteString(" prefix")
	}
	b.WriteString(" {\n")
	if f.Suggestion == nil {
		b.WriteString("\t# provider \"who sets it\"\n\t# purpose \"what it does, in plain words\"\n")
	}
	line := func(field, v string) {
		if v != "" {
			b.WriteString("\t" + field + " " + quote(v) + "\n")
		}
	}
	line("provider", k.Provider)
	line("purpose", k.Purpose)
	line("expires", expires(f.MaxAge, k.Retention))
	if category == string(trackers.Necessary) {
		line("justification", "Needed for the site to work: "+lowerFirst(k.Purpose))
	}
	b.WriteString("}\n")
	return b.String()
}

// hashed reports whether k is a built-in prefix that only a hash follows.
func hashed(k Known) bool {
	return slices.ContainsFunc(builtins, func(b builtin) bool { return b.Known == k && b.rest != nil })
}

// expires words a lifetime as the expires field takes it: the upstream's
// Max-Age when it gave one, else the suggestion's retention when it reads
// as one, else "".
func expires(maxAge int64, retention string) string {
	e, ok := ExpiryOf(maxAge)
	if !ok {
		var err error
		if e, err = cookietable.ParseExpiry(retention); err != nil {
			return ""
		}
	}
	switch {
	case e.Session:
		return "session"
	case e.Unit == "":
		return "until cleared"
	}
	return e.Words("en")
}

// lowerFirst lower-cases the first letter of a sentence, unless it starts
// an acronym or a name ("ASP.NET", "iPhone").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r) && unicode.IsLower(next) {
		return string(unicode.ToLower(r)) + s[n:]
	}
	return s
}

// quote writes a Caddyfile token: bare when it is a plain word, else
// quoted. A double-quoted token cannot end in a backslash or hold one
// before a quote, so text with either is backtick-quoted.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-", r)))
	}) < 0 {
		return s
	}
	if !strings.ContainsAny(s, "\"\\") {
		return `"` + s + `"`
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}
