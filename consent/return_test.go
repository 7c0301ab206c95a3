package consent

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeReturn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/news?page=2", "/news?page=2"},
		{"/news/", "/news/"},
		{"/a/./b/../c", "/a/c"},
		{"/a//b", "/a/b"},
		{"/.//evil.example", "/evil.example"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"/caf\u00e9?q=\u00e9 x", "/caf%C3%A9?q=%C3%A9%20x"},
		{"/x#frag", "/x"},
		{"news", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/a\\b", "/"},
		{"/a\x00b", "/"},
		{"/a\r\nSet-Cookie: x=1", "/"},
		{"/a\tb", "/"},
		{"/a\x7f", "/"},
		{"/a\x1b[31m", "/"},
		{"/" + strings.Repeat("a", 2048), "/"},
		{"/" + strings.Repeat("\u00e9", 700), "/"}, // 1,401 bytes, 4,201 once escaped
	} {
		if got := SafeReturn(tc.in); got != tc.want {
			t.Errorf("SafeReturn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeReturn: whatever return_to is posted, the redirect stays on this
// site and carries no byte a header or a log could be split on.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/", "/news?x=1", "//evil", "/\\evil", "/a\x00", "/%0d%0a", "/\r\nX: y", "/../..//evil",
		"/.//evil", "/a?b#c", "/%2e%2e/", "/caf\u00e9", "/a/..//b", "/?//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://site.example/dir/page")
	f.Fuzz(func(t *testing.T, in string) {
		got := SafeReturn(in)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("SafeReturn(%q) = %q: not a same-origin path", in, got)
		}
		for i := range len(got) {
			if c := got[i]; c < 0x20 || c >= 0x7f || c == '\\' {
				t.Fatalf("SafeReturn(%q) = %q: byte %#x", in, got, c)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("SafeReturn(%q) = %q: %v", in, got, err)
		}
		if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme || r.User != nil {
			t.Fatalf("SafeReturn(%q) = %q resolves to %s", in, got, r)
		}
		if again := SafeReturn(got); again != got {
			t.Fatalf("SafeReturn not idempotent: %q → %q → %q", in, got, again)
		}
	})
}
