(function () {
  var el = document.querySelector('head > script[type="application/json"][data-drupal-selector=drupal-settings-json], body > script[type="application/json"][data-drupal-selector=drupal-settings-json]');
  window.drupalSettings = {};
  if (el !== null) {
    window.drupalSettings = JSON.parse(el.textContent);
    (window.__marks = window.__marks || []).push('drupal-settings-json');
  }
})();
