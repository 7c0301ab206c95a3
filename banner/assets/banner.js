// consentgate banner: posts the visitor's choice and brings back, in
// document order, exactly the elements of the categories consented to.
(function () {
  'use strict';
  var d = document, root = d.getElementById('cg-root');
  if (!root) return;
  // A first-party page framed by one of ours (where no Sec-Fetch-Dest told
  // the server so) shows no second banner: the top page's choice covers it,
  // and its banner.js releases what this frame holds.
  // A cross-origin parent throws: the frame keeps a banner of its own.
  try {
    if (window.parent !== window && window.parent.document.getElementById('cg-root')) { root.remove(); return; }
  } catch (e) {}
  var banner = d.getElementById('cg-banner'), panel = d.getElementById('cg-settings'), msg = d.getElementById('cg-saved');
  var opener, inerted = [];
  // The no-JS :target rule for the message stands down: script shows it.
  root.classList.add('cg-js');

  // First in the tab order, wherever the server could inject it.
  if (d.body && d.body.firstChild !== root) d.body.insertBefore(root, d.body.firstChild);

  function granted() { return (root.getAttribute('data-cg-granted') || '').split(' ').filter(Boolean); }

  function gtag() { (window.dataLayer = window.dataLayer || []).push(arguments); }

  // held collects the held elements of cats in document order: inside
  // <template> contents too (clones made later are live), and in every
  // same-origin frame, whose own guard is released first.
  function held(doc, cats, out) {
    [].forEach.call(doc.querySelectorAll('[data-consent],template,iframe,frame'), function (el) {
      // A cross-origin frame's contentDocument is null: it is left alone.
      var c = el.getAttribute('data-consent'), fd = el.contentDocument;
      if (c !== null) { if (cats.indexOf(c) >= 0 && !root.contains(el)) out.push(el); return; }
      if (el.content) return held(el.content, cats, out);
      if (fd && fd.documentElement) { release(fd.defaultView, cats); held(fd, cats, out); }
    });
    return out;
  }

  // The guard brings back, in place, what it held itself; it goes first so
  // that nothing is both released by it and re-created here.
  function release(win, cats) { if (win.__cg) win.__cg.grant(cats); }

  function activate(cats) {
    release(window, cats);
    run(held(d, cats, []));
    // Lazy loaders find their data-src again: lazysizes watches the DOM,
    // WP Rocket's loader is told, a3 Lazy Load and the like check on scroll.
    var l = window.lazyLoadInstance;
    if (l && l.update) l.update();
    dispatchEvent(new Event('scroll'));
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
        // Our marks go (data-consent-el is only ever on cg-held, as in
        // unhold); data-consent-x becomes x.
        [].forEach.call(el.attributes, function (a) {
          if (!/^data-consent(-vendor|-el)?$/.test(a.name) && !(a.name === 'type' && held)) s.setAttribute(a.name.replace(/^data-consent-/, ''), a.value);
        });
        if (el.nonce) s.nonce = el.nonce;
        if (doc.readyState === 'complete' && /^(rocketlazyloadscript|litespeed\/javascript)$/.test(s.type)) {
          s.removeAttribute('type');
          var src = s.getAttribute('data-rocket-src') || s.getAttribute('data-src');
          if (src) s.setAttribute('src', src);
        }
        // A nomodule script never loads where modules are supported. The
        // text moves as nodes: an XHTML script keeps its CDATA section.
        if (s.hasAttribute('src')) {
          if (!el.hasAttribute('async') && !(s.hasAttribute('nomodule') && 'noModule' in s)) { s.async = false; wait = true; }
        } else {
          while (el.firstChild) s.appendChild(el.firstChild);
        }
        var buf = write(doc);
        el.replaceWith(s);
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
    var doc = s.ownerDocument, n = s;
    delete doc.write; delete doc.writeln;
    if (!buf.length || !s.parentNode) return;
    // Scripts parsed so are inert until re-created.
    var t = new DOMParser().parseFromString(buf.join(''), 'text/html');
    var l = [].slice.call(t.querySelectorAll('script'));
    [t.head, t.body].forEach(function (p) {
      while (p.firstChild) n = s.parentNode.insertBefore(p.firstChild, n.nextSibling);
    });
    els.splice.apply(els, [i + 1, 0].concat(l.filter(function (x) { return !x.hasAttribute('data-consent'); })));
  }

  // After a choice, held elements of granted categories that arrive later
  // (htmx or Turbo fragments, cloned templates) are brought back too.
  var watching;
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
      if (!/^data-consent(-vendor|-el)?$/.test(a.name)) n.setAttribute(a.name, a.value);
    });
    while (el.firstChild) n.appendChild(el.firstChild);
    el.replaceWith(n);
  }

  // restore gives an element back its own attributes; an embed placeholder
  // (our srcdoc) goes first, so that src is what loads. The attributes are
  // set past the run-time guard of the element's window: "Load this once"
  // loads without a consent the guard would know of.
  function restore(el) {
    var doc = el.ownerDocument, g = (doc.defaultView || window).__cg;
    var ph = el.hasAttribute('data-consent-ph');
    // A lazy frame out of view that showed our placeholder is not
    // lazy-loaded again unless it is inserted anew: take it out while its
    // src comes back. One in view (its own "Load" clicked) is loaded
    // eagerly: Chromium sometimes never loads a lazy one whose src changes.
    var r = el.getBoundingClientRect(), out = r.top > innerHeight || r.bottom < 0;
    var up = ph && el.loading === 'lazy' && out && el.parentNode, at = el.nextSibling;
    if (ph && el.loading === 'lazy' && !out) el.loading = 'eager';
    if (up) up.removeChild(el);
    if (ph) el.removeAttribute('srcdoc');
    if (el.localName === 'script' && !el.hasAttribute('data-consent-type')) el.removeAttribute('type');
    var yt = el.getAttribute('data-consent-vendor') === 'youtube';
    [].slice.call(el.attributes).forEach(function (a) {
      var n = a.name, v = a.value;
      if (!/^data-consent(-|$)/.test(n)) return;
      el.removeAttribute(n);
      n = n.slice(13);
      // The category, vendor and placeholder mark are ours; an SVG element
      // with both href and xlink:href uses href alone.
      if (/^(|vendor|ph|xlink-href)$/.test(n)) return;
      if (yt && /^(data-)?src$/.test(n)) v = v.replace(/^((?:https?:)?\/\/)(?:www\.)?youtube\.com\/embed\//i, '$1www.youtube-nocookie.com/embed/');
      if (g && g.set) g.set(el, n, v); else el.setAttribute(n, v);
    });
    // A lazy loader that already ran finds nothing more to do: its frames
    // and images get their src from here (loading=lazy still defers them).
    var lz = el.getAttribute('data-lazy-src') || el.getAttribute('data-src'), src = el.getAttribute('src');
    if (lz && /^(iframe|img)$/.test(el.localName) && doc.readyState === 'complete' && (!src || /^(about:blank$|data:)/.test(src))) el.setAttribute('src', lz);
    if (up) up.insertBefore(el, at);
  }

  // Discovery: about 3 s after the page loads, or after a choice made on
  // it, once a category is granted (its scripts have set their cookies by
  // then), the names of the page's cookies and storage keys, never their
  // values, go to the server for the site's cookie table; once per page
  // view at most. data-cg-report is the share of page views that report:
  // 1 all, 0.1 one in ten; absent, it compares as 0: none.
  var sampled = Math.random() < root.getAttribute('data-cg-report');
  function report() {
    if (!sampled || !granted().length) return;
    sampled = false;
    setTimeout(function () {
      // Reading either list can throw (a sandboxed document, site data
      // blocked): then there is nothing to tell.
      try {
        // A cookie without "=" has a value and no name: it is left out.
        var body = JSON.stringify({
          cookies: names(d.cookie.split(';').map(function (c) { return c.indexOf('=') > 0 && c.split('=')[0].trim(); })),
          storage: names(Object.keys(localStorage))
        });
        fetch(root.getAttribute('data-cg-prefix') + '/seen', {
          method: 'POST', body: body, credentials: 'same-origin', keepalive: true,
          headers: { 'Content-Type': 'application/json' }
        }).catch(function () {});
      } catch (e) {}
    }, 3000);
  }

  // names keeps the distinct names in l but the consent cookie's own
  // (consent.CookieName, which a Go test holds this to), at most 50 of
  // them, each of 100 characters at most.
  function names(l) {
    return l.filter(function (n, i) { return n && n !== 'consentgate' && n.length <= 100 && l.indexOf(n) === i; }).slice(0, 50);
  }

  function show(el, on) { if (el) el.hidden = !on; }

  // A sticky banner, or the message after a choice, must not cover the
  // element that has focus (WCAG 2.4.11).
  function reserve() {
    var b = banner && !banner.hidden ? banner : msg, h = b && !b.hidden && b.offsetHeight ? b.offsetHeight + 'px' : '';
    d.documentElement.style.scrollPaddingBottom = h;
    if (d.body) d.body.style.paddingBottom = h;
  }

  // Tabbing through the page scrolls each focused element clear of the
  // banner. A frame takes focus without a focus event here: a held-back
  // (same-origin, empty) frame is watched from inside; a cross-origin one
  // throws.
  function unobscure(el) {
    if (!banner || banner.hidden || root.contains(el) || !el.getBoundingClientRect) return;
    var r = el.getBoundingClientRect(), top = banner.getBoundingClientRect().top;
    if (r.bottom > top || r.bottom < 0) scrollBy(0, Math.min(r.bottom - top, r.top - 8));
  }
  d.addEventListener('focusin', function (e) { unobscure(e.target); });
  [].forEach.call(d.querySelectorAll('iframe'), function (f) {
    try { f.contentWindow.addEventListener('focus', function () { unobscure(f); }); } catch (e) {}
  });

  // The settings layer is modal: while it is open the rest of the page is
  // inert and, by CSS (.cg-open), the banner, message and control hidden.
  function modal(on) {
    show(panel, on);
    root.classList.toggle('cg-open', on);
    // What the site made inert itself stays so.
    inerted = inerted.filter(function (c) { c.inert = false; });
    if (on) inerted = [].filter.call(d.body.children, function (c) { return c !== root && !c.inert && (c.inert = true); });
    reserve();
  }

  function openSettings(from) {
    opener = from;
    modal(true);
    var h = d.getElementById('cg-settings-title');
    if (h) h.focus();
  }

  // Closing the settings, or hiding the message: either way the message
  // goes (what it said may no longer hold).
  function closeSettings() {
    show(msg, false);
    modal(false);
    var to = opener && d.contains(opener) && opener.offsetParent !== null ? opener : root.querySelector('.cg-reopen');
    if (to) to.focus();
  }

  function showID(id) {
    [].forEach.call(root.querySelectorAll('.cg-id'), function (p) {
      var c = p.querySelector('code');
      if (!c) { c = d.createElement('code'); p.textContent = p.textContent.split(':')[0] + ': '; p.appendChild(c); }
      c.textContent = id;
    });
  }

  // say shows what the visitor chose, GOV.UK style, in a live region
  // that takes focus: the text of data-cg-<kind>, or as the server wrote it.
  function say(kind) {
    show(msg, true);
    if (kind) msg.querySelector('span').textContent = msg.getAttribute('data-cg-' + kind);
    msg.focus();
    reserve();
  }

  // apply brings the page up to a choice: one just made (then the message
  // says so) or, quietly, one made elsewhere while this page was in the
  // back/forward cache.
  function apply(res, quiet) {
    // An objection alone (no choice yet): the reload serves the page with
    // the statistics held and their cookies expired.
    if (!res.decided) return location.reload();
    var before = granted(), g = res.granted;
    // As consent-mode.js words it, so that it costs next to nothing gzipped.
    function state(c) { return g.indexOf(c) >= 0 ? 'granted' : 'denied'; }
    root.setAttribute('data-cg-granted', g.join(' '));
    root.setAttribute('data-cg-decided', '');
    [].forEach.call(root.querySelectorAll('input[name=category]'), function (c) {
      c.checked = g.indexOf(c.value) >= 0;
    });
    showID(res.id);
    gtag('consent', 'update', {
      analytics_storage: g.indexOf('statistics') >= 0 ? 'granted' : state('analytics'), ad_storage: state('marketing'),
      ad_user_data: state('marketing'), ad_personalization: state('marketing')
    });
    // A withdrawn category's scripts may already be running: a reload gets
    // the page as the server now serves it, with tracker cookies expired.
    // The reloaded page shows its message, as after a post without script.
    if (before.some(function (c) { return g.indexOf(c) < 0; })) { history.replaceState(null, '', '#cg-saved'); location.reload(); return; }
    // Once the message is hidden, focus returns to what opened the
    // settings, or to the reopen link when the banner goes.
    if (banner && !banner.hidden) opener = null;
    show(banner, false);
    activate(g.filter(function (c) { return before.indexOf(c) < 0; }));
    watch();
    report();
    if (quiet) return modal(false);
    closeSettings();
    // Statistics under the exception are no consent: they do not count.
    var n = g.filter(function (c) { return c !== 'statistics'; }).length;
    say(!n ? 'none' : n < root.querySelectorAll('input[name=category]:not([value=statistics])').length ? 'some' : 'all');
  }

  // post sends a choice; without a JSON answer the form is submitted as
  // it would be without JavaScript.
  function post(f, action, done) {
    var body = new URLSearchParams(f ? new FormData(f) : '');
    body.set('action', action);
    if (!/^(save|allow)$/.test(action)) body.delete('category');
    if (!body.has('return_to')) body.set('return_to', root.getAttribute('data-cg-return') || '/');
    body.set('lang', root.lang);
    fetch(root.getAttribute('data-cg-prefix') + '/choice', {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    }).then(function (r) {
      if (!r.ok) throw r;
      return r.json();
    }).then(done || apply, function () {
      if (!f) return;
      var h = d.createElement('input');
      h.type = 'hidden'; h.name = 'action'; h.value = action;
      f.appendChild(h);
      f.submit();
    });
  }

  function onSubmit(e) {
    // Attributes, not properties: the buttons are named "action", which
    // shadows form.action.
    var f = e.target, btn = e.submitter, action = (btn && btn.value) || 'save';
    if (!/^post$/i.test((btn && btn.getAttribute('formmethod')) || f.getAttribute('method'))) return;
    e.preventDefault();
    post(f, action, action === 'dismiss' && dismissed);
  }

  // The statistics notice, dismissed, goes in place; focus moves to the
  // control that stays.
  function dismissed() {
    show(banner, false);
    reserve();
    var r = root.querySelector('.cg-reopen');
    if (r) r.focus();
  }

  d.addEventListener('submit', function (e) { if (root.contains(e.target)) onSubmit(e); });

  d.addEventListener('click', function (e) {
    var t = e.target.closest && e.target.closest('[data-consent-open],[data-cg-close],[data-cg-hide]');
    if (!t) return;
    e.preventDefault();
    if (t.hasAttribute('data-consent-open')) openSettings(t); else closeSettings();
  });

  // Enter toggles a switch, as Space does, and never submits its form:
  // only the buttons record a choice. Implicit submission is keypress's
  // default action.
  d.addEventListener('keypress', function (e) {
    var t = e.target;
    if (e.key === 'Enter' && t.type === 'checkbox' && root.contains(t)) { e.preventDefault(); t.click(); }
  });

  // Escape closes the settings; Tab and Shift+Tab cycle inside them.
  d.addEventListener('keydown', function (e) {
    if (!panel || panel.hidden) return;
    if (e.key === 'Escape') closeSettings();
    if (e.key !== 'Tab') return;
    var f = [].slice.call(panel.querySelectorAll('a[href],button,input:not([type=hidden])')), i = f.indexOf(d.activeElement);
    if (e.shiftKey ? i < 1 : i === f.length - 1) { e.preventDefault(); f[e.shiftKey ? f.length - 1 : 0].focus(); }
  });

  // Embed placeholders live in the held-back frame's srcdoc: same origin,
  // so their buttons are wired from here ("Load this once" needs script).
  function wire(frame) {
    var doc = frame.contentDocument;
    if (!doc || !doc.body || !doc.body.classList.contains('cg-ph') || doc.__cg) return;
    doc.__cg = true;
    var once = doc.querySelector('[data-cg-load]');
    if (once) {
      once.hidden = false;
      once.addEventListener('click', function () { restore(frame); });
    }
    doc.addEventListener('submit', onSubmit);
  }
  [].forEach.call(d.querySelectorAll('iframe[data-consent-ph]'), function (f) {
    f.addEventListener('load', function () { wire(f); });
    if (f.contentDocument && f.contentDocument.readyState === 'complete') wire(f);
  });

  // A browser that says "do not track me" only in script (no Sec-GPC
  // header reached the server) refuses the same way.
  if (navigator.globalPrivacyControl === true && !root.matches('[data-cg-decided],[data-cg-gpc]')) {
    root.setAttribute('data-cg-gpc', '');
    [].forEach.call(root.querySelectorAll('.cg-gpc'), function (p) { p.hidden = false; });
    // Where statistics run without consent the signal objects to them: a
    // reload serves the page without them.
    post(null, 'gpc', function (res) {
      var ran = granted().indexOf('statistics') >= 0;
      root.setAttribute('data-cg-granted', res.granted.join(' ')); showID(res.id);
      if (ran) location.reload();
    });
  }

  // Back from a post without script (or the reload after a withdrawal):
  // the message takes focus, and the address loses its #cg-saved.
  if (location.hash === '#cg-saved' && root.hasAttribute('data-cg-decided')) {
    say();
    history.replaceState(null, '', location.pathname + location.search);
  }

  // A page restored from the back/forward cache may predate a choice made
  // on another page: the server says what it is (the cookie is HttpOnly).
  addEventListener('pageshow', function (e) {
    if (e.persisted) fetch(root.getAttribute('data-cg-prefix') + '/choice', { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json(); }).then(function (res) {
        // An objection alone, made elsewhere, is no choice but still ends
        // the statistics running here.
        if (res.decided) apply(res, 1);
        else if (granted().indexOf('statistics') >= 0 && res.granted.indexOf('statistics') < 0) location.reload();
      }, function () {});
  });

  if (granted().length) watch();
  addEventListener('load', report);
  reserve();
  if (window.ResizeObserver && banner) new ResizeObserver(reserve).observe(banner);
})();
