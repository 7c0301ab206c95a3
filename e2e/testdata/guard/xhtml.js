// Run-time loads in an XHTML page: its HTML strings are XML.
(function () {
  var d = document, s = d.createElement('script');
  s.src = 'https://www.googletagmanager.com/gtm.js?id=GTM-XHTML';
  s.onload = function () { window.__loaded.push('xhtml'); };
  d.head.appendChild(s);
  d.getElementById('inner').innerHTML = '<iframe title="map" src="https://www.youtube.com/embed/xhtml"></iframe><p>after</p>';
  d.getElementById('adjacent').insertAdjacentHTML('beforeend', '<img alt="" src="https://www.facebook.com/tr?id=1&amp;ev=xhtml"/><p>after</p>');
  window.__xhtmlDone = true;
})();
