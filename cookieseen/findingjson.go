package cookieseen

// FindingRecord is a Finding as `caddy consent-log cookies --format json`
// and the console's cookies.json give it: one shape for both, so that a
// script written against one reads the other. Every key is always present;
// times are ISO 8601 in UTC, to the second.
type FindingRecord struct {
	Name       string            `json:"name"`
	Kind       Kind              `json:"kind"`
	Status     Status            `json:"status"`
	Sources    []Source          `json:"sources"`
	First      string            `json:"first_seen"`
	Last       string            `json:"last_seen"`
	Hits       int64             `json:"hits"`
	MaxAge     *int64            `json:"max_age_seconds"` // null when no upstream Set-Cookie gave one
	Vendor     string            `json:"vendor"`
	Suggestion *SuggestionRecord `json:"suggestion"` // null when nothing is suggested
	Snippet    string            `json:"snippet"`
}

// SuggestionRecord is a finding's suggested declaration.
type SuggestionRecord struct {
	Provider  string `json:"provider"`
	Category  string `json:"category"`
	Purpose   string `json:"purpose"`
	Retention string `json:"retention"`
}

// ISOTime is how findings give a time: ISO 8601 in UTC, to the second.
const ISOTime = "2006-01-02T15:04:05Z"

// Records turns findings into their JSON records, in the same order; an
// empty review is an empty array, not null.
func Records(fs []Finding) []FindingRecord {
	out := make([]FindingRecord, len(fs))
	for i, f := range fs {
		r := FindingRecord{
			Name: f.Name, Kind: f.Kind, Status: f.Status, Sources: f.Sources,
			First: f.First.UTC().Format(ISOTime), Last: f.Last.UTC().Format(ISOTime),
			Hits: f.Hits, Vendor: f.Vendor, Snippet: f.Snippet,
		}
		if r.Sources == nil {
			r.Sources = []Source{}
		}
		if f.MaxAge >= 0 {
			r.MaxAge = &f.MaxAge
		}
		if k := f.Suggestion; k != nil {
			r.Suggestion = &SuggestionRecord{Provider: k.Provider, Category: k.Category, Purpose: k.Purpose, Retention: k.Retention}
		}
		out[i] = r
	}
	return out
}
