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
