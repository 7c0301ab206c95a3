package rewrite

import (
	"bytes"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/trackers"
)

// TestPlaceholder: a held-back frame shows the placeholder document as its
// srcdoc (escaped), keeps its own srcdoc aside, and frames the visitor
// allows, scripts and pixels get none.
func TestPlaceholder(t *testing.T) {
	var seen []string
	opts := Options{
		Allowed: allow(trackers.Social),
		Placeholder: func(dst []byte, v *trackers.Vendor, src, lang string) []byte {
			seen = append(seen, v.ID+" "+src)
			return append(dst, EscapeSrcdoc([]byte(`<p class="x">"`+v.Name+`" & more</p>`))...)
		},
	}
	in := `<iframe width="560" height="315" src="https://www.youtube.com/embed/abc?rel=0&amp;x=1" title="Video"></iframe>` +
		`<IFRAME data-src="//www.youtube-nocookie.com/embed/lazy" srcdoc="<b>own</b>" class=lazyload></IFRAME>` +
		`<iframe src="https://www.facebook.com/plugins/page.php?href=x"></iframe>` +
		`<img src="https://www.facebook.com/tr?id=1&ev=PageView">` +
		`<iframe src="/first-party.html"></iframe>`
	for _, chunk := range []int{1, 7, len(in)} {
		seen = nil
		out := string(run(t, []byte(in), chunk, opts))
		for _, want := range []string{
			`<iframe data-consent="media" data-consent-vendor="youtube" data-consent-ph srcdoc="&lt;p class=&quot;x&quot;&gt;&quot;YouTube&quot; &amp; more&lt;/p&gt;" width="560" height="315" data-consent-src="https://www.youtube.com/embed/abc?rel=0&amp;x=1" title="Video"></iframe>`,
			`<IFRAME data-consent="media" data-consent-vendor="youtube" data-consent-ph srcdoc="&lt;p class=&quot;x&quot;&gt;&quot;YouTube&quot; &amp; more&lt;/p&gt;" data-consent-data-src="//www.youtube-nocookie.com/embed/lazy" data-consent-srcdoc="<b>own</b>" class=lazyload></IFRAME>`,
			`<iframe src="https://www.facebook.com/plugins/page.php?href=x"></iframe>`,
			`<iframe src="/first-party.html"></iframe>`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("chunk %d: output lacks\n%s\nin\n%s", chunk, want, out)
			}
		}
		if n := strings.Count(out, "srcdoc="); n != 3 {
			t.Errorf("chunk %d: %d srcdoc attributes, want 3 (two placeholders, one kept aside):\n%s", chunk, n, out)
		}
		if bytes.Contains([]byte(out), []byte(`<img data-consent-ph`)) {
			t.Errorf("a pixel got a placeholder")
		}
		want := []string{"youtube https://www.youtube.com/embed/abc?rel=0&x=1", "youtube //www.youtube-nocookie.com/embed/lazy"}
		if strings.Join(seen, "|") != strings.Join(want, "|") {
			t.Errorf("chunk %d: placeholders asked for %q, want %q", chunk, seen, want)
		}
	}
}
