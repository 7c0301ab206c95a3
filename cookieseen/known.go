package cookieseen

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// The Open Cookie Database (github.com/jkwakman/Open-Cookie-Database,
// open-cookie-database.csv) is a community list of some two thousand
// cookies a site can import to widen the suggestions for undeclared ones.

// Bounds on an imported database: the real file is about half a MiB and
// 2,300 rows, so anything far larger is not one.
const (
	maxDatabaseBytes = 16 << 20
	maxDatabaseRows  = 100_000
)

// ocdCategories maps the database's categories to consentgate's. Functional,
// Security and Necessary rows are what a site needs to work (sessions,
// load balancers, anti-forgery tokens); Personalization has no counterpart,
// so the web team must choose. The catalogue is consulted before any
// suggestion, so a tracker the database files as Functional (Hotjar's
// _hjSession_) is still shown as the catalogue's.
var ocdCategories = map[string]string{
	"functional": "necessary",
	"security":   "necessary",
	"necessary":  "necessary",
	"analytics":  "analytics",
	"marketing":  "marketing",
}

// ocdColumns are the header names read, as normalised by columnKey.
var ocdColumns = struct{ platform, category, name, description, retention, controller, wildcard string }{
	"platform", "category", "cookiedatakeyname", "description", "retentionperiod", "datacontroller", "wildcardmatch",
}

// countSuffix is the database's note that several cookies share a name
// ("CookieConsent [x4]"), which is no part of the name.
var countSuffix = regexp.MustCompile(`\s*\[x\d+\]$`)

// ParseOpenCookieDatabase reads the Open Cookie Database CSV. Columns are
// found by their header names, in any order, case or spacing, so a newer
// release with more columns still reads. Provider is the Data Controller,
// or the Platform when that is blank; a Wildcard match of 1 makes the name
// a prefix. Rows without a name are skipped. A byte order mark is
// skipped; a file over 16 MiB or 100,000 rows is refused, and a malformed
// one is reported with its line.
func ParseOpenCookieDatabase(r io.Reader) ([]Known, error) {
	lr := &io.LimitedReader{R: r, N: maxDatabaseBytes + 1}
	br := bufio.NewReader(lr)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" { // as Excel saves UTF-8
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("open cookie database: the file is empty")
	}
	if err != nil {
		return nil, ocdError(lr, err)
	}
	col := map[string]int{}
	for i, h := range header {
		if k := columnKey(h); k != "" {
			if _, dup := col[k]; !dup {
				col[k] = i
			}
		}
	}
	for _, need := range []string{ocdColumns.name, ocdColumns.category} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("open cookie database: no %q column in the header (is this open-cookie-database.csv?)", map[string]string{ocdColumns.name: "Cookie / Data Key name", ocdColumns.category: "Category"}[need])
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return strings.Join(strings.Fields(rec[i]), " ")
		}
		return ""
	}
	var out []Known
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ocdError(lr, err)
		}
		if rows == maxDatabaseRows {
			return nil, fmt.Errorf("open cookie database: more than %d rows; the real database has a few thousand", maxDatabaseRows)
		}
		name := countSuffix.ReplaceAllString(field(rec, ocdColumns.name), "")
		if name == "" {
			continue
		}
		provider := field(rec, ocdColumns.controller)
		if provider == "" {
			provider = field(rec, ocdColumns.platform)
		}
		out = append(out, Known{
			Name:      name,
			Prefix:    field(rec, ocdColumns.wildcard) == "1",
			Provider:  provider,
			Category:  ocdCategories[strings.ToLower(field(rec, ocdColumns.category))],
			Purpose:   field(rec, ocdColumns.description),
			Retention: field(rec, ocdColumns.retention),
		})
	}
	if lr.N <= 0 {
		return nil, errOCDTooLarge
	}
	return out, nil
}

var errOCDTooLarge = fmt.Errorf("open cookie database: the file is over %d MiB; the real database is well under 1 MiB", maxDatabaseBytes>>20)

// ocdError reports a read error, as too large when the limit cut the file
// (a cut may look like a malformed row); a csv.ParseError names the line.
func ocdError(lr *io.LimitedReader, err error) error {
	if lr.N <= 0 {
		return errOCDTooLarge
	}
	return fmt.Errorf("open cookie database: %w", err)
}

// columnKey normalises a header cell: case, spaces and punctuation do not
// count ("Cookie / Data Key name" is cookiedatakeyname).
func columnKey(h string) string {
	var b strings.Builder
	for _, r := range h {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
