/* consentgate: Google Consent Mode v2 defaults, run before any Google tag. */
(function () {
  var s = document.currentScript, g = ((s && s.getAttribute('data-granted')) || '').split(' ');
  var w = window;
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  function state(c) { return g.indexOf(c) >= 0 ? 'granted' : 'denied'; }
  gtag('consent', 'default', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied',
    analytics_storage: 'denied', wait_for_update: 500
  });
  if (g.join('')) {
    gtag('consent', 'update', {
      analytics_storage: g.indexOf('statistics') >= 0 ? 'granted' : state('analytics'), ad_storage: state('marketing'),
      ad_user_data: state('marketing'), ad_personalization: state('marketing')
    });
  }
  // Without marketing consent (statistics under the exception, say),
  // Google signals and ad personalisation stay off and ad data is redacted.
  if (g.indexOf('marketing') < 0) {
    gtag('set', 'allow_google_signals', false);
    gtag('set', 'allow_ad_personalization_signals', false);
    gtag('set', 'ads_data_redaction', true);
  }
})();
