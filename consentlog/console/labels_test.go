package console

import (
	"testing"

	"github.com/consentgate/consentgate/consentlog"
)

// Every stored method and event has words of its own in the console.
func TestEveryValueHasPlainWords(t *testing.T) {
	for _, m := range consentlog.Methods {
		if l := plainLabel(methodLabels, m); l == string(m) {
			t.Errorf("method %q has no label", m)
		}
	}
	for _, e := range consentlog.Events {
		if l := plainLabel(eventLabels, e); l == string(e) {
			t.Errorf("event %q has no label", e)
		}
	}
	if l := plainLabel(methodLabels, "from_the_future"); l != "from_the_future" {
		t.Errorf("an unknown method shows as %q", l)
	}
}

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		n, total int64
		want     string
	}{
		{0, 0, ""}, {0, 5, "0%"}, {5, 5, "100%"}, {1, 3, "33%"}, {2, 3, "67%"},
		{1, 1000, "<1%"}, {999, 1000, ">99%"}, {1, 200, "1%"},
	} {
		if got := share(tc.n, tc.total); got != tc.want {
			t.Errorf("share(%d, %d) = %q, want %q", tc.n, tc.total, got, tc.want)
		}
	}
}
