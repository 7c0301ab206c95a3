package console

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/consentgate/consentgate/consentlog"
)

// series are the counts a chart shows, with GOV.UK palette colours that
// stay distinguishable for the common colour-vision deficiencies when
// read with the legend and the tooltips. The first four are the kinds of
// decision; objections to statistics run under the exception, and their
// withdrawals, are not decisions (consentlog.DayStats).
var series = []seriesInfo{
	{"accept", "Accepted all", "#00703c"},
	{"reject", "Rejected all", "#d4351c"},
	{"custom", "Chose some", "#1d70b8"},
	{"withdraw", "Withdrew", "#f47738"},
	{"gpc", "With GPC signal", "#4c2c92"},
	{"objection", "Objected to statistics", "#505a5f"},
	{"objection_withdrawn", "Withdrew objection to statistics", "#28a197"},
}

type seriesInfo struct{ Key, Name, Colour string }

// Series is the legend of the charts and the columns of the tables.
func (statsData) Series() []seriesInfo { return series }

// counts are one row of statistics, indexed like series.
type counts [7]int64

func countsOf(d consentlog.DayStats) counts {
	return counts{d.Accept, d.Reject, d.Custom, d.Withdraw, d.GPC, d.Objection, d.ObjectionWithdrawn}
}

func (c *counts) add(o counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// Decisions is the number of decisions: every decision is exactly one of
// accept, reject, custom or withdraw; GPC counts some of them again.
func (c counts) Decisions() int64 { return c[0] + c[1] + c[2] + c[3] }

// Objections and ObjectionsWithdrawn count the objections to statistics
// and their withdrawals.
func (c counts) Objections() int64          { return c[5] }
func (c counts) ObjectionsWithdrawn() int64 { return c[6] }

type statRow struct {
	Label  string
	Counts counts
}

// cell is one figure of a statistics table: the count and, for the four
// kinds of decision, its share of the row's decisions, so that days and
// languages of different traffic compare.
type cell struct {
	Count int64
	Share string
}

// Cells are the row's figures in the order of series.
func (r statRow) Cells() []cell { return r.Counts.cells() }

func (c counts) cells() []cell {
	out := make([]cell, len(c))
	for i, n := range c {
		out[i].Count = n
		if i < 4 {
			out[i].Share = share(n, c.Decisions())
		}
	}
	return out
}

// share is n as a whole percentage of total ("" when there is nothing to
// share), never rounded to 0% or 100% when it is not.
func share(n, total int64) string {
	if total == 0 {
		return ""
	}
	p := math.Round(100 * float64(n) / float64(total))
	switch {
	case n > 0 && p == 0:
		return "<1%"
	case n < total && p == 100:
		return ">99%"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// TotalCells are the figures of the whole period.
func (d statsData) TotalCells() []cell { return d.Total.cells() }

type statsData struct {
	From, To         string
	Days, Locales    []statRow
	Total            counts
	DayChart, LChart chart
	// DayShares and LShares draw the same decisions as shares.
	DayShares, LShares chart
	// Exception is the assessment the site runs statistics under; nil
	// when it runs none without consent.
	Exception *StatisticsException
}

func (h *handler) stats(w http.ResponseWriter, r *http.Request) {
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
	if to.IsZero() {
		to = time.Now().UTC().Truncate(24 * time.Hour)
		if !from.IsZero() && to.Before(from) {
			to = from
		}
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -29)
	}
	if to.Sub(from) >= maxDays*24*time.Hour {
		h.bad(w, r, badInput(fmt.Sprintf("Choose at most %d days at a time.", maxDays)))
		return
	}
	d := statsData{From: dayString(from), To: dayString(to), Exception: h.except}
	if err := h.audit(r.Context(), r, "stats", "", consentlog.AuditDetail("from", d.From, "to", d.To)); err != nil {
		h.unavailable(w, r, "stats", err)
		return
	}
	st, err := h.store.Stats(r.Context(), from, to)
	if err != nil {
		h.unavailable(w, r, "stats", err)
		return
	}
	byDay := map[string]counts{}
	byLocale := map[string]counts{}
	var locales []string
	for _, s := range st {
		c := byDay[s.Day]
		c.add(countsOf(s))
		byDay[s.Day] = c
		l, seen := byLocale[s.Locale]
		if !seen {
			locales = append(locales, s.Locale)
		}
		l.add(countsOf(s))
		byLocale[s.Locale] = l
		d.Total.add(countsOf(s))
	}
	// Every day of the range, so that the chart's time axis is even.
	for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
		day := t.Format(time.DateOnly)
		d.Days = append(d.Days, statRow{Label: day, Counts: byDay[day]})
	}
	slices.Sort(locales)
	for _, l := range locales {
		label := l
		if label == "" {
			label = "(none)"
		}
		d.Locales = append(d.Locales, statRow{Label: label, Counts: byLocale[l]})
	}
	d.DayChart = dayChart(d.Days)
	d.LChart = localeChart(d.Locales)
	d.DayShares = shareChart(d.Days, 12, 6, true, max(1, (len(d.Days)+29)/30))
	d.LShares = shareChart(d.Locales, 28, 24, false, 1)
	h.render(w, r, http.StatusOK, "stats", view{Title: "Statistics", Nav: "stats", Data: d})
}

// chart is an SVG bar chart laid out in user units.
type chart struct {
	Share  bool // bars are shares of each group's decisions, the axis 0–100%
	W, H   float64
	Bars   []bar
	Grid   []tick
	Labels []label
	Empty  bool
}

type bar struct {
	X, Y, W, H float64
	Colour     string
	Title      string
}

type tick struct {
	Y     float64
	Label string
}

type label struct {
	X, Y   float64
	Text   string
	Rotate bool
}

const (
	plotTop    = 10.0
	plotHeight = 200.0
	plotLeft   = 50.0
	plotBottom = plotTop + plotHeight
)

// group is one x position of a chart: stacks of segments side by side.
type group struct {
	Label  string
	Stacks [][]segment
}

type segment struct {
	Series int
	Value  int64
	Title  string // the tooltip; empty: "<group>: <series> <value>"
}

// layout draws groups left to right, each stack as bars on top of each
// other, on a y axis from 0 to a round number above the tallest stack.
// A share chart's values are per mille of the group's decisions.
func layout(groups []group, stackW, gap float64, rotate bool, labelEvery int, share bool) chart {
	var top int64
	for _, g := range groups {
		for _, st := range g.Stacks {
			var sum int64
			for _, s := range st {
				sum += s.Value
			}
			top = max(top, sum)
		}
	}
	c := chart{Empty: top == 0, Share: share}
	top = niceCeil(top)
	if share {
		top = 1000
	}
	groupW := float64(len(groups[0].Stacks))*stackW + gap
	c.W = plotLeft + float64(len(groups))*groupW + 10
	c.H = plotBottom + 75
	scale := plotHeight / float64(top)
	for _, v := range []int64{0, top / 2, top} {
		l := strconv.FormatInt(v, 10)
		if share {
			l = strconv.FormatInt(v/10, 10) + "%"
		}
		c.Grid = append(c.Grid, tick{Y: plotBottom - float64(v)*scale, Label: l})
	}
	for gi, g := range groups {
		x := plotLeft + gap/2 + float64(gi)*groupW
		for si, st := range g.Stacks {
			y := plotBottom
			for _, s := range st {
				if s.Value == 0 {
					continue
				}
				hgt := math.Max(float64(s.Value)*scale, 1)
				y -= hgt
				title := s.Title
				if title == "" {
					title = fmt.Sprintf("%s: %s %d", g.Label, series[s.Series].Name, s.Value)
				}
				c.Bars = append(c.Bars, bar{
					X: x + float64(si)*stackW, Y: round(y), W: stackW - 1, H: round(hgt),
					Colour: series[s.Series].Colour, Title: title,
				})
			}
		}
		if gi%labelEvery == 0 {
			c.Labels = append(c.Labels, label{X: x + float64(len(g.Stacks))*stackW/2, Y: plotBottom + 14, Text: g.Label, Rotate: rotate})
		}
	}
	return c
}

func round(f float64) float64 { return math.Round(f*10) / 10 }

// niceCeil is the smallest of 2, 4, 10, 20, 40, 100, ... not below n, so
// the half-way grid line is a whole number.
func niceCeil(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{2, 4, 10} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// dayChart stacks the four kinds of decision per day with GPC beside
// them, and beside that the objections to statistics under their
// withdrawals: one stack, so that a month of days stays readable.
func dayChart(days []statRow) chart {
	groups := make([]group, len(days))
	for i, d := range days {
		groups[i] = group{Label: d.Label, Stacks: [][]segment{
			{{Series: 0, Value: d.Counts[0]}, {Series: 1, Value: d.Counts[1]}, {Series: 2, Value: d.Counts[2]}, {Series: 3, Value: d.Counts[3]}},
			{{Series: 4, Value: d.Counts[4]}},
			{{Series: 5, Value: d.Counts[5]}, {Series: 6, Value: d.Counts[6]}},
		}}
	}
	return layout(groups, 9, 6, true, max(1, (len(days)+29)/30), false)
}

// shareChart draws each row's decisions as one bar of 100%: the shares of
// accepted all, rejected all, chose some and withdrew, comparable between
// busy and quiet days or languages. Rows without decisions stay empty.
func shareChart(rows []statRow, stackW, gap float64, rotate bool, labelEvery int) chart {
	if len(rows) == 0 {
		return chart{Empty: true, Share: true}
	}
	groups := make([]group, len(rows))
	for i, r := range rows {
		var st []segment
		if n := r.Counts.Decisions(); n > 0 {
			cells := r.Cells()
			for k := range 4 {
				st = append(st, segment{Series: k, Value: int64(math.Round(1000 * float64(r.Counts[k]) / float64(n))),
					Title: fmt.Sprintf("%s: %s %s (%d of %d)", r.Label, series[k].Name, cells[k].Share, r.Counts[k], n)})
			}
		}
		groups[i] = group{Label: r.Label, Stacks: [][]segment{st}}
	}
	return layout(groups, stackW, gap, rotate, labelEvery, true)
}

// localeChart shows each count side by side per language.
func localeChart(locales []statRow) chart {
	if len(locales) == 0 {
		return chart{Empty: true}
	}
	groups := make([]group, len(locales))
	for i, l := range locales {
		g := group{Label: l.Label}
		for s := range series {
			g.Stacks = append(g.Stacks, []segment{{Series: s, Value: l.Counts[s]}})
		}
		groups[i] = g
	}
	return layout(groups, 14, 24, false, 1, false)
}
