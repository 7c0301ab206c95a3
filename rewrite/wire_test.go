package rewrite

import (
	"os"
	"strings"
	"testing"
)

// TestBannerReadsTheWireNames: each name the rewriter writes for the
// banner script to undo is one banner.js reads. A name changed on one side
// only would leave held elements held after consent.
func TestBannerReadsTheWireNames(t *testing.T) {
	b, err := os.ReadFile("../banner/assets/banner.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, c := range []struct{ name, reads string }{
		{attrCategory, `'[` + attrCategory + `]`},              // the elements it restores
		{attrCategory, `getAttribute('` + attrCategory + `')`}, // and their category
		{attrVendor, `'` + attrVendor + `'`},                   // the YouTube placeholder's vendor
		{attrHeld, `/^` + attrHeld + `/`},                      // data-consent-x becomes x
		{attrType, `'` + attrType + `'`},                       // a script keeps its own type
		{attrPlaceholder, `'` + attrPlaceholder + `'`},         // a frame's placeholder goes
		{attrPlaceholder, `iframe[` + attrPlaceholder + `]`},   // and is sized
		{attrElement, `getAttribute('` + attrElement + `')`},   // a held AMP component's name
		{heldElement, heldElement},                             // the held AMP component
		{openAttr, `[` + openAttr + `]`},                       // the site's own settings link
	} {
		if !strings.Contains(js, c.reads) {
			t.Errorf("banner.js does not read %s as %s", c.name, c.reads)
		}
	}
}
