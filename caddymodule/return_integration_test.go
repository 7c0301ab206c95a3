package caddymodule_test

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consentgate/internal/testcaddy"
)

// TestReturnToNeverSplitsTheRedirect: a posted return_to with NUL, CR/LF or
// other control bytes, or a backslash, redirects to "/", and nothing of it
// reaches the response head, read here byte by byte off the wire.
func TestReturnToNeverSplitsTheRedirect(t *testing.T) {
	base := testcaddy.Start(t, itFileServer(t, ""))
	host := strings.TrimPrefix(base, "http://")
	for _, in := range []string{"/a\x00b", "/a\r\nSet-Cookie: evil=1", "/a%0d%0aX-Evil: 1", "/\\evil.example", "//evil.example", "/a\tb\x1b[2J", "/ok\x7f"} {
		form := url.Values{"action": {"reject_all"}, "return_to": {in}}.Encode()
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "POST /_consent/choice HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			host, base, len(form), form)
		br := bufio.NewReader(conn)
		var location string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%q: reading head: %v", in, err)
			}
			if line == "\r\n" {
				break
			}
			for i := range len(line) - 2 {
				if c := line[i]; c < 0x20 && c != '\t' || c == 0x7f {
					t.Errorf("%q: control byte %#x in header line %q", in, c, line)
				}
			}
			if strings.HasPrefix(strings.ToLower(line), "x-evil") || strings.Contains(line, "evil=1") {
				t.Errorf("%q: injected header %q", in, line)
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Location") {
				location = strings.TrimSpace(v)
			}
		}
		conn.Close()
		want := "/#cg-saved" // the saved message's fragment, after the only path left
		if in == "/a%0d%0aX-Evil: 1" {
			want = "/a%0D%0AX-Evil:%201#cg-saved" // percent-encoded bytes stay encoded: a path, not a header
		}
		if location != want {
			t.Errorf("return_to %q: Location %q, want %q", in, location, want)
		}
	}
}
