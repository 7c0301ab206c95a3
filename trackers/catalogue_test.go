package trackers

import (
	"strconv"
	"strings"
	"testing"
)

func builtin(t *testing.T) *Catalogue {
	t.Helper()
	c, err := New(Builtin, []Rule{
		{Pattern: "maps.example.org", Category: Media},
		{Pattern: "https://example.com/embed/", Category: Social},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every tracker host of REQUIREMENTS section G, in its category, with the
// URL forms pages use.
func TestMatchURL(t *testing.T) {
	c := builtin(t)
	tests := []struct{ url, vendor string }{
		{"https://www.google-analytics.com/analytics.js", "google-analytics"},
		{"https://ssl.google-analytics.com/ga.js", "google-analytics"},
		{"http://www.google-analytics.com/urchin.js", "google-analytics"},
		{"https://region1.analytics.google.com/g/collect?v=2", "google-analytics"},
		{"https://stats.g.doubleclick.net/r/collect?v=1", "google-analytics"},
		{"https://stats.g.doubleclick.net/dc.js", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=G-ABC", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=UA-1-1", "google-analytics"},
		{"https://www.googletagmanager.com/gtag/js?id=AW-123", "google-ads"},
		{"https://www.googletagmanager.com/gtag/js?l=dl&id=DC-123", "google-ads"},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-1&l=myLayer&gtm_auth=x&gtm_preview=env-2", "google-tag-manager"},
		{"https://www.googletagmanager.com/ns.html?id=GTM-1", "google-tag-manager"},
		{"https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/", "google-ads"},
		{"https://ad.doubleclick.net/ddm/activity/src=1", "google-ads"},
		{"//www.googleadservices.com/pagead/conversion.js", "google-ads"},
		{"https://static.hotjar.com/c/hotjar-123.js?sv=6", "hotjar"},
		{"https://script.hotjar.com/modules.js", "hotjar"},
		{"wss://ws.hotjar.io/api/v2/client/ws", ""}, // not fetched by markup
		{"https://in.hotjar.io/x", "hotjar"},
		{"https://t.contentsquare.net/uxa/abc.js", "hotjar"},
		{"https://www.youtube.com/embed/x", "youtube"},
		{"https://m.youtube.com/watch?v=x", "youtube"},
		{"https://www.youtube-nocookie.com/embed/x", "youtube"},
		{"https://i.ytimg.com/vi/x/hqdefault.jpg", "youtube"},
		{"https://rr1---sn-x.googlevideo.com/videoplayback", "youtube"},
		{"https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v3.2", "facebook-sdk"},
		{"//connect.facebook.net/en_US/all.js#xfbml=1", "facebook-sdk"},
		{"https://connect.facebook.net/en_US/sdk/xfbml.customerchat.js", "facebook-sdk"},
		{"https://connect.facebook.net/en_US/fbevents.js", "meta"},
		{"https://connect.facebook.net/signals/config/1?v=2.9", "meta"},
		{"https://www.facebook.com/tr?id=1&ev=PageView&noscript=1", "facebook-tr"},
		{"https://www.facebook.com/tr/?id=1", "facebook-tr"},
		{"https://www.facebook.com/travelwales", "facebook"},
		{"https://www.facebook.com/plugins/page.php?href=x", "facebook"},
		{"https://scontent.xx.fbcdn.net/v/t1.jpg", "facebook"},
		{"https://platform.twitter.com/widgets.js", "twitter"},
		{"https://platform.x.com/widgets.js", "twitter"},
		{"https://syndication.twitter.com/srv/timeline-profile/screen-name/x", "twitter"},
		{"https://cdn.syndication.twimg.com/tweet-result?id=1", "twitter"},
		{"https://pbs.twimg.com/media/x.jpg", "twitter"},
		{"https://twitter.com/x", "twitter"},
		{"https://x.com/x", "twitter"},
		{"https://static.ads-twitter.com/uwt.js", "x-ads"},
		{"https://analytics.twitter.com/i/adsct?p_id=1", "x-ads"},
		{"https://t.co/i/adsct?p_id=1", "x-ads"},
		// Site rules: a host, and a host with a path prefix.
		{"https://maps.example.org/embed?q=1", "site:maps.example.org"},
		{"https://example.com/embed/x", "site:https://example.com/embed/"},
		{"https://example.com/embedded", ""},
		// Written as browsers accept them.
		{"HTTPS://WWW.GOOGLE-ANALYTICS.COM/ga.js", "google-analytics"},
		{"  https://www.google-analytics.com/ga.js\n", "google-analytics"},
		{"https://www.google-\nanalytics.com/ga.js", "google-analytics"},
		{`https:\\www.google-analytics.com\ga.js`, "google-analytics"},
		{"https://user@www.google-analytics.com:443/ga.js", "google-analytics"},
		{"https://www.google-analytics.com./ga.js", "google-analytics"},
		{"https://www.google%2Danalytics.com/ga.js", "google-analytics"},
		{"https://www.facebook.com/%74r?id=1", "facebook-tr"},
		{`HTTPS:\\www.Google-Analytics.com\analytics.js`, "google-analytics"},
		{"HTTP://STATS.G.DOUBLECLICK.NET/DC.JS", "google-analytics"},
		{`/\www.googletagmanager.com/gtm.js`, "google-tag-manager"},
		{`\/www.googletagmanager.com/gtm.js`, "google-tag-manager"},
		{`\\www.googletagmanager.com\gtm.js?id=GTM-1`, "google-tag-manager"},
		{"///www.google-analytics.com/ga.js", "google-analytics"},
		{"https:///www.google-analytics.com/ga.js", "google-analytics"},
		{"https:/www.google-analytics.com/ga.js", "google-analytics"},
		{"https:www.google-analytics.com/ga.js", "google-analytics"}, // absolute unless the page is https
		{"\x00\x01\x1f https://www.google-analytics.com/ga.js \x0c\x1f", "google-analytics"},
		{"\u00a0https://www.google-analytics.com/ga.js", ""}, // only C0 and space are trimmed
		{"ht\ttps://www.google-analytics.com/ga.js", "google-analytics"},
		{"h\nttps://www.google-analytics.com/ga.js", "google-analytics"},
		{"https:/\t/www.google-analytics.com/ga.js", "google-analytics"},
		{"https://www.goo\r\ngle-analytics.com/ga.js", "google-analytics"},
		{"https://www.google-analytics.com\t/ga.js", "google-analytics"},
		{"https://www.facebook.com/t\nr?id=1&e\nv=PageView", "facebook-tr"},
		{"https://user:pa:ss@www.google-analytics.com/ga.js", "google-analytics"},
		{"https://www.google-analytics.com:8443/ga.js", "google-analytics"},
		{"//www.google-analytics.com:443/ga.js", "google-analytics"},
		{"https://%77ww.google-analytics.com/ga.js", "google-analytics"},
		{"https://www.google%2danalytics.com/ga.js", "google-analytics"},
		{"https://www%2Egoogle-analytics%2Ecom/ga.js", "google-analytics"},
		{"https://www\uff0egoogle-analytics\u3002com/ga.js", "google-analytics"},
		{"https://www\uff61google-analytics.com\u3002/ga.js", "google-analytics"},
		{"https://www%EF%BC%8Egoogle-analytics.com/ga.js", "google-analytics"},
		{"https://\uff37\uff37\uff37.\uff27oogle-analytics.com/ga.js", "google-analytics"},
		{"https://www.facebook.com/x/../tr?id=1", "facebook-tr"},
		{"https://www.facebook.com/./tr/?id=1", "facebook-tr"},
		{"https://www.facebook.com/%2e%2E/tr?id=1", "facebook-tr"},
		{"https://www.facebook.com//tr?id=1", "facebook-tr"},
		{"https://www.facebook.com/TR?id=1", "facebook"}, // still held, as social
		{"https://www.googletagmanager.com/gtag/js?id=%41W-1", "google-ads"},
		{"https://www.google.com/recaptcha/../pagead/1p-conversion/1/", "google-ads"},
		// Google hosts: only tracking paths of google.com; reCAPTCHA never.
		{"https://www.google.com/recaptcha/api.js", ""},
		{"https://www.google.com/recaptcha/enterprise.js?render=k", ""},
		{"https://www.google.com/recaptcha/api2/anchor?k=x", ""},
		{"https://www.recaptcha.net/recaptcha/api.js", ""},
		{"https://www.gstatic.com/recaptcha/releases/abc/recaptcha__en.js", ""},
		{"https://www.google.com/pagead/1p-conversion/123/?random=1", "google-ads"},
		{"https://www.google.co.uk/pagead/1p-user-list/123/?random=1", "google-ads"},
		{"https://www.google.com/ads/ga-audiences?v=1&t=sr", "google-ads"},
		{"https://www.google.com/ccm/collect?en=page_view", "google-ads"},
		{"https://www.google.com/rmkt/collect/123/", "google-ads"},
		{"https://www.google.com/pageadx", ""},
		{"https://www.google.com/maps/embed?pb=x", ""},
		{"https://www.google.com/search?q=bins", ""},
		{"https://maps.google.com/maps?q=x&output=embed", ""},
		{"https://maps.googleapis.com/maps/api/js?key=x", ""},
		{"https://fonts.googleapis.com/css2?family=Roboto", ""},
		{"https://fonts.gstatic.com/s/roboto/v30/x.woff2", ""},
		{"https://ajax.googleapis.com/ajax/libs/jquery/3.7.1/jquery.min.js", ""},
		{"https://www.gstatic.com/charts/loader.js", ""},
		{"https://translate.google.com/translate_a/element.js?cb=x", ""},
		{"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1", "google-ads"},
		{"https://tpc.googlesyndication.com/safeframe/1-0-40/html/container.html", "google-ads"},
		{"https://www.googletagservices.com/tag/js/gpt.js", "google-ads"},
		{"https://securepubads.g.doubleclick.net/tag/js/gpt.js", "google-ads"},
		{"https://adservice.google.com/adsid/integrator.js", "google-ads"},
		{"https://adservice.google.co.uk/ddm/fls/z/", "google-ads"},
		{"https://www.googletagmanager.com/gtag/destination?id=AW-1", "google-ads"},
		{"https://region1.google-analytics.com/g/collect?v=2", "google-analytics"},
		{"https://analytics.google.com/g/collect?v=2", "google-analytics"},
		{"https://www.instagram.com/p/abc/embed/", "instagram"},
		{"https://scontent.cdninstagram.com/v/x.jpg", "instagram"},
		// Not trackers, or not fetched.
		{"/js/analytics.js", ""},
		{"analytics.js", ""},
		{"www.google-analytics.com/ga.js", ""},
		{"https://cdn.council.gov.uk/analytics.js", ""},
		{"https://notyoutube.com/embed/x", ""},
		{"https://fox.com/x", ""},
		{"https://www.youtube.com.evil.example/x", ""},
		{"mailto:x@facebook.com", ""},
		{"javascript:void('https://www.youtube.com')", ""},
		{"data:text/html,https://www.youtube.com", ""},
		{"", ""},
		{"https://", ""},
		{"https://[::1]:8080/collect", ""},
		{"https://192.0.2.1/collect", ""},
	}
	for _, tt := range tests {
		got := ""
		if v := c.MatchURL(tt.url); v != nil {
			got = v.ID
		}
		if got != tt.vendor {
			t.Errorf("MatchURL(%q) = %q, want %q", tt.url, got, tt.vendor)
		}
	}
}

// Each host of REQUIREMENTS section G is in the catalogue, in its category.
func TestHostCategories(t *testing.T) {
	c := builtin(t)
	want := map[Category][]string{
		Analytics: {"google-analytics.com", "analytics.google.com", "googletagmanager.com", "stats.g.doubleclick.net", "hotjar.com", "hotjar.io", "contentsquare.net"},
		Media:     {"youtube.com", "youtube-nocookie.com", "ytimg.com", "googlevideo.com"},
		Social:    {"facebook.com", "fbcdn.net", "platform.twitter.com", "platform.x.com", "syndication.twitter.com", "cdn.syndication.twimg.com", "twimg.com", "twitter.com", "x.com", "connect.facebook.net/en_GB/sdk.js"},
		Marketing: {"doubleclick.net", "connect.facebook.net", "facebook.net"},
		Necessary: {"www.google.com/recaptcha/api.js", "www.recaptcha.net/recaptcha/api.js", "www.gstatic.com/recaptcha/releases/x.js"},
	}
	for cat, hosts := range want {
		for _, h := range hosts {
			v := c.MatchURL("https://" + h)
			if !strings.Contains(h, "/") {
				v = c.MatchURL("https://" + h + "/x")
			}
			if cat == Necessary {
				if v != nil {
					t.Errorf("%s: got %s, want no tracker", h, v.ID)
				}
				if v := c.matchURL("https://" + h); v == nil || v.Category != Necessary {
					t.Errorf("%s: no necessary exemption: %v", h, v)
				}
				continue
			}
			if v == nil || v.Category != cat {
				t.Errorf("%s: got %v, want category %s", h, v, cat)
			}
		}
	}
}

// Inline scripts that load a vendor, as the vendors publish their snippets
// and as pages assemble the URLs: held back.
var loaders = []struct{ name, code, vendor string }{
	{"GA4 gtag.js loaded by code", `var s = document.createElement('script'); s.async = true;
s.src = 'https://www.googletagmanager.com/gtag/js?id=' + measurementId;
document.head.appendChild(s);`, "google-analytics"},
	{"Google Ads gtag.js loaded by code", `s.src = "https://www.googletagmanager.com/gtag/js?id=AW-123456789";`, "google-ads"},
	{"analytics.js", `(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');

ga('create', 'UA-XXXXX-Y', 'auto');
ga('send', 'pageview');`, "google-analytics"},
	{"analytics.js renamed, URL elsewhere", `(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
})(window,document,'script',mi.gaURL,'__gaTracker');`, "google-analytics"},
	{"ga.js async", `var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-XXXXX-X']);
_gaq.push(['_trackPageview']);
(function() {
  var ga = document.createElement('script'); ga.type = 'text/javascript'; ga.async = true;
  ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';
  var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(ga, s);
})();`, "google-analytics"},
	{"dc.js async", `ga.src = ('https:' == document.location.protocol ? 'https://' : 'http://') + 'stats.g.doubleclick.net/dc.js';`, "google-analytics"},
	{"ga.js document.write", `var gaJsHost = (("https:" == document.location.protocol) ? "https://ssl." : "http://www.");
document.write(unescape("%3Cscript src='" + gaJsHost + "google-analytics.com/ga.js' type='text/javascript'%3E%3C/script%3E"));`, "google-analytics"},
	{"urchin.js document.write", `document.write('<script src="http://www.google-analytics.com/urchin.js" type="text/javascript"><\/script>');`, "google-analytics"},
	{"GA4 hit from code", `navigator.sendBeacon('https://region1.analytics.google.com/g/collect?v=2&tid=G-1&en=page_view');`, "google-analytics"},
	{"GTM container", `(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXX');`, "google-tag-manager"},
	{"GTM container, protocol-relative", `j.src='//www.googletagmanager.com/gtm.js?id='+i+dl;`, "google-tag-manager"},
	{"GTM container from a tagging server", `j.src='https://sgtm.council.example/gtm.js?id='+i+dl;`, "google-tag-manager"},
	{"AdSense loaded by code", `s.src = 'https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1';`, "google-ads"},
	{"Google Publisher Tag", `var gads = document.createElement('script'); gads.async = true;
gads.src = 'https://securepubads.g.doubleclick.net/tag/js/gpt.js';`, "google-ads"},
	{"conversion.js by document.write", `document.write('<script src="//www.googleadservices.com/pagead/conversion.js"><\/script>');`, "google-ads"},
	{"Floodlight iframe", `iframe.src = 'https://123.fls.doubleclick.net/activityi;src=123;type=x;cat=y;ord=' + n + '?';`, "google-ads"},
	{"Hotjar", `(function(h,o,t,j,a,r){
    h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
    h._hjSettings={hjid:1234567,hjsv:6};
    a=o.getElementsByTagName('head')[0];
    r=o.createElement('script');r.async=1;
    r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
    a.appendChild(r);
})(window,document,"https://static.hotjar.com/c/hotjar-",".js?sv=");`, "hotjar"},
	{"Hotjar by jQuery", `$.getScript('https://static.hotjar.com/c/hotjar-' + id + '.js?sv=6');`, "hotjar"},
	{"Contentsquare", `window._uxa = window._uxa || [];
if (typeof CS_CONF === 'undefined') {
  var mt = document.createElement("script"); mt.type = "text/javascript"; mt.async = true;
  mt.src = "//t.contentsquare.net/uxa/0123abcd.js";
  document.getElementsByTagName("head")[0].appendChild(mt);
}`, "hotjar"},
	{"Meta pixel", `!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '123456789012345');
fbq('track', 'PageView');`, "meta"},
	{"Meta pixel hit from code", `new Image().src = "https://www.facebook.com/tr?id=1&ev=PageView&noscript=1";`, "meta"},
	{"Facebook SDK", `(function(d, s, id) {
  var js, fjs = d.getElementsByTagName(s)[0];
  if (d.getElementById(id)) return;
  js = d.createElement(s); js.id = id;
  js.src = "https://connect.facebook.net/en_GB/sdk.js#xfbml=1&version=v3.2";
  fjs.parentNode.insertBefore(js, fjs);
}(document, 'script', 'facebook-jssdk'));`, "facebook-sdk"},
	{"Facebook customer chat", `js.src = "//connect.facebook.net/en_US/sdk/xfbml.customerchat.js";`, "facebook-sdk"},
	{"Instagram embed.js by code", `s.src = "//www.instagram.com/embed.js";`, "instagram"},
	{"X widgets.js", `window.twttr = (function(d, s, id) {
  var js, fjs = d.getElementsByTagName(s)[0],
    t = window.twttr || {};
  if (d.getElementById(id)) return t;
  js = d.createElement(s);
  js.id = id;
  js.src = "https://platform.twitter.com/widgets.js";
  fjs.parentNode.insertBefore(js, fjs);
  t._e = [];
  t.ready = function(f) { t._e.push(f); };
  return t;
}(document, "script", "twitter-wjs"));`, "twitter"},
	{"tweet button 2012", `!function(d,s,id){var js,fjs=d.getElementsByTagName(s)[0],p=/^http:/.test(d.location)?'http':'https';if(!d.getElementById(id)){js=d.createElement(s);js.id=id;js.src=p+'://platform.twitter.com/widgets.js';fjs.parentNode.insertBefore(js,fjs);}}(document, 'script', 'twitter-wjs');`, "twitter"},
	{"X pixel", `!function(e,t,n,s,u,a){e.twq||(s=e.twq=function(){s.exe?s.exe.apply(s,arguments):s.queue.push(arguments);
},s.version='1.1',s.queue=[],u=t.createElement(n),u.async=!0,u.src='https://static.ads-twitter.com/uwt.js',
a=t.getElementsByTagName(n)[0],a.parentNode.insertBefore(u,a))}(window,document,'script');
twq('config','o1abc');`, "x-ads"},
	{"YouTube iframe API", `var tag = document.createElement('script');
tag.src = "https://www.youtube.com/iframe_api";
var firstScriptTag = document.getElementsByTagName('script')[0];
firstScriptTag.parentNode.insertBefore(tag, firstScriptTag);`, "youtube"},
}

// Inline scripts that only call a vendor's API, or first-party code that
// resembles one: they run (the run-time guard's stubs absorb the calls).
var calls = []struct{ name, code string }{
	{"GA4 snippet's inline half", `window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-XXXXXXXXXX');`},
	{"Consent Mode defaults", `window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('consent', 'default', {
  'ad_storage': 'denied', 'ad_user_data': 'denied', 'ad_personalization': 'denied',
  'analytics_storage': 'denied', 'wait_for_update': 500
});`},
	{"dataLayer", `window.dataLayer = window.dataLayer || [];`},
	{"dataLayer push of GTM's start event", `window.dataLayer = window.dataLayer || []; dataLayer.push({'gtm.start': new Date().getTime(), event: 'gtm.js'});`},
	{"gtag event", `gtag('event', 'form_submit', {'form_id': 'bins'});`},
	{"gtag config", `gtag('config', 'G-1'); gtag('config', 'UA-1-1', {'anonymize_ip': true});`},
	{"Google Ads conversion", `gtag('config', 'AW-123456789');
gtag('event', 'conversion', {'send_to': 'AW-123456789/AbC-D_efG'});`},
	{"conversion.js parameters", `/* <![CDATA[ */
var google_conversion_id = 123456789;
var google_remarketing_only = true;
/* ]]> */`},
	{"analytics.js calls", `ga('create', 'UA-1-1', 'auto'); ga('set', 'anonymizeIp', true); ga('send', 'pageview');`},
	{"analytics.js renamed calls", `__gaTracker('create', 'UA-1-1', 'auto'); __gaTracker('send','pageview');`},
	{"MonsterInsights gtag", `window.dataLayer = window.dataLayer || [];
function __gtagTracker() {dataLayer.push( arguments );}
__gtagTracker( 'js', new Date() );
__gtagTracker( 'config', 'G-ABC123', {"forceSSL":"true"} );`},
	{"ga.js queue", `var _gaq = _gaq || [];
_gaq.push(['_setAccount', 'UA-XXXXX-X']);
_gaq.push(['_trackPageview']);`},
	{"ga.js tracker", `try {
var pageTracker = _gat._getTracker("UA-xxxxxx-x");
pageTracker._trackPageview();
} catch(err) {}`},
	{"urchin.js call", `_uacct = "UA-1"; urchinTracker();`},
	{"urchin.js call and site code", `try { urchinTracker(); } catch(e){} siteInit();`},
	{"AdSense slot", `(adsbygoogle = window.adsbygoogle || []).push({});`},
	{"GPT slot", `googletag.cmd.push(function() { googletag.display('div-gpt-ad-1'); });`},
	{"Hotjar calls", `hj('event', 'x'); hj('identify', userId, {});`},
	{"Contentsquare queue", `window._uxa = window._uxa || []; _uxa.push(['trackPageview', location.pathname]);`},
	{"Meta pixel calls", `fbq('init', '123'); fbq('track', 'PageView');`},
	{"Meta pixel lead", `fbq('track', 'Lead');`},
	{"Facebook SDK init", `window.fbAsyncInit = function() {
  FB.init({appId: '1234', xfbml: true, version: 'v2.8'});
};`},
	{"X widgets calls", `twttr.widgets.load();`},
	{"X ready", `window.twttr && twttr.ready(function (t) { t.events.bind('click', log); });`},
	{"X pixel event", `twq('event', 'tw-o1abc-o1def', {});`},
	{"YouTube player", `var player;
function onYouTubeIframeAPIReady() {
  player = new YT.Player('player', {height: '390', width: '640', videoId: 'abc'});
}`},
	{"reCAPTCHA", `grecaptcha.ready(function() { grecaptcha.execute('key', {action: 'submit'}).then(send); });`},
	{"look-alike names", "omega('create', x); saga('send', y); mega ('set', z);"},
	{"a comment", "function setGaConsent() {} // ga = Gwent area"},
	{"a share link", "// share on twitter\nwindow.open('https://twitter.com/intent/tweet?text=' + t);"},
	{"a profile link", "var fb = 'https://www.facebook.com/travelwales';"},
	{"a watch link", "location.href = 'https://www.youtube.com/watch?v=abc';"},
	{"an identifier ending in hj", "catch(e) { moreThanhj('x') }"},
}

func TestMatchInline(t *testing.T) {
	c := builtin(t)
	for _, tt := range loaders {
		if v := c.MatchInline([]byte(tt.code)); v == nil || v.ID != tt.vendor {
			t.Errorf("%s: got %v, want %s", tt.name, v, tt.vendor)
		}
	}
	for _, tt := range calls {
		if v := c.MatchInline([]byte(tt.code)); v != nil {
			t.Errorf("%s: matched %s", tt.name, v.ID)
		}
	}
}

// The cookie facts of REQUIREMENTS section G.
func TestCookies(t *testing.T) {
	c := builtin(t)
	tests := []struct {
		name, vendor, expiry string
		cat                  Category
		thirdParty           bool
	}{
		{"_ga", "google-analytics", "2 years", Analytics, false},
		{"_ga_ABC123", "google-analytics", "2 years", Analytics, false},
		{"_gid", "google-analytics", "24 hours", Analytics, false},
		{"_gat", "google-analytics", "1 minute", Analytics, false},
		{"_gat_UA-1-1", "google-analytics", "1 minute", Analytics, false},
		{"_dc_gtm_UA-1", "google-analytics", "1 minute", Analytics, false},
		{"_gac_UA-1", "google-ads", "90 days", Marketing, false},
		{"__utma", "google-analytics", "2 years", Analytics, false},
		{"__utmb", "google-analytics", "30 minutes", Analytics, false},
		{"__utmc", "google-analytics", "End of session", Analytics, false},
		{"__utmt", "google-analytics", "10 minutes", Analytics, false},
		{"__utmz", "google-analytics", "6 months", Analytics, false},
		{"__utmv", "google-analytics", "2 years", Analytics, false},
		{"_hjSessionUser_123", "hotjar", "365 days", Analytics, false},
		{"_hjSession_123", "hotjar", "30 minutes", Analytics, false},
		{"_hjid", "hotjar", "365 days", Analytics, false},
		{"_hjIncludedInSessionSample_123", "hotjar", "30 minutes", Analytics, false},
		{"_cs_id", "hotjar", "13 months", Analytics, false},
		{"_cs_s", "hotjar", "30 minutes", Analytics, false},
		{"YSC", "youtube", "End of session", Media, true},
		{"VISITOR_INFO1_LIVE", "youtube", "6 months", Media, true},
		{"VISITOR_PRIVACY_METADATA", "youtube", "6 months", Media, true},
		{"PREF", "youtube", "8 months", Media, true},
		{"yt-remote-device-id", "youtube", "Until cleared", Media, true},
		{"_fbp", "meta", "90 days", Marketing, false},
		{"_fbc", "meta", "90 days", Marketing, false},
		{"fr", "meta", "90 days", Marketing, true},
		{"datr", "meta", "2 years", Marketing, true},
		{"personalization_id", "twitter", "2 years", Social, true},
		{"guest_id", "twitter", "2 years", Social, true},
		{"muc_ads", "twitter", "2 years", Social, true},
		{"gt", "twitter", "End of session", Social, true},
	}
	for _, tt := range tests {
		v, ck := c.MatchCookie(tt.name)
		if v == nil {
			t.Errorf("cookie %s: not in the catalogue", tt.name)
			continue
		}
		if v.ID != tt.vendor || v.Category != tt.cat || ck.Expiry != tt.expiry || ck.ThirdParty != tt.thirdParty || ck.Content == "" || ck.Purpose == "" {
			t.Errorf("cookie %s: got %s/%s %+v", tt.name, v.ID, v.Category, *ck)
		}
	}
	for _, n := range []string{"session", "PHPSESSID", "cg_consent"} {
		if v, _ := c.MatchCookie(n); v != nil {
			t.Errorf("cookie %s matched %s", n, v.ID)
		}
	}
	if _, ck := c.MatchCookie("_ga"); !strings.HasPrefix(ck.Content, "Client ID, GA1.1.") {
		t.Errorf("_ga content %q", ck.Content)
	}
	if _, ck := c.MatchCookie("_fbp"); !strings.Contains(ck.Content, "fb.1.") {
		t.Errorf("_fbp content %q", ck.Content)
	}
}

func TestNewErrors(t *testing.T) {
	for _, rules := range [][]Rule{
		{{Pattern: "x.example", Category: "ads"}},
		{{Pattern: "", Category: Media}},
		{{Pattern: "x.example", Category: ""}},
		{{Pattern: "x.example/[ab]", Category: Media}},
	} {
		if _, err := New(Builtin, rules); err == nil {
			t.Errorf("New(%v): no error", rules)
		}
	}
	if _, err := New([]Vendor{{ID: "bad", Signatures: []string{"re:("}}}, nil); err == nil {
		t.Error("bad regexp: no error")
	}
}

// Signatures beyond the one-pass filter's capacity, and ones too short for
// it, still match.
func TestManyInlineRules(t *testing.T) {
	var rules []Rule
	for i := range maxNeedles + 50 {
		rules = append(rules, Rule{Pattern: "siteTracker" + strconv.Itoa(i) + "(", Category: Marketing, Inline: true})
	}
	rules = append(rules, Rule{Pattern: "Z", Category: Media, Inline: true})
	c, err := New(Builtin, rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, maxNeedles - 1, maxNeedles + 49} {
		code := "x = 1; siteTracker" + strconv.Itoa(n) + "('go');"
		if v := c.MatchInline([]byte(code)); v == nil || v.ID != "site:siteTracker"+strconv.Itoa(n)+"(" {
			t.Errorf("%s: got %v", code, v)
		}
	}
	if v := c.MatchInline([]byte("var Z;")); v == nil || v.Category != Media {
		t.Errorf("one-byte signature: got %v", v)
	}
	if v := c.MatchInline([]byte("s.src = 'https://www.googletagmanager.com/gtag/js?id=G-1'")); v == nil || v.ID != "google-analytics" {
		t.Errorf("built-in behind site rules: got %v", v)
	}
}

// A large first-party inline script, the worst case: every signature is
// looked for and none is there.
func BenchmarkMatchInlineFirstParty(b *testing.B) {
	c, err := New(Builtin, nil)
	if err != nil {
		b.Fatal(err)
	}
	code := []byte(strings.Repeat("function go(a, b) { var s = document.getElementById('nav'); if (s.classList.contains('open')) { settings.set('menu', a); } return console.log(b, 'page-' + location.pathname); }\n", 300))
	b.SetBytes(int64(len(code)))
	for b.Loop() {
		if c.MatchInline(code) != nil {
			b.Fatal("matched")
		}
	}
}

// A site declares what is strictly necessary; the most specific host, then
// the longest path, wins, and the site's rule on a tie.
func TestNecessaryRules(t *testing.T) {
	c, err := New(Builtin, []Rule{
		{Pattern: "www.facebook.com/council-feed", Category: Necessary},
		{Pattern: "googletagmanager.com/gtag/js", Category: Necessary},
		{Pattern: "doubleclick.net", Category: Necessary},
		{Pattern: "https://connect.facebook.net/en_GB/sdk.js", Category: Necessary},
		{Pattern: "google.com/pagead/", Category: Necessary},
		{Pattern: "*.hotjar.com", Category: Necessary},
		{Pattern: "siteInit(", Category: Necessary, Inline: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ url, vendor string }{
		{"https://www.facebook.com/council-feed/posts", ""},
		{"https://www.facebook.com/tr?id=1", "facebook-tr"},
		{"https://www.facebook.com/council", "facebook"},
		{"https://www.googletagmanager.com/gtag/js?id=G-1", ""},
		{"https://www.googletagmanager.com/gtag/js?id=AW-1", "google-ads"}, // the query is more specific
		{"https://www.googletagmanager.com/gtm.js?id=GTM-1", "google-tag-manager"},
		{"https://ad.doubleclick.net/ddm/activity/src=1", ""},
		{"https://stats.g.doubleclick.net/g/collect", "google-analytics"}, // the host is more specific
		{"https://connect.facebook.net/en_GB/sdk.js", ""},
		{"https://connect.facebook.net/en_US/sdk.js", "facebook-sdk"},
		{"https://www.google.com/pagead/1p-conversion/1/", ""},
		{"https://www.google.com/ads/ga-audiences", "google-ads"},
		{"https://static.hotjar.com/c/hotjar-1.js", ""},
	} {
		got := ""
		if v := c.MatchURL(tt.url); v != nil {
			got = v.ID
		}
		if got != tt.vendor {
			t.Errorf("MatchURL(%q) = %q, want %q", tt.url, got, tt.vendor)
		}
	}
	if v := c.MatchInline([]byte("siteInit(); send('https://www.google-analytics.com/collect');")); v != nil {
		t.Errorf("inline code declared necessary matched %s", v.ID)
	}
	if v, ck := c.MatchCookie("_GRECAPTCHA"); v == nil || v.Category != Necessary || ck.Expiry != "6 months" {
		t.Errorf("_GRECAPTCHA: got %v", v)
	}
}
