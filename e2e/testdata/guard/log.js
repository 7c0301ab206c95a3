// Test harness, first after the guard: records every tracker URL that a
// src or href attribute receives, in the order the browser sees them (one
// MutationObserver keeps one ordered record queue, detached nodes included).
window.__loaded = [];
window.__first = [];
window.__log = [];
window.__mo = new MutationObserver(function (ms) {
  ms.forEach(function (m) {
    var v = m.target.getAttribute(m.attributeName);
    if (v && v !== m.oldValue && /^https:\/\/[^\/]*(google|hotjar|facebook|youtube|twitter)/.test(v)) window.__log.push(v);
  });
});
window.__watch = function (n) {
  window.__mo.observe(n, { attributes: true, attributeOldValue: true, subtree: true, attributeFilter: ['src', 'href', 'srcset'] });
};
window.__watch(document);
window.validate = function () { window.__validated = true; return false; };
