package rewrite

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// Tokens over MaxToken: the state is never lost and classification stays
// fail-safe. MaxToken is 1024 here; BIG is 5000 bytes, as a 1.5 MB
// attribute is to the default bound.
func TestOversized(t *testing.T) {
	big := strings.Repeat("x", 5000)
	const px = `<img data-consent="marketing" data-consent-vendor="facebook-tr" data-consent-src=//www.facebook.com/tr>`
	const ga = `<script type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics" data-consent-src=//www.google-analytics.com/ga.js></script>`
	held := `<script type="text/plain" data-consent="analytics" data-consent-vendor="unclassified">`
	tests := []byteCase{
		{"tracker script, its src after a big attribute", `<script data-x="` + big + `" src="https://www.googletagmanager.com/gtag/js?id=G-1"></script><img src=//www.facebook.com/tr>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="unclassified" data-x="` + big + `" data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` + px},
		{"tracker script, src before a big attribute", `<script src="https://www.google-analytics.com/analytics.js" data-x="` + big + `"></script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-analytics" data-consent-src="https://www.google-analytics.com/analytics.js" data-x="` + big + `"></script>`},
		{"first-party script with a big attribute", `<script src="/js/app.js" data-config='` + big + `'></script><img src=//www.facebook.com/tr>`,
			`<script src="/js/app.js" data-config='` + big + `'></script>` + px},
		{"'<!--' in a big attribute's tail", `<div data-x="` + big + `<!--"></div><script src=//www.google-analytics.com/ga.js></script>`,
			`<div data-x="` + big + `<!--"></div>` + ga},
		{"'<textarea>' in a big unquoted value", `<div data-x=` + big + `<textarea>></div><script src=//www.google-analytics.com/ga.js></script>`,
			`<div data-x=` + big + `<textarea>></div>` + ga},
		{"pixel, src after a big attribute", `<img alt="` + big + `" src="https://www.facebook.com/tr?id=1">`,
			`<img alt="` + big + `" data-consent="analytics" data-consent-vendor="unclassified" data-consent-src="https://www.facebook.com/tr?id=1">`},
		{"big inline image passes", `<img src="data:image/png;base64,` + big + `" alt="Map"><img src=//www.facebook.com/tr>`,
			`<img src="data:image/png;base64,` + big + `" alt="Map">` + px},
		{"tracker src cut at the bound", `<img data-x="` + big[:1000] + `" src="https://www.facebook.com/tr?id=1">`,
			`<img data-consent="analytics" data-consent-vendor="unclassified" data-x="` + big[:1000] + `" data-consent-src="https://www.facebook.com/tr?id=1">`},
		{"attribute name cut at the bound", `<iframe data-x="` + big[:1005] + `" src="https://www.youtube.com/embed/x"></iframe>`,
			`<iframe data-x="` + big[:1005] + `" data-consent="analytics" data-consent-vendor="unclassified" data-consent-src="https://www.youtube.com/embed/x"></iframe>`},
		{"attribute name cut after its end", `<iframe data-x="` + big[:1003] + `" src="https://www.youtube.com/embed/x"></iframe>`,
			`<iframe data-x="` + big[:1003] + `" data-consent="analytics" data-consent-vendor="unclassified" data-consent-src="https://www.youtube.com/embed/x"></iframe>`},
		{"big srcdoc is held unread", `<iframe srcdoc="` + big + `<script src=//www.google-analytics.com/ga.js></script>"></iframe>`,
			`<iframe data-consent="analytics" data-consent-vendor="unclassified" data-consent-srcdoc="` + big + `<script src=//www.google-analytics.com/ga.js></script>"></iframe>`},
		{"inline bootstrap after a big script", `<script>var s="` + big + `";(function(){var g=document.createElement('script');g.src='https://www.googletagmanager.com/gtm.js?id=GTM-1'})()</script><img src=//www.facebook.com/tr>`,
			held + `var s="` + big + `";(function(){var g=document.createElement('script');g.src='https://www.googletagmanager.com/gtm.js?id=GTM-1'})()</script>` + px},
		{"tracker at the start of a big script", `<script>(function(){var g=document.createElement('script');g.src='https://www.googletagmanager.com/gtm.js?id=GTM-1'})();var s="` + big + `"</script>`,
			`<script type="text/plain" data-consent="analytics" data-consent-vendor="google-tag-manager">(function(){var g=document.createElement('script');g.src='https://www.googletagmanager.com/gtm.js?id=GTM-1'})();var s="` + big + `"</script>`},
		{"first-party big script is re-activated", `<script type="text/javascript">var s="` + big + `";init();</script ><p>after</p>`,
			`<script type="text/plain" data-consent-type="text/javascript" data-consent="analytics" data-consent-vendor="unclassified" type="text/javascript">var s="` + big + `";init();</script ><script>` + reactivateJS + `</script><p>after</p>`},
		{"big JSON data passes", `<script type="application/json" id="state">{"a":"` + big + `"}</script><img src=//www.facebook.com/tr>`,
			`<script type="application/json" id="state">{"a":"` + big + `"}</script>` + px},
		{"escaped script states across the bound", `<script><!-- ` + big + ` document.write('<script src=//www.google-analytics.com/urchin.js></script>'); //--></script><img src=//www.facebook.com/tr>`,
			held + `<!-- ` + big + ` document.write('<script src=//www.google-analytics.com/urchin.js></script>'); //--></script>` + px},
		{"big comment ending --!>", `<!--` + big + `--!><script src=//www.google-analytics.com/ga.js></script>`, `<!--` + big + `--!>` + ga},
		{"big comment holding markup", `<!-- ` + big + ` <script src=//www.google-analytics.com/ga.js></script> --><img src=//www.facebook.com/tr>`,
			`<!-- ` + big + ` <script src=//www.google-analytics.com/ga.js></script> -->` + px},
		{"big doctype and processing instruction", `<!DOCTYPE html ` + big + `><?php ` + big + ` ?><img src=//www.facebook.com/tr>`, `<!DOCTYPE html ` + big + `><?php ` + big + ` ?>` + px},
		{"big textarea", `<textarea>` + big + `<img src=//www.facebook.com/tr></textarea><img src=//www.facebook.com/tr>`,
			`<textarea>` + big + `<img src=//www.facebook.com/tr></textarea>` + px},
		{"big style, end tag with a space", `<style>` + big + `</style ><iframe src=https://www.youtube.com/embed/x></iframe>`,
			`<style>` + big + `</style ><iframe data-consent="media" data-consent-vendor="youtube" data-consent-src=https://www.youtube.com/embed/x></iframe>`},
		{"big noscript is rewritten whole", `<noscript>` + big + `<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView&amp;noscript=1"/></noscript><img src=//www.facebook.com/tr>`,
			`<noscript>` + big + `<img data-consent="marketing" data-consent-vendor="facebook-tr" data-consent-src="https://www.facebook.com/tr?id=1&amp;ev=PageView&amp;noscript=1"/></noscript>` + px},
		{"big script end tag, then re-activation", `<script>var s="` + big + `";</script data-x="` + big + `"><p>`,
			held + `var s="` + big + `";</script data-x="` + big + `"><script>` + reactivateJS + `</script><p>`},
		{"big end tag", `</div ` + big + `><img src=//www.facebook.com/tr>`, `</div ` + big + `>` + px},
		{"big text", big + big + `<img src=//www.facebook.com/tr>`, big + big + px},
		{"held AMP component", `<amp-analytics data-x="` + big + `" type="gtag"></amp-analytics><img src=//www.facebook.com/tr>`,
			`<cg-held data-consent="analytics" data-consent-vendor="amp-analytics" data-consent-el="amp-analytics" data-x="` + big + `" type="gtag"></cg-held>` + px},
	}
	// A '<' at every position around the bound, in text.
	check(t, []byteCase{{"big html tag keeps its lang", `<html lang="cy" data-x="` + big + `"><body></body>`, `<html lang="cy" data-x="` + big + `"><H n= s=><body><B lang=cy></body>`}}, inject(Options{MaxToken: 1024}))
	for k := 1020; k < 1026; k++ {
		tests = append(tests, byteCase{"text of " + string(rune('0'+k-1020)), strings.Repeat("y", k) + `<img src=//www.facebook.com/tr>` + big,
			strings.Repeat("y", k) + px + big})
	}
	check(t, tests, Options{MaxToken: 1024})
}

// The re-activation script carries the page's nonce.
func TestOversizedReactivateNonce(t *testing.T) {
	big := strings.Repeat("x", 5000)
	in := `<meta http-equiv="Content-Security-Policy" content="script-src 'nonce-n0nce'"><script nonce="n0nce">var s="` + big + `";</script>`
	got := string(run(t, []byte(in), 0, Options{MaxToken: 1024}))
	if !strings.HasSuffix(got, `</script><script nonce="n0nce">`+reactivateJS+`</script>`) {
		t.Errorf("no re-activation with the nonce: %s", got[len(got)-300:])
	}
	if strings.ContainsAny(reactivateJS, "<&") {
		t.Error("re-activation script would not be well-formed XML text")
	}
}

// Memory stays bounded by MaxToken whatever the token: an 8 MB attribute,
// comment and inline script stream through with a few MaxToken allocated.
func TestOversizedMemory(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 8<<20)
	for _, tt := range []struct{ name, pre, post string }{
		{"attribute", `<img alt="`, `" src="/a.png">`},
		{"comment", `<!--`, `-->`},
		{"script", `<script>var s="`, `";</script>`},
	} {
		r := New(io.Discard, Options{Catalogue: catalogue(t)})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r.Write([]byte(tt.pre))
		for i := 0; i < len(big); i += 32 << 10 {
			r.Write(big[i : i+32<<10])
		}
		r.Write([]byte(tt.post))
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 8*DefaultMaxToken {
			t.Errorf("%s: %d MB allocated for an 8 MB token", tt.name, n>>20)
		}
	}
}

// Whatever byte of a token the bound falls on (its last one included), the
// token after it is read as the tag it is.
func TestOversizedEveryCut(t *testing.T) {
	const px = `<img data-consent="marketing" data-consent-vendor="facebook-tr" data-consent-src=//www.facebook.com/tr>`
	pad := strings.Repeat("p", 70)
	for _, tok := range []string{
		`<div title="` + pad + `">`, `<div title=` + pad + `>`, `<div ` + pad + `/>`, `</div ` + pad + `>`,
		`<!--` + pad + `-->`, `<!--` + pad + `--!>`, `<!DOCTYPE html ` + pad + `>`, `<?xml ` + pad + `?>`, `</ ` + pad + `>`,
		`<style>` + pad + `</style>`, `<style>` + pad + `</style >`, `<textarea>` + pad + `</textarea>`,
		`<script type="text/x-template">` + pad + `</script>`, `<noscript>` + pad + `</noscript>`, `<noscript>` + pad + `</noscript >`,
		`<svg><![CDATA[` + pad + `]]></svg>`, `<title>` + pad + `</title/>`, pad,
	} {
		in := tok + `<img src=//www.facebook.com/tr>`
		for max := 64; max <= len(tok)+2; max++ {
			got := string(run(t, []byte(in), 0, Options{MaxToken: max}))
			if got != tok+px {
				t.Fatalf("MaxToken %d:\n in: %s\ngot: %s", max, in, got)
			}
		}
	}
}
