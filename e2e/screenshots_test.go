package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBannerScreenshots renders the banner and the settings layer at a
// desktop width and at 320px, the narrowest phone. With UPDATE_SCREENSHOTS=1
// the images go to testdata/screenshots for a person to look at; otherwise
// to a temporary directory. On a page that fits the phone, the banner must be
// on screen, fit the width and stack its buttons.
func TestBannerScreenshots(t *testing.T) {
	e := newEnv(t, extraPages)
	dir := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("testdata", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, vp := range []struct {
		name          string
		path          string
		width, height int64
		mobile        bool
		scale         float64
	}{
		{"1280", "/", 1280, 800, false, 1},
		{"320", "/e2e/order.html", 320, 640, true, 2},
		{"320-home", "/", 320, 640, true, 2},
		{"cy-1280", "/cy/index.html", 1280, 800, false, 1},
		{"cy-320", "/e2e/cymraeg.html", 320, 640, true, 2},
	} {
		t.Run(vp.name, func(t *testing.T) {
			e.t = t
			if _, err := chromedp.Call(e.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: vp.width, Height: vp.height, DeviceScaleFactor: vp.scale, Mobile: vp.mobile,
			}); err != nil {
				t.Fatalf("Emulation.setDeviceMetricsOverride: %v", err)
			}
			e.open(vp.path)
			shoot(t, e, filepath.Join(dir, "banner-"+vp.name+".png"))

			var m struct {
				PageWidth, ViewportWidth  float64
				BannerRight, BannerHeight float64
				Buttons                   []struct{ Width, Height float64 }
			}
			raw := evalJS[string](e, `JSON.stringify({
				PageWidth: document.documentElement.scrollWidth, ViewportWidth: document.documentElement.clientWidth,
				BannerRight: Math.max(...[...document.querySelectorAll('#cg-banner, #cg-banner *')].map(el => el.getBoundingClientRect().right)),
				BannerHeight: document.getElementById('cg-banner').getBoundingClientRect().height,
				Buttons: [...document.querySelectorAll('#cg-banner button')].map(b => ({Width: b.getBoundingClientRect().width, Height: b.getBoundingClientRect().height})),
			})`)
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatal(err)
			}
			if m.PageWidth > m.ViewportWidth+0.5 {
				// The page itself is wider than the phone (the demo home page
				// has a fixed 560px YouTube iframe). The layout viewport that
				// position:fixed uses grows with it, so the banner lands
				// outside what the visitor sees at initial-scale=1. That is the
				// site's overflow, not the banner's; it is reported, not failed.
				t.Logf("NOTE: %s is %.0fpx wide at a %.0fpx viewport; the banner is %s to the visitor and %.0fpx wide",
					vp.path, m.PageWidth, m.ViewportWidth, e.bannerState(), m.BannerRight)
				return
			}
			if s := e.bannerState(); s != "visible" {
				t.Errorf("banner is %s at %dpx, want visible", s, vp.width)
			}
			if m.BannerRight > float64(vp.width)+0.5 {
				t.Errorf("banner content reaches %.0fpx, wider than the %dpx viewport", m.BannerRight, vp.width)
			}
			if m.BannerHeight > float64(vp.height) {
				t.Errorf("banner is %.0fpx tall, more than the %dpx viewport", m.BannerHeight, vp.height)
			}
			for i, b := range m.Buttons {
				if b.Height < 44 {
					t.Errorf("banner button %d is %.0fpx tall, want at least 44px (touch target)", i+1, b.Height)
				}
				if vp.mobile && b.Width < float64(vp.width)/2 {
					t.Errorf("banner button %d is %.0fpx wide at %dpx; want the buttons stacked full width", i+1, b.Width, vp.width)
				}
			}

			e.click(settingsButton)
			e.waitFor("the settings panel", 5*time.Second, func() (bool, string) {
				s, err := tryJS[string](e, `String(document.getElementById('cg-settings').hidden)`)
				return err == nil && s == "false", s
			})
			shoot(t, e, filepath.Join(dir, "settings-"+vp.name+".png"))
			if r := evalJS[float64](e, `document.getElementById('cg-settings').getBoundingClientRect().right`); r > float64(vp.width)+0.5 {
				t.Errorf("settings panel reaches %.0fpx, wider than the %dpx viewport", r, vp.width)
			}
			e.do("close the settings", chromedp.Click(chromedp.CSS(`#cg-settings .cg-close`)))
		})
	}
	e.t = t
	e.noExceptions()
}

func shoot(t *testing.T, e *env, path string) {
	t.Helper()
	png, err := chromedp.Run(e.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
