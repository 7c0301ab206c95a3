package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// TestLastMileEnterTogglesSwitch: in the settings layer Enter on a switch
// toggles it as Space does; it records nothing and the layer stays open.
func TestLastMileEnterTogglesSwitch(t *testing.T) {
	e := newEnv(t, "")
	e.load("/")
	e.openSettingsFromBanner()
	e.key(kb.Tab)
	if id := evalJS[string](e, `document.activeElement.id`); id != "cg-c-analytics" {
		t.Fatalf("the first Tab in the settings reached %q, want the Analytics switch", id)
	}
	e.key(" ")
	e.key(kb.Tab)
	if id := evalJS[string](e, `document.activeElement.id`); id != "cg-c-media" {
		t.Fatalf("the next Tab reached %q, want the Embedded video switch", id)
	}
	e.key(kb.Enter)
	time.Sleep(quiet)
	if got := evalJS[string](e, `[...document.querySelectorAll('#cg-settings input[name=category]')].map(c => c.id + '=' + c.checked).join(' ')`); got != "cg-c-analytics=true cg-c-media=true cg-c-social=false cg-c-marketing=false" {
		t.Errorf("after Space on Analytics and Enter on Embedded video the switches are %s", got)
	}
	if c := e.consentCookie(); c != nil {
		t.Errorf("Enter on a switch recorded a choice: consent cookie %q", c.Value)
	}
	if !evalJS[bool](e, settingsOpenJS) {
		t.Error("Enter on a switch closed the settings layer")
	}
	e.key(kb.Enter)
	if evalJS[bool](e, `document.getElementById('cg-c-media').checked`) {
		t.Error("a second Enter did not switch Embedded video off again")
	}
	e.noStubTraffic("after toggling switches without saving")
	e.noExceptions()
}
