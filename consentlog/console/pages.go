package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/consentgate/consentgate/consent"
	"github.com/consentgate/consentgate/consentlog"
)

// pages are parsed once: each page's "content" plus the shared layout.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"search", "history", "stats", "verify", "confirm", "erased", "audit", "cookies", "bannertext", "error", "login"} {
		m[name] = template.Must(template.ParseFS(files, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	return m
}()

// view is what every page template gets.
type view struct {
	Prefix  string
	Title   string
	Nav     string // the navigation entry to mark as current
	User    string // empty on the login page: no navigation, no sign-out
	Logout  string // where the sign-out button posts; empty: no button
	Cookies bool   // the console has the cookies page: link it in the navigation
	Health  *health
	Data    any
}

// health is the line on the store's state atop every page.
type health struct {
	Up   bool
	Text string
}

// healthLine says in words what h says about the consent log store.
func healthLine(h consentlog.Health) *health {
	spool := ""
	switch {
	case h.Spooled == 1:
		spool = "1 record waiting in the spool"
	case h.Spooled > 1:
		spool = strconv.Itoa(h.Spooled) + " records waiting in the spool"
	}
	if h.StoreUp {
		if spool == "" {
			return &health{Up: true, Text: "Consent log store: reachable."}
		}
		return &health{Up: true, Text: "Consent log store: reachable; " + spool + " are being written to it."}
	}
	t := "Consent log store: unreachable"
	if !h.Since.IsZero() {
		t += " since " + h.Since.UTC().Format(isoTime)
	}
	if spool != "" {
		t += "; " + spool
	}
	if h.LastError != "" {
		e := h.LastError
		if len(e) > 300 {
			e = strings.ToValidUTF8(e[:300], "") + "…"
		}
		t += "; last error: " + e
	}
	return &health{Text: t + ". New records are kept in the spool and written once it is back."}
}

const (
	pageSize  = 50
	maxQuery  = 2048 // bytes of query string; more is not a console request
	maxParam  = 100  // bytes of one parameter
	maxDays   = 366  // statistics range
	auditRows = 5000 // audit log entries on one page
)

// badInput is an error in what the DPO typed; its text is shown as is.
type badInput string

func (e badInput) Error() string { return string(e) }

// params returns the query of r, refusing oversized input.
func params(r *http.Request) (url.Values, error) {
	if len(r.URL.RawQuery) > maxQuery {
		return nil, badInput("The address is too long.")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badInput("The address is not well formed.")
	}
	for k, vs := range q {
		for _, v := range vs {
			if len(v) > maxParam {
				return nil, badInput(fmt.Sprintf("The value given for %q is too long (at most %d characters).", k, maxParam))
			}
		}
	}
	return q, nil
}

// consentID normalises what a DPO copied from a visitor (spaces, capitals)
// and checks it has the shape of a consent ID.
func consentID(raw string) (string, error) {
	id := strings.ToLower(strings.Join(strings.Fields(raw), ""))
	if id == "" || consent.ValidID(id) {
		return id, nil
	}
	return "", badInput(fmt.Sprintf("“%s” is not a consent ID. A consent ID is 26 letters and digits, as shown in the visitor's cookie settings.", raw))
}

// requiredID is consentID for an action that needs one: missing says what
// to give.
func requiredID(raw, missing string) (string, error) {
	id, err := consentID(raw)
	if err == nil && id == "" {
		err = badInput(missing)
	}
	return id, err
}

// date parses a YYYY-MM-DD field; empty is the zero time.
func date(q url.Values, name, label string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, badInput(fmt.Sprintf("The %s date “%s” is not a date: use the form YYYY-MM-DD, for example 2025-03-31.", label, v))
	}
	return t, nil
}

// dateRange parses from and to, both inclusive days in UTC.
func dateRange(q url.Values) (from, to time.Time, err error) {
	if from, err = date(q, "from", "from"); err != nil {
		return
	}
	if to, err = date(q, "to", "to"); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = badInput("The to date is before the from date.")
	}
	return
}

// dayString formats an optional day for a form field.
func dayString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// link builds a console URL with the non-empty parameters kv, encoded as
// the audit log's details are.
func (h *handler) link(path string, kv ...string) string {
	if q := consentlog.AuditDetail(kv...); q != "" {
		return h.prefix + path + "?" + q
	}
	return h.prefix + path
}

// audit writes the audit entry for an action about consentID (if not
// empty, kept by the store as a keyed hash) with the other parameters in
// detail; the action must not run if it fails.
func (h *handler) audit(ctx context.Context, r *http.Request, action, consentID, detail string) error {
	return h.store.Audit(ctx, consentlog.AuditEntry{Actor: h.actor(r), Action: action, ConsentID: consentID, Detail: detail})
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Prefix, v.User, v.Logout, v.Cookies = h.prefix, h.actor(r), h.logout, h.finds != nil
	if h.health != nil {
		v.Health = healthLine(h.health())
	}
	if err := write(w, status, name, v); err != nil {
		h.log.Error("console: render", zap.String("page", name), zap.Error(err))
	}
}

// write renders page name in the layout; a template that fails (a bug)
// answers 500 rather than half a page.
func write(w http.ResponseWriter, status int, name string, v view) error {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

type errorData struct{ Message string }

func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", view{Title: title, Data: errorData{Message: msg}})
}

// bad answers input the console cannot use with a 400 naming the problem.
func (h *handler) bad(w http.ResponseWriter, r *http.Request, err error) {
	msg := "The request could not be understood."
	if b, ok := errors.AsType[badInput](err); ok {
		msg = string(b)
	}
	h.fail(w, r, http.StatusBadRequest, "There is a problem", msg)
}

// unavailable answers a store failure with a 503: the DPO should retry,
// and nothing was changed.
func (h *handler) unavailable(w http.ResponseWriter, r *http.Request, action string, err error) {
	h.log.Error("console: consent log unavailable", zap.String("action", action), zap.String("user", h.actor(r)), zap.Error(err))
	w.Header().Set("Retry-After", "60")
	h.fail(w, r, http.StatusServiceUnavailable, "The consent records are not available",
		"The consent log could not be reached just now, so nothing was read or changed. Try again in a few minutes; if this keeps happening, tell the team that runs the web server.")
}

// row is a record as the tables show it.
// isoTime is how the console shows a time: ISO 8601 in UTC, to the second.
const isoTime = "2006-01-02T15:04:05Z"

type row struct {
	consentlog.Record
	When, Granted, History  string
	Text, ShortHash         string // the banner text page of the record's BannerHash, and its first digits
	EventLabel, MethodLabel string
}

// methodLabels and eventLabels say in plain words what the stored values
// (kept as they are in exports) mean.
var (
	methodLabels = map[consentlog.Method]string{
		consentlog.MethodAcceptAll:    "Accepted all",
		consentlog.MethodRejectAll:    "Rejected all",
		consentlog.MethodSaveSettings: "Saved settings",
		consentlog.MethodPlaceholder:  "Video or map placeholder",
		consentlog.MethodGPC:          "Browser privacy signal (GPC)",
		consentlog.MethodNoJSForm:     "Form without JavaScript",
		consentlog.MethodObject:       "Object to statistics button",
		consentlog.MethodAPI:          "By the site or console",
	}
	eventLabels = map[consentlog.Event]string{
		consentlog.EventInitial:            "First choice",
		consentlog.EventUpdate:             "Changed choice",
		consentlog.EventWithdraw:           "Withdrew consent",
		consentlog.EventRenewal:            "Asked again",
		consentlog.EventErasure:            "Erasure",
		consentlog.EventObjection:          "Objected to statistics",
		consentlog.EventObjectionWithdrawn: "Withdrew objection to statistics",
	}
)

// plainLabel is labels[v], or v itself for a value this console does not know.
func plainLabel[T ~string](labels map[T]string, v T) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return string(v)
}

func (h *handler) rows(recs []consentlog.Record) []row {
	out := make([]row, len(recs))
	for i, r := range recs {
		out[i] = row{Record: r, When: r.Time.UTC().Format(isoTime), Granted: granted(r),
			EventLabel: plainLabel(eventLabels, r.Event), MethodLabel: plainLabel(methodLabels, r.Method)}
		if r.ConsentID != "" {
			out[i].History = h.link("/history", "id", r.ConsentID)
		}
		if consentlog.IsBannerHash(r.BannerHash) {
			out[i].Text, out[i].ShortHash = h.link("/banner-text", "hash", r.BannerHash), r.BannerHash[:8]
		}
	}
	return out
}

// granted describes the optional categories a record allows.
func granted(r consentlog.Record) string {
	switch {
	case r.Event == consentlog.EventErasure:
		return ""
	case len(r.Granted) == 0:
		return "none"
	}
	s := make([]string, len(r.Granted))
	for i, c := range r.Granted {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

type searchData struct {
	ID, From, To          string
	Searched              bool
	Records               []row
	Next                  string
	ExportCSV, ExportJSON string
}

func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	d := searchData{ID: q.Get("id"), From: q.Get("from"), To: q.Get("to")}
	if !slices.ContainsFunc([]string{"id", "from", "to", "after"}, q.Has) {
		h.render(w, r, http.StatusOK, "search", view{Title: "Search consent records", Nav: "search", Data: d})
		return
	}
	id, err := consentID(q.Get("id"))
	if err != nil {
		h.bad(w, r, err)
		return
	}
	from, to, err := dateRange(q)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	var after int64
	if a := q.Get("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after < 0 {
			h.bad(w, r, badInput("The page position is not valid: start the search again."))
			return
		}
	}
	d.ID, d.From, d.To, d.Searched = id, dayString(from), dayString(to), true
	if err := h.audit(r.Context(), r, "search", id, consentlog.AuditDetail("from", d.From, "to", d.To, "after", q.Get("after"))); err != nil {
		h.unavailable(w, r, "search", err)
		return
	}
	page, err := h.store.Search(r.Context(), query(id, from, to, after))
	if err != nil {
		h.unavailable(w, r, "search", err)
		return
	}
	d.Records = h.rows(page.Records)
	if page.Next != 0 {
		d.Next = h.link("/", "id", id, "from", d.From, "to", d.To, "after", strconv.FormatInt(page.Next, 10))
	}
	d.ExportCSV = h.link("/export", "format", "csv", "id", id, "from", d.From, "to", d.To)
	d.ExportJSON = h.link("/export", "format", "json", "id", id, "from", d.From, "to", d.To)
	h.render(w, r, http.StatusOK, "search", view{Title: "Search consent records", Nav: "search", Data: d})
}

// query is a search of whole days: to is inclusive.
func query(id string, from, to time.Time, after int64) consentlog.Query {
	q := consentlog.Query{ConsentID: id, From: from, After: after, Limit: pageSize}
	if !to.IsZero() {
		q.To = to.AddDate(0, 0, 1)
	}
	return q
}

type historyData struct {
	ID                              string
	Records                         []row
	ExportCSV, ExportJSON, EraseURL string
	Erased                          *auditRow // no records left: the audit log's first erasure of the ID
}

func (h *handler) history(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	id, err := requiredID(q.Get("id"), "Give the consent ID whose history you want to see.")
	if err != nil {
		h.bad(w, r, err)
		return
	}
	if err := h.audit(r.Context(), r, "history", id, ""); err != nil {
		h.unavailable(w, r, "history", err)
		return
	}
	recs, err := h.store.History(r.Context(), id)
	if err != nil {
		h.unavailable(w, r, "history", err)
		return
	}
	d := historyData{
		ID: id, Records: h.rows(recs),
		ExportCSV:  h.link("/export", "format", "csv", "id", id),
		ExportJSON: h.link("/export", "format", "json", "id", id),
		EraseURL:   h.link("/erase", "id", id),
	}
	if len(recs) == 0 {
		// The records are gone: the audit log, which knows the ID only by
		// its keyed hash, can still say whether it was erased.
		entries, err := h.store.AuditOf(r.Context(), id)
		if err != nil {
			h.unavailable(w, r, "history", err)
			return
		}
		// The first erasure is the one that found records; later ones
		// found nothing left.
		if i := slices.IndexFunc(entries, func(e consentlog.AuditEntry) bool { return e.Action == "erase" }); i >= 0 {
			row := newAuditRow(entries[i])
			d.Erased = &row
		}
	}
	h.render(w, r, http.StatusOK, "history", view{Title: "History of a consent ID", Nav: "search", Data: d})
}

// lazyWriter holds back the response headers until the first byte of the
// export, so that an export that fails before writing anything can still
// be answered with an error page.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header()
	}
	return l.w.Write(p)
}

func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	format := consentlog.Format(q.Get("format"))
	contentType := map[consentlog.Format]string{consentlog.CSV: "text/csv; charset=utf-8", consentlog.JSON: "application/json"}[format]
	if contentType == "" {
		h.bad(w, r, badInput(fmt.Sprintf("“%s” is not an export format: choose csv or json.", format)))
		return
	}
	id, err := consentID(q.Get("id"))
	if err != nil {
		h.bad(w, r, err)
		return
	}
	from, to, err := dateRange(q)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	if err := h.audit(r.Context(), r, "export", id, consentlog.AuditDetail("format", string(format), "from", dayString(from), "to", dayString(to))); err != nil {
		h.unavailable(w, r, "export", err)
		return
	}
	name := fmt.Sprintf("consent-records-%s.%s", time.Now().UTC().Format("20060102-150405"), format)
	lw := &lazyWriter{w: w, header: func() {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}}
	qr := query(id, from, to, 0)
	qr.Limit = 0
	if err := h.store.Export(r.Context(), lw, format, qr); err != nil {
		if !lw.started {
			h.unavailable(w, r, "export", err)
			return
		}
		// Half a file must not look like a whole one: cut the connection
		// so that the browser reports the download as failed.
		h.log.Error("console: export failed midway", zap.String("user", h.actor(r)), zap.Error(err))
		panic(http.ErrAbortHandler)
	}
}

type verifyData struct {
	Ran    bool
	Report consentlog.Report
	Purged bool // the chain starts at an anchor left by the retention purge
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	var d verifyData
	if q.Get("run") != "" {
		if err := h.audit(r.Context(), r, "verify", "", ""); err != nil {
			h.unavailable(w, r, "verify", err)
			return
		}
		if d.Report, err = h.store.Verify(r.Context()); err != nil {
			h.unavailable(w, r, "verify", err)
			return
		}
		d.Ran, d.Purged = true, d.Report.Anchor != consentlog.GenesisHash
	}
	h.render(w, r, http.StatusOK, "verify", view{Title: "Check the records have not been altered", Nav: "verify", Data: d})
}

type confirmData struct{ ID, Token, Cancel string }

func (h *handler) confirmErase(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	id, err := requiredID(q.Get("id"), "Give the consent ID to erase.")
	if err != nil {
		h.bad(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "confirm", view{Title: "Erase a consent ID", Nav: "search", Data: confirmData{
		ID: id, Token: h.token(h.actor(r), id), Cancel: h.link("/history", "id", id),
	}})
}

type erasedData struct {
	ID     string
	Record consentlog.Record
	When   string
}

// maxForm bounds the erase form body: two short fields.
const maxForm = 4096

func (h *handler) erase(w http.ResponseWriter, r *http.Request) {
	if err := h.cop.Check(r); err != nil {
		h.fail(w, r, http.StatusForbidden, "Erasure refused",
			"This request came from another site, so nothing was erased. Open the console directly and erase from its own page.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.bad(w, r, badInput("The form could not be read."))
		return
	}
	id, err := requiredID(r.PostForm.Get("id"), "Give the consent ID to erase.")
	if err != nil {
		h.bad(w, r, err)
		return
	}
	user := h.actor(r)
	if !h.validToken(user, id, r.PostForm.Get("token")) {
		h.fail(w, r, http.StatusForbidden, "Erasure refused",
			"The form has expired or was not issued by this console, so nothing was erased. Open the consent ID's history and choose “Erase” again.")
		return
	}
	if err := h.audit(r.Context(), r, "erase", id, ""); err != nil {
		h.unavailable(w, r, "erase", err)
		return
	}
	recs, err := h.store.History(r.Context(), id)
	if err != nil {
		h.unavailable(w, r, "erase", err)
		return
	}
	if len(recs) == 0 {
		h.fail(w, r, http.StatusNotFound, "Nothing to erase",
			"There are no records of consent ID “"+id+"”. It may have been erased already, or purged at the end of the retention period.")
		return
	}
	rec, err := h.store.Erase(r.Context(), id)
	if err != nil {
		h.unavailable(w, r, "erase", err)
		return
	}
	// Erase returns the record before the store gave it its place in the
	// chain; the DPO is shown the stored one, sequence number and hash included.
	if page, err := h.store.Search(r.Context(), consentlog.Query{Event: consentlog.EventErasure, From: rec.Time}); err == nil {
		if i := slices.IndexFunc(page.Records, func(s consentlog.Record) bool { return s.ID == rec.ID }); i >= 0 {
			rec = page.Records[i]
		}
	}
	h.render(w, r, http.StatusOK, "erased", view{Title: "Consent ID erased", Nav: "search", Data: erasedData{
		ID: id, Record: rec, When: rec.Time.UTC().Format(isoTime),
	}})
}

type auditData struct {
	From, To  string
	ID        string // a consent ID typed in: its entries only, found by keyed hash
	Entries   []auditRow
	Truncated bool
}

type auditRow struct {
	consentlog.AuditEntry
	When string
}

func newAuditRow(e consentlog.AuditEntry) auditRow {
	return auditRow{AuditEntry: e, When: e.Time.UTC().Format(isoTime)}
}

func (h *handler) auditLog(w http.ResponseWriter, r *http.Request) {
	q, err := params(r)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	from, to, err := dateRange(q)
	if err != nil {
		h.bad(w, r, err)
		return
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	id, err := consentID(q.Get("id"))
	if err != nil {
		h.bad(w, r, err)
		return
	}
	d := auditData{From: dayString(from), To: dayString(to), ID: id}
	if err := h.audit(r.Context(), r, "audit_log", d.ID, consentlog.AuditDetail("from", d.From, "to", d.To)); err != nil {
		h.unavailable(w, r, "audit_log", err)
		return
	}
	var entries []consentlog.AuditEntry
	if id != "" {
		entries, err = h.store.AuditOf(r.Context(), id)
	} else {
		entries, err = h.store.AuditLog(r.Context(), from, to.AddDate(0, 0, 1), auditRows+1)
	}
	if err != nil {
		h.unavailable(w, r, "audit_log", err)
		return
	}
	if len(entries) > auditRows {
		entries, d.Truncated = entries[:auditRows], true
	}
	for _, e := range slices.Backward(entries) {
		d.Entries = append(d.Entries, newAuditRow(e))
	}
	h.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
}
