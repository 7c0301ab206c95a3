/* consentgate banner: posts the visitor's choice and brings back, in
   document order, exactly the elements of the categories consented to. */
(function () {
  'use strict';
  var d = document, root = d.getElementById('cg-root');
  if (!root) return;
  // A first-party page framed by one of ours (where no Sec-Fetch-Dest told
  // the server so) shows no second banner: the top page's choice covers it,
  // and its banner.js releases what this frame holds.
  try {
    if (window.parent !== window && window.parent.document.getElementById('cg-root')) { root.parentNode.removeChild(root); return; }
  } catch (err) { /* cross-origin parent: a banner of our own */ }
  var banner = d.getElementById('cg-banner'), panel = d.getElementById('cg-settings');
  var opener = null;
  var ytEmbed = /^((?:https?:)?\/\/)(?:www\.)?youtube\.com\/embed\//i;

  // First in the tab order, wherever the server could inject it.
  if (d.body && d.body.firstChild !== root) d.body.insertBefore(root, d.body.firstChild);

  function granted() { return (root.getAttribute('data-cg-granted') || '').split(' ').filter(Boolean); }

  function gtag() { (window.dataLayer = window.dataLayer || []).push(arguments); }

  // held collects the held elements of cats in document order: inside
  // <template> contents too (clones made later are live), and in every
  // same-origin frame, whose own guard is released first.
  function held(doc, cats, out) {
    [].forEach.call(doc.querySelectorAll('[data-consent],template,iframe,frame'), function (el) {
      var c = el.getAttribute('data-consent'), fd;
      if (c !== null) { if (cats.indexOf(c) >= 0 && !root.contains(el)) out.push(el); return; }
      if (el.content) return held(el.content, cats, out);
      try { fd = el.contentDocument; } catch (err) { /* cross-origin */ }
      if (fd && fd.documentElement) { release(fd.defaultView, cats); held(fd, cats, out); }
    });
    return out;
  }

  // The guard brings back, in place, what it held itself; it goes first so
  // that nothing is both released by it and re-created here.
  function release(win, cats) { if (win && win.__cg) win.__cg.grant(cats); }

  function activate(cats) {
    release(window, cats);
    run(held(d, cats, []));
    // Lazy loaders find their data-src again: lazysizes watches the DOM,
    // WP Rocket's loader is told, a3 Lazy Load and the like check on scroll.
    var l = window.lazyLoadInstance;
    if (l && l.update) l.update();
    window.dispatchEvent(new Event('scroll'));
  }

  // Re-create each script in turn, in its own document (a frame's runs
  // there); a classic external script without async is awaited before the
  // next, as the parser would have. Other elements, and scripts in inert
  // template contents, are restored in place. A script WP Rocket or
  // LiteSpeed delays is run as itself when their loader already has.
  function run(els) {
    (function step(i) {
      for (; i < els.length; i++) {
        var el = els[i], doc = el.ownerDocument;
        if (el.localName === 'cg-held') { unhold(el); continue; }
        if (el.localName !== 'script' || !('text' in el) || !doc.defaultView || !el.parentNode) { restore(el); continue; }
        var s = doc.createElement('script'), wait = false, held = el.hasAttribute('data-consent');
        for (var j = 0; j < el.attributes.length; j++) {
          var a = el.attributes[j], n = a.name;
          if ((n === 'type' && held) || n === 'data-consent' || n === 'data-consent-vendor') continue;
          if (n === 'data-consent-type') n = 'type';
          else if (n.indexOf('data-consent-') === 0) n = n.slice(13);
          s.setAttribute(n, a.value);
        }
        if (el.nonce) s.nonce = el.nonce;
        if (doc.readyState === 'complete' && /^(rocketlazyloadscript|litespeed\/javascript)$/.test(s.type)) {
          s.removeAttribute('type');
          n = s.getAttribute('data-rocket-src') || s.getAttribute('data-src');
          if (n) s.setAttribute('src', n);
        }
        // A nomodule script never loads where modules are supported. The
        // text moves as nodes: an XHTML script keeps its CDATA section.
        var skipped = s.hasAttribute('nomodule') && 'noModule' in s;
        if (s.hasAttribute('src')) {
          if (!el.hasAttribute('async') && !skipped) { s.async = false; wait = true; }
        } else {
          while (el.firstChild) s.appendChild(el.firstChild);
        }
        var buf = write(doc);
        el.parentNode.replaceChild(s, el);
        if (wait) {
          s.onload = s.onerror = function (s, buf, i) { return function () { written(s, buf, els, i); step(i + 1); }; }(s, buf, i);
          return;
        }
        written(s, buf, els, i);
      }
    })(0);
  }

  // After parsing, document.write would open a new, empty document: what a
  // re-created script writes is parsed and goes in after it instead, its
  // scripts run next, in order.
  function write(doc) {
    var buf = [];
    if (doc.readyState !== 'loading') {
      doc.write = function () { buf.push([].join.call(arguments, '')); };
      doc.writeln = function () { buf.push([].join.call(arguments, '') + '\n'); };
    }
    return buf;
  }
  function written(s, buf, els, i) {
    var doc = s.ownerDocument, n = s, t;
    delete doc.write; delete doc.writeln;
    if (!buf.length || !s.parentNode) return;
    // Scripts parsed so are inert until re-created.
    t = new DOMParser().parseFromString(buf.join(''), 'text/html');
    var l = [].slice.call(t.querySelectorAll('script'));
    [].slice.call(t.head.childNodes).concat([].slice.call(t.body.childNodes)).forEach(function (c) { s.parentNode.insertBefore(c, n.nextSibling); n = c; });
    els.splice.apply(els, [i + 1, 0].concat(l.filter(function (x) { return !x.hasAttribute('data-consent'); })));
  }

  // After a choice, held elements of granted categories that arrive later
  // (htmx or Turbo fragments, cloned templates) are brought back too.
  var watching = false;
  function watch() {
    if (watching || !window.MutationObserver) return;
    watching = true;
    new MutationObserver(function (ms) {
      var cats = granted(), els = [];
      ms.forEach(function (m) {
        [].forEach.call(m.addedNodes, function (n) {
          if (n.nodeType !== 1) return;
          if (cats.indexOf(n.getAttribute('data-consent')) >= 0) els.push(n);
          held(n.content || n, cats, els);
        });
      });
      run(els);
    }).observe(d.documentElement, { childList: true, subtree: true });
  }

  // unhold turns a held AMP component (<cg-held data-consent-el="amp-x">)
  // back into itself, children and all; the AMP runtime then upgrades it.
  function unhold(el) {
    var doc = el.ownerDocument, n = doc.createElement(el.getAttribute('data-consent-el'));
    [].forEach.call(el.attributes, function (a) {
      if (a.name !== 'data-consent' && a.name !== 'data-consent-vendor' && a.name !== 'data-consent-el') n.setAttribute(a.name, a.value);
    });
    while (el.firstChild) n.appendChild(el.firstChild);
    if (el.parentNode) el.parentNode.replaceChild(n, el);
  }

  // restore gives an element back its own attributes; an embed placeholder
  // (our srcdoc) goes first, so that src is what loads. The attributes are
  // set past the run-time guard of the element's window: "Load this once"
  // loads without a consent the guard would know of.
  function restore(el) {
    var g = (el.ownerDocument.defaultView || window).__cg;
    var ph = el.hasAttribute('data-consent-ph');
    // A lazy frame out of view that showed our placeholder is not
    // lazy-loaded again unless it is inserted anew: take it out while its
    // src comes back. One in view (its own "Load" clicked) loads at once.
    var r = el.getBoundingClientRect && el.getBoundingClientRect();
    var up = ph && el.loading === 'lazy' && (r.top > innerHeight || r.bottom < 0) && el.parentNode, at = el.nextSibling;
    if (up) up.removeChild(el);
    if (ph) { el.removeAttribute('srcdoc'); el.removeAttribute('data-consent-ph'); }
    if (el.localName === 'script' && !el.hasAttribute('data-consent-type')) el.removeAttribute('type');
    var yt = el.getAttribute('data-consent-vendor') === 'youtube';
    var names = [].map.call(el.attributes, function (a) { return a.name; });
    names.forEach(function (n) {
      if (n.indexOf('data-consent-') === 0 && n !== 'data-consent-vendor') {
        var v = el.getAttribute(n);
        if (yt && (n === 'data-consent-src' || n === 'data-consent-data-src')) v = v.replace(ytEmbed, '$1www.youtube-nocookie.com/embed/');
        el.removeAttribute(n);
        // An SVG element with both href and xlink:href uses href alone.
        if (n === 'data-consent-xlink-href') return;
        if (g && g.set) g.set(el, n.slice(13), v); else el.setAttribute(n.slice(13), v);
      }
    });
    el.removeAttribute('data-consent');
    el.removeAttribute('data-consent-vendor');
    // A lazy loader that already ran finds nothing more to do: its frames
    // and images get their src from here (loading=lazy still defers them).
    var lz = el.getAttribute('data-lazy-src') || el.getAttribute('data-src'), src = el.getAttribute('src');
    if (lz && /^(iframe|img)$/.test(el.localName) && el.ownerDocument.readyState === 'complete' && (!src || src === 'about:blank' || !src.indexOf('data:'))) el.setAttribute('src', lz);
    if (up) up.insertBefore(el, at);
  }

  function show(el, on) { if (el) el.hidden = !on; }

  // A sticky banner must not cover the element that has focus (WCAG 2.4.11).
  function reserve() {
    var h = banner && !banner.hidden ? banner.offsetHeight : 0;
    d.documentElement.style.scrollPaddingBottom = h ? h + 'px' : '';
    if (d.body) d.body.style.paddingBottom = h ? h + 'px' : '';
  }

  // Tabbing through the page scrolls each focused element clear of the
  // banner. A frame takes focus without a focus event here: a held-back
  // (same-origin, empty) frame is watched from inside.
  function unobscure(el) {
    if (!banner || banner.hidden || !el || root.contains(el) || !el.getBoundingClientRect) return;
    var r = el.getBoundingClientRect(), top = banner.getBoundingClientRect().top;
    if (r.bottom > top || r.bottom < 0) window.scrollBy(0, Math.min(r.bottom - top, r.top - 8));
  }
  d.addEventListener('focusin', function (e) { unobscure(e.target); });
  [].forEach.call(d.querySelectorAll('iframe'), function (f) {
    try { f.contentWindow.addEventListener('focus', function () { unobscure(f); }); } catch (err) { /* cross-origin */ }
  });

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

  function showID(id) {
    [].forEach.call(root.querySelectorAll('.cg-id'), function (p) {
      var c = p.querySelector('code');
      if (!c) { c = d.createElement('code'); p.textContent = p.textContent.split(':')[0] + ': '; p.appendChild(c); }
      c.textContent = id;
    });
  }

  function apply(res) {
    var before = granted();
    root.setAttribute('data-cg-granted', res.granted.join(' '));
    root.setAttribute('data-cg-decided', '');
    [].forEach.call(root.querySelectorAll('input[name=category]'), function (c) {
      c.checked = res.granted.indexOf(c.value) >= 0;
    });
    showID(res.id);
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
    reserve();
    activate(res.granted.filter(function (c) { return before.indexOf(c) < 0; }));
    watch();
    var r = root.querySelector('.cg-reopen');
    if (wasBanner || !opener) { if (r) r.focus(); } else closeSettings();
  }

  // post sends a choice; without a JSON answer the form is submitted as
  // it would be without JavaScript.
  function post(f, fields, done) {
    var body = new URLSearchParams(f ? new FormData(f) : undefined);
    for (var k in fields) body.set(k, fields[k]);
    if (fields.action !== 'save' && fields.action !== 'allow') body.delete('category');
    if (!body.has('return_to')) body.set('return_to', root.getAttribute('data-cg-return') || '/');
    body.set('lang', root.getAttribute('lang') || '');
    return fetch(root.getAttribute('data-cg-prefix') + '/choice', {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'Accept': 'application/json' }
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(done || apply, function () {
      if (!f) return;
      var h = d.createElement('input');
      h.type = 'hidden'; h.name = 'action'; h.value = fields.action;
      f.appendChild(h);
      f.submit();
    });
  }

  function onSubmit(e) {
    // Attributes, not properties: the buttons are named "action", which
    // shadows form.action.
    var f = e.target, btn = e.submitter, action = (btn && btn.value) || 'save';
    var method = (btn && btn.getAttribute('formmethod')) || f.getAttribute('method') || 'get';
    if (method.toLowerCase() !== 'post') return;
    e.preventDefault();
    post(f, { action: action });
  }

  d.addEventListener('submit', function (e) { if (root.contains(e.target)) onSubmit(e); });

  d.addEventListener('click', function (e) {
    var t = e.target.closest && e.target.closest('[data-consent-open],[data-cg-close]');
    if (!t) return;
    e.preventDefault();
    if (t.hasAttribute('data-cg-close')) closeSettings(); else openSettings(t);
  });

  d.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && panel && !panel.hidden) closeSettings();
  });

  // Embed placeholders live in the held-back frame's srcdoc: same origin,
  // so their buttons are wired from here ("Load this once" needs script).
  function wire(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (err) { return; }
    if (!doc || !doc.body || !doc.body.classList.contains('cg-ph') || doc.__cg) return;
    doc.__cg = true;
    var once = doc.querySelector('[data-cg-load]');
    if (once) {
      once.hidden = false;
      once.addEventListener('click', function () { restore(frame); });
    }
    doc.addEventListener('submit', function (e) { onSubmit(e); });
  }
  [].forEach.call(d.querySelectorAll('iframe[data-consent-ph]'), function (f) {
    f.addEventListener('load', function () { wire(f); });
    if (f.contentDocument && f.contentDocument.readyState === 'complete') wire(f);
  });

  // A browser that says "do not track me" only in script (no Sec-GPC
  // header reached the server) refuses the same way.
  if (navigator.globalPrivacyControl === true && !root.hasAttribute('data-cg-decided') && !root.hasAttribute('data-cg-gpc')) {
    root.setAttribute('data-cg-gpc', '');
    [].forEach.call(root.querySelectorAll('.cg-gpc'), function (p) { p.hidden = false; });
    post(null, { action: 'gpc' }, function (res) { root.setAttribute('data-cg-granted', res.granted.join(' ')); showID(res.id); });
  }

  if (granted().length) watch();
  reserve();
  if (window.ResizeObserver && banner) new ResizeObserver(reserve).observe(banner);
})();
