package rewrite

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestAllocationsDoNotGrowWithUntouchedMarkup: a council page with 5 MB more
// of what no rule acts on (table rows, links, comments, styles, inline SVG
// icons, text) costs the same allocations as the page alone: none per
// untouched tag or byte, whatever the page's size.
func TestAllocationsDoNotGrowWithUntouchedMarkup(t *testing.T) {
	n := 0
	opts := everyRule(t, &n)
	page := page(t, 1)
	var filler bytes.Buffer
	for filler.Len() < 5<<20 {
		filler.WriteString(`<tr class="odd"><td><a href="/bins/collection-days?street=High+Street&amp;ward=4" title="High Street">High Street</a></td>` +
			`<td data-label="Day">Tuesday</td><!-- row --></tr>` + "\n" + `<li><svg class="icon"><use href="#arrow"></use></svg><span>More</span></li><style>.x{}</style>`)
	}
	i := bytes.Index(page, []byte("</body>"))
	big := append(append(append([]byte(nil), page[:i]...), filler.Bytes()...), page[i:]...)
	allocs := func(in []byte) float64 {
		return testing.AllocsPerRun(3, func() {
			r := New(io.Discard, opts)
			for i := 0; i < len(in); i += chunkSize {
				r.Write(in[i:min(i+chunkSize, len(in))])
			}
			r.Close()
		})
	}
	small, large := allocs(page), allocs(big)
	if large > small+2 {
		t.Errorf("%.0f allocations for the page, %.0f with 5 MB of untouched markup", small, large)
	}
	if !strings.Contains(string(run(t, big, chunkSize, opts)), `<use href="#arrow"></use>`) {
		t.Error("the filler is not in the output")
	}
}

// TestAllocationsDoNotGrowWithThePage: the 5 MB page, the council page
// repeated with every tracker, frame and placeholder in it, costs the same
// allocations per response as the 100 KB page: a held frame, its
// placeholder, an escaped URL or a neutralised script allocates nothing.
func TestAllocationsDoNotGrowWithThePage(t *testing.T) {
	n := 0
	opts := everyRule(t, &n)
	small, large := page(t, 100<<10), page(t, 5<<20)
	a1 := testing.AllocsPerRun(3, func() { rewriteOnce(t, small, opts) })
	n = 0
	a2 := testing.AllocsPerRun(1, func() { rewriteOnce(t, large, opts) })
	if n < 40*15 {
		t.Fatalf("%d elements neutralised in the 5 MB page: it does not repeat the trackers", n)
	}
	if a2 > a1+2 {
		t.Errorf("%.0f allocations per response for the 100 KB page, %.0f for the 5 MB page", a1, a2)
	}
}
