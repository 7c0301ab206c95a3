// First-party code that calls vendor globals before any consent: the
// guard's stubs absorb the calls, so the site's own code goes on.
urchinTracker();
_gat._getTracker('UA-1-1')._trackPageview();
ga('send', 'pageview');
_gaq.push(['_trackPageview']);
hj('event', 'site');
fbq('track', 'PageView');
twttr.ready(function () {});
twttr.widgets.load();
gtag('consent', 'default', { analytics_storage: 'denied', region: ['GB'] });
window.__siteInit = true;
