// First-party site script (Llanwern CMS). Despite its name, this sends no data
// anywhere: it only marks the site search as ready.
(function () {
  window.firstPartyAnalyticsLoaded = true;
  function ready() {
    var el = document.getElementById('fp-status');
    if (el) {
      el.appendChild(document.createTextNode('Site search ready'));
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
