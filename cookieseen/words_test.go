package cookieseen

import "testing"

// Every source and kind has words of its own for the console and the CLI,
// and every lifetime is worded.
func TestWords(t *testing.T) {
	for _, s := range []Source{Upstream, Page, Banner} {
		if s.Words() == string(s) {
			t.Errorf("source %q has no words", s)
		}
	}
	if Storage.Words() != "local storage key" {
		t.Errorf("storage is %q", Storage.Words())
	}
	for age, want := range map[int64]string{-1: "not known", 0: "when you close your browser", 2592000: "1 month"} {
		if got := Lifetime(age); got != want {
			t.Errorf("Lifetime(%d) = %q, want %q", age, got, want)
		}
	}
}

// A Max-Age past what browsers keep is worded as what they keep.
func TestExpiryOfCapsAtWhatBrowsersKeep(t *testing.T) {
	for age, want := range map[int64]string{10 * 365 * 86400: "400 days", 1 << 62: "400 days", 34560000: "400 days", 34559999: "34559999 seconds"} {
		if e, ok := ExpiryOf(age); !ok || e.Words("en") != want {
			t.Errorf("ExpiryOf(%d) = %q, %v, want %q", age, e.Words("en"), ok, want)
		}
	}
	if _, ok := ExpiryOf(-1); ok {
		t.Error("ExpiryOf(-1): a lifetime where none was seen")
	}
}
