/* consentgate banner: posts the visitor's choice and brings back, in
   document order, exactly the elements of the categories consented to. */
(function () {
  'use strict';
  var d = document, root = d.getElementById('cg-root');
  if (!root) return;
  var banner = d.getElementById('cg-banner'), panel = d.getElementById('cg-settings');
  var opener = null;

  function granted() { return (root.getAttribute('data-cg-granted') || '').split(' ').filter(Boolean); }

  function gtag() { (window.dataLayer = window.dataLayer || []).push(arguments); }

  // Re-create each consented element in turn. A classic external script
  // without async is awaited before the next, as the parser would have.
  function activate(cats) {
    var els = [].slice.call(d.querySelectorAll('[data-consent]')).filter(function (el) {
      return cats.indexOf(el.getAttribute('data-consent')) >= 0 && !root.contains(el);
    });
    (function step(i) {
      for (; i < els.length; i++) {
        var el = els[i];
        if (el.tagName !== 'SCRIPT') { restore(el); continue; }
        var s = d.createElement('script'), wait = false;
        for (var j = 0; j < el.attributes.length; j++) {
          var a = el.attributes[j], n = a.name;
          if (n === 'type' || n === 'data-consent' || n === 'data-consent-vendor') continue;
          if (n === 'data-consent-type') n = 'type';
          else if (n.indexOf('data-consent-') === 0) n = n.slice(13);
          s.setAttribute(n, a.value);
        }
        if (el.nonce) s.nonce = el.nonce;
        if (s.hasAttribute('src')) {
          if (!el.hasAttribute('async')) { s.async = false; wait = true; }
        } else {
          s.text = el.text;
        }
        if (wait) {
          s.onload = s.onerror = function () { step(i + 1); };
          el.parentNode.replaceChild(s, el);
          return;
        }
        el.parentNode.replaceChild(s, el);
      }
    })(0);
  }

  function restore(el) {
    var names = [].map.call(el.attributes, function (a) { return a.name; });
    names.forEach(function (n) {
      if (n.indexOf('data-consent-') === 0 && n !== 'data-consent-vendor') {
        el.setAttribute(n.slice(13), el.getAttribute(n));
        el.removeAttribute(n);
      }
    });
    el.removeAttribute('data-consent');
    el.removeAttribute('data-consent-vendor');
  }

  function show(el, on) { if (el) el.hidden = !on; }

  function openSettings(from) {
    opener = from || d.activeElement;
    show(panel, true);
    var h = d.getElementById('cg-settings-title');
    if (h) h.focus();
  }

  function closeSettings() {
    show(panel, false);
    if (opener && opener.focus && d.contains(opener) && opener.offsetParent !== null) opener.focus();
    else { var r = root.querySelector('.cg-reopen'); if (r) r.focus(); }
  }

  function apply(res) {
    var before = granted();
    root.setAttribute('data-cg-granted', res.granted.join(' '));
    root.setAttribute('data-cg-decided', '');
    [].forEach.call(root.querySelectorAll('input[name=category]'), function (c) {
      c.checked = res.granted.indexOf(c.value) >= 0;
    });
    [].forEach.call(root.querySelectorAll('.cg-id'), function (p) {
      var c = p.querySelector('code');
      if (!c) { c = d.createElement('code'); p.textContent = p.textContent.split(':')[0] + ': '; p.appendChild(c); }
      c.textContent = res.id;
    });
    gtag('consent', 'update', {
      analytics_storage: res.granted.indexOf('analytics') >= 0 ? 'granted' : 'denied',
      ad_storage: res.granted.indexOf('marketing') >= 0 ? 'granted' : 'denied',
      ad_user_data: res.granted.indexOf('marketing') >= 0 ? 'granted' : 'denied',
      ad_personalization: res.granted.indexOf('marketing') >= 0 ? 'granted' : 'denied'
    });
    // A withdrawn category's scripts may already be running: a reload gets
    // the page as the server now serves it, with tracker cookies expired.
    if (before.some(function (c) { return res.granted.indexOf(c) < 0; })) { location.reload(); return; }
    var wasBanner = banner && !banner.hidden;
    show(banner, false);
    show(panel, false);
    activate(res.granted.filter(function (c) { return before.indexOf(c) < 0; }));
    var r = root.querySelector('.cg-reopen');
    if (wasBanner || !opener) { if (r) r.focus(); } else closeSettings();
  }

  d.addEventListener('submit', function (e) {
    // Attributes, not properties: the buttons are named "action", which
    // shadows form.action.
    var f = e.target, btn = e.submitter, action = btn && btn.value;
    var method = (btn && btn.getAttribute('formmethod')) || f.getAttribute('method') || 'get';
    if (!root.contains(f) || method.toLowerCase() !== 'post') return;
    var url = (btn && btn.getAttribute('formaction')) || f.getAttribute('action');
    e.preventDefault();
    var body = new URLSearchParams(new FormData(f));
    body.set('action', action || 'save');
    if (action !== 'save') body.delete('category');
    fetch(url, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'Accept': 'application/json' }
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(apply, function () {
      var h = d.createElement('input');
      h.type = 'hidden'; h.name = 'action'; h.value = action || 'save';
      f.appendChild(h);
      f.submit();
    });
  });

  d.addEventListener('click', function (e) {
    var t = e.target.closest && e.target.closest('[data-consent-open],[data-cg-close]');
    if (!t) return;
    e.preventDefault();
    if (t.hasAttribute('data-cg-close')) closeSettings(); else openSettings(t);
  });

  d.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && panel && !panel.hidden) closeSettings();
  });
})();
