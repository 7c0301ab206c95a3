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
      analytics_storage: state('analytics'), ad_storage: state('marketing'),
      ad_user_data: state('marketing'), ad_personalization: state('marketing')
    });
  }
})();
