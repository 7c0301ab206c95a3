package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// span is when one answered choice was sent and when its answer came.
type span struct{ sent, answered time.Time }

// loadResult counts what the visitors saw.
type loadResult struct {
	conns     int
	elapsed   time.Duration
	pages     int64
	pageErrs  int64
	answered  int64 // choice posts answered 2xx/3xx: each must be one stored record
	refused   int64 // choice posts answered with another status
	ambiguous int64 // choice posts with no answer (transport error, timeout): stored or not
	firstErr  string
	spans     []span
	pageLat   []time.Duration
}

// load is a crowd of visitors, each with its own cookie jar, looping: load
// a page, post a choice. Posts alternate between the banner script's
// (Accept: application/json, answered 200 JSON) and the no-JavaScript form
// (answered 303), and between accept all, reject all and saved settings.
type load struct {
	base   string
	tr     *http.Transport
	stop   atomic.Bool
	wg     sync.WaitGroup
	start  time.Time
	mu     sync.Mutex
	res    loadResult
	errSet sync.Once
}

func newTransport(conns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxConnsPerHost:     conns,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// startLoad starts conns visitors against base; stop them with finish.
func startLoad(base string, conns int) *load {
	l := &load{base: base, tr: newTransport(conns), start: time.Now()}
	l.res.conns = conns
	for w := range conns {
		l.wg.Go(func() { l.visitor(w) })
	}
	return l
}

// finish lets every visitor complete the request it is in (so no answer is
// cut off and left ambiguous) and returns the counts.
func (l *load) finish() loadResult {
	l.stop.Store(true)
	l.wg.Wait()
	l.tr.CloseIdleConnections()
	l.res.elapsed = time.Since(l.start)
	return l.res
}

func (l *load) fail(format string, args ...any) {
	l.errSet.Do(func() { l.res.firstErr = fmt.Sprintf(format, args...) })
}

var choiceForms = []url.Values{
	{"action": {"accept_all"}, "return_to": {"/"}},
	{"action": {"reject_all"}, "return_to": {"/"}},
	{"action": {"save"}, "category": {"analytics", "media"}, "return_to": {"/"}},
}

func (l *load) visitor(w int) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Transport: l.tr, Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var pages, pageErrs, answered, refused, ambiguous int64
	var spans []span
	var pageLat []time.Duration
	for i := 0; !l.stop.Load(); i++ {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, l.base+"/", nil)
		req.Header.Set("Accept", "text/html")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		if err != nil {
			pageErrs++
			l.fail("GET /: %v", err)
			time.Sleep(100 * time.Millisecond) // a site that is down is not hammered in a tight loop
			continue
		}
		pages++
		pageLat = append(pageLat, time.Since(t0))

		form := choiceForms[(w+i)%len(choiceForms)]
		js := (w+i)%2 == 0
		req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, l.base+"/_consent/choice", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", l.base)
		if js {
			req.Header.Set("Accept", "application/json")
		} else {
			req.Header.Set("Accept", "text/html")
		}
		sent := time.Now()
		resp, err = client.Do(req)
		if err != nil {
			ambiguous++
			l.fail("POST choice: %v", err)
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		switch {
		case err != nil:
			ambiguous++
			l.fail("POST choice: reading the answer: %v", err)
		case js && resp.StatusCode == http.StatusOK:
			var ans struct{ ID string }
			if json.Unmarshal(body, &ans) != nil || ans.ID == "" {
				l.fail("POST choice (JSON): 200 without a consent ID: %.100q", body)
			}
			answered++
			spans = append(spans, span{sent, time.Now()})
		case !js && resp.StatusCode == http.StatusSeeOther:
			answered++
			spans = append(spans, span{sent, time.Now()})
		case resp.StatusCode < 400:
			answered++
			spans = append(spans, span{sent, time.Now()})
			l.fail("POST choice (js=%v): unexpected %s", js, resp.Status)
		default:
			refused++
			l.fail("POST choice (js=%v): %s: %.200q", js, resp.Status, body)
		}
	}
	l.mu.Lock()
	l.res.pages += pages
	l.res.pageErrs += pageErrs
	l.res.answered += answered
	l.res.refused += refused
	l.res.ambiguous += ambiguous
	l.res.spans = append(l.res.spans, spans...)
	l.res.pageLat = append(l.res.pageLat, pageLat...)
	l.mu.Unlock()
}

// appendTimeout is the consent log's default bound on a store append
// (consentlog.LogOptions): a visitor's choice should not wait much longer.
const appendTimeout = 2 * time.Second

// String is the load part of a summary line.
func (r loadResult) String() string {
	lat := make([]time.Duration, len(r.spans))
	slow := 0
	for i, s := range r.spans {
		lat[i] = s.answered.Sub(s.sent)
		if lat[i] > appendTimeout {
			slow++
		}
	}
	return fmt.Sprintf("%d conns %s: %d choices answered (%.0f/s, %s, %d over %s), %d pages (%s)", r.conns, r.elapsed.Round(time.Second),
		r.answered, float64(r.answered)/r.elapsed.Seconds(), percentiles(lat), slow, appendTimeout, r.pages, percentiles(slices.Clone(r.pageLat))) + r.faults()
}

// percentiles sorts lat and names its median, 99th percentile and maximum.
func percentiles(lat []time.Duration) string {
	if len(lat) == 0 {
		return "no answers"
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(float64(len(lat)-1)*q)].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %s, p99 %s, max %s", p(.5), p(.99), p(1))
}

func (r loadResult) faults() string {
	s := ""
	if r.refused+r.ambiguous+r.pageErrs > 0 {
		s += fmt.Sprintf(", %d refused, %d unanswered, %d page errors", r.refused, r.ambiguous, r.pageErrs)
	}
	return s
}

// problems are the load's violated invariants: every request answered.
func (r loadResult) problems() []string {
	var p []string
	if r.refused > 0 {
		p = append(p, fmt.Sprintf("%d choice posts refused", r.refused))
	}
	if r.ambiguous > 0 {
		p = append(p, fmt.Sprintf("%d choice posts unanswered (stored or not, nobody can say)", r.ambiguous))
	}
	if r.pageErrs > 0 {
		p = append(p, fmt.Sprintf("%d page loads failed", r.pageErrs))
	}
	if len(p) > 0 && r.firstErr != "" {
		p = append(p, "first: "+r.firstErr)
	}
	return p
}

// between counts answered choices sent after t0, and those answered after t1.
func (r loadResult) between(t0, t1 time.Time) (sentAfter, answeredAfter int64) {
	for _, s := range r.spans {
		if s.sent.After(t0) {
			sentAfter++
		}
		if s.answered.After(t1) {
			answeredAfter++
		}
	}
	return
}
