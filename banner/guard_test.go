package banner

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// guardHeadRE splits a rendered head into the guard's start tag, its text
// and what follows.
var guardHeadRE = regexp.MustCompile(`(?s)^(<script[^>]*>)(.*?)</script>(.*)$`)

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestHeadGuard: the guard is the first thing in the head, inline, with the
// page's nonce and the granted categories, its configuration filled in;
// Consent Mode follows. GuardHash is the hash the browser computes of the
// script's text, in HTML and in XHTML (CDATA markers are not text there).
func TestHeadGuard(t *testing.T) {
	cfg := `{"googletagmanager.com":[["/gtm.js","","analytics","google-tag-manager"]]}`
	var c Cache
	for _, tc := range []struct {
		name      string
		nonce     string
		xml       bool
		wantStart string
	}{
		{"html", "", false, `<script data-granted="media">`},
		{"html with nonce", "n0nce+/=", false, `<script data-granted="media" nonce="n0nce&#43;/=">`},
		{"xhtml", "", true, `<script data-granted="media">`},
		{"xhtml with nonce", "abc", true, `<script data-granted="media" nonce="abc">`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPage(t, "en", nil)
			p.Categories[1].Checked = true
			p.Guard, p.Nonce, p.XML = cfg, tc.nonce, tc.xml
			head := string(Head(p))
			if cached := c.Head(p); !slices.Equal(tokens(t, cached), tokens(t, []byte(head))) {
				t.Errorf("Cache.Head reads differently from Head:\n%s\n%s", cached, head)
			}
			m := guardHeadRE.FindStringSubmatch(head)
			if m == nil {
				t.Fatalf("head does not start with an inline script: %s", head)
			}
			start, text, rest := m[1], m[2], m[3]
			if start != tc.wantStart && !(tc.nonce != "" && strings.Contains(start, `nonce="`)) {
				t.Errorf("guard start tag %s, want %s", start, tc.wantStart)
			}
			if !strings.HasPrefix(rest, `<script src="/_consent/consent-mode.js" data-granted="media"`) {
				t.Errorf("after the guard comes %.80s, want Consent Mode", rest)
			}
			if !strings.Contains(text, cfg) {
				t.Errorf("guard text lacks its configuration")
			}
			if strings.Contains(text, "__CG_CONFIG__") {
				t.Errorf("configuration placeholder left in the guard")
			}
			browserText := text
			if tc.xml {
				if !strings.HasPrefix(text, "//<![CDATA[\n") || !strings.HasSuffix(text, "\n//]]>") {
					t.Errorf("XHTML guard is not wrapped in a commented CDATA section: %.20s...%s", text, text[len(text)-10:])
				}
				if err := wellFormed(head); err != nil {
					t.Errorf("XHTML head is not well-formed: %v", err)
				}
				browserText = strings.Replace(strings.Replace(text, "<![CDATA[", "", 1), "]]>", "", 1)
			}
			if got := GuardHash(p); got != hashOf(browserText) {
				t.Errorf("GuardHash = %s, want the hash of the script text %s", got, hashOf(browserText))
			}
		})
	}
	p := testPage(t, "en", nil)
	if head := string(Head(p)); strings.Count(head, "<script") != 1 || GuardHash(p) != "" {
		t.Errorf("without a guard configuration the head is only Consent Mode, got %s (hash %q)", head, GuardHash(p))
	}
}

// TestGuardTextIsInert: nothing in the guard or its configuration can end
// the script element, open an HTML comment (script data escaped state) or
// end a CDATA section, whatever the configuration's strings hold.
func TestGuardTextIsInert(t *testing.T) {
	for _, xml := range []bool{false, true} {
		text := guardText(Page{Guard: `{"evil.example":[["/</script><!--","]]>","analytics","x</SCRIPT>"]]}`, XML: xml})
		body := strings.TrimSuffix(strings.TrimPrefix(text, "//<![CDATA[\n"), "\n//]]>")
		lower := strings.ToLower(body)
		for _, bad := range []string{"</script", "<script", "<!--", "]]>"} {
			if strings.Contains(lower, bad) {
				t.Errorf("xml=%v: guard text contains %q", xml, bad)
			}
		}
	}
}
