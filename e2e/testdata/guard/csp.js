// Run-time loads on a strict-CSP page: trusted through the nonce and
// 'strict-dynamic', held by the guard until consent.
window.__loaded = [];
(function () {
  var s = document.createElement('script');
  s.src = 'https://static.hotjar.com/c/hotjar-2.js?sv=csp';
  s.onload = function () { window.__loaded.push('hotjar'); };
  document.head.appendChild(s);
  fetch('https://www.google-analytics.com/g/collect?v=2&en=csp', { method: 'POST', mode: 'no-cors' });
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('inner').innerHTML = '<img alt="" src="https://www.facebook.com/tr?id=1&ev=csp">';
  });
})();
