// consentgate run-time guard. Inline and first in <head>, sent only to a
// visitor who has not consented to everything. At the moment a URL becomes
// known (URL setters, setAttribute, node insertion, HTML strings, fetch, XHR,
// sendBeacon) a load aimed at a tracker of a category not granted is held:
// elements stay where the site put them in the server's wire format
// (data-consent, data-consent-<attr>, scripts as text/plain), requests wait
// in one ordered queue. __cg.grant(cats) releases exactly the held items of
// those categories, in order and in place. Neutralise the loads, absorb the
// calls: vendor globals are queue stubs. Lines that start with // are
// dropped when the guard is served; it must never contain an HTML end tag
// for script or the end of an XML CDATA section.
(function (w, d, C) {
'use strict';
if (w.__cg) return;
var s = d.currentScript, O = Object, E = Element.prototype, D = Document.prototype,
G = ((s && s.getAttribute('data-granted')) || '').split(' ').concat('necessary'),
Q = [], ST = [], WP = '', WT, WS = {},
sa = E.setAttribute, ra = E.removeAttribute,
ih = O.getOwnPropertyDescriptor(E, 'innerHTML'), XM = d.contentType != 'text/html',
// Tags are parsed as HTML in an inert document, whatever this one is.
X = d.implementation.createHTMLDocument('').createElement('template'),
// The attributes of each element whose URL the browser fetches.
T = {script: ' src href xlink:href ', iframe: ' src ', frame: ' src ', img: ' src srcset ', source: ' src srcset ',
link: ' href ', embed: ' src ', object: ' data ', video: ' src poster ', audio: ' src ', input: ' src ', image: ' href xlink:href '},
SEL = O.keys(T).join();

function has(a, x) { return a.indexOf(x) >= 0; }
function own(o, k) { return O.prototype.hasOwnProperty.call(o, k); }
// at is the URL attributes of element e, as ' a b ', or ''.
function at(e) { return own(T, e.localName) ? T[e.localName] : ''; }

// M is trackers.MatchURL on the browser's own URL parser: the rule a URL
// falls under when its category is not granted, else nothing.
function M(u) {
try { u = new URL(u, d.baseURI); } catch (e) { return; }
if (!/^https?:$/.test(u.protocol)) return;
var h = u.hostname.replace(/\.$/, ''), p = u.pathname, q = u.search.slice(1).split('&'), r, i, a, b;
try { p = decodeURIComponent(p); } catch (e) {}
for (;;) {
for (r = own(C, h) ? C[h] : [], i = 0; i < r.length; i++) {
a = r[i][0]; b = r[i][1];
if ((!a || (a[0] == '^' ? RegExp(a).test(p) : p == a || !p.indexOf(a) && (a.slice(-1) == '/' || p[a.length] == '/'))) &&
(!b || q.some(function (x) { return !x.indexOf(b); }))) return has(G, r[i][2]) ? 0 : r[i];
}
i = h.indexOf('.');
if (i < 0) return;
h = h.slice(i + 1);
}
}

// U is M for attribute n: any candidate of a srcset may be the tracker.
function U(n, v) {
if (n != 'srcset') return M(v);
for (var c = (v + '').split(','), i = 0, r; i < c.length; i++) if ((r = M(c[i].trim().split(/\s/)[0]))) return r;
}

// H holds attribute n of element e when its value v is a tracker's: the
// value goes to data-consent-<n>, the element is marked as the server marks
// it and queued. True when held.
function H(e, n, v) {
var r;
if (!has(at(e), ' ' + n + ' ') || !(r = U(n, v))) return;
if (e.getAttribute('data-consent') == null) {
if (e.localName == 'script') {
if (e.hasAttribute('type')) sa.call(e, 'data-consent-type', e.getAttribute('type'));
sa.call(e, 'type', 'text/plain');
}
sa.call(e, 'data-consent', r[2]);
sa.call(e, 'data-consent-vendor', r[3]);
Q.push(e);
}
ra.call(e, n);
sa.call(e, 'data-consent-' + n.replace('xlink:', ''), v);
return 1;
}

// K holds the live tracker URLs of a node being inserted and of everything
// in it: markup parsed elsewhere (DOMParser, template clones) arrives so.
function K(n) {
if (!n || !n.querySelectorAll) return;
var l = [].slice.call(n.querySelectorAll(SEL));
if (n.nodeType == 1) l.unshift(n);
l.forEach(function (e) {
at(e).split(' ').forEach(function (a) { if (a && e.hasAttribute(a)) H(e, a, e.getAttribute(a)); });
});
}

// S neutralises the tracker start tags of an HTML string as the server
// does (hints to trackers dropped), parsing each tag with the browser's own
// parser. Text of raw-text elements is left alone; o keeps that state
// across calls (document.write). Held elements carry data-consent-q until
// RQ queues them where they were inserted.
function S(v, o) {
var y = 0, z = v + '';
if (!o && !/\/\s*\/|\\|&/.test(z)) return v;
o = o || {};
z = z.replace(/<(\/?)([a-z][^\s\/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>/gi, function (t, c, n) {
var e, k = Q.length;
n = n.toLowerCase();
if (o.r) { if (c && n == o.r) o.r = 0; return t; }
if (c) return t;
if (/^(script|style|textarea|title|xmp|iframe|noembed|noframes)$/.test(n)) o.r = n;
if (!own(T, n)) return t;
try { ih.set.call(X, t); } catch (err) { return t; }
e = X.content.firstChild;
if (!e || e.localName != n) return t;
K(e);
if (Q.length == k) return t;
Q.length = k;
y = 1;
if (n == 'link' && /pre(connect|load|fetch|render)/i.test(e.rel)) return '';
sa.call(e, 'data-consent-q', '');
// XHTML strings are XML: a self-closed tag stays so, any other is
// replaced by a start tag alone.
e = XM ? new XMLSerializer().serializeToString(e) : e.outerHTML;
return XM && /\/>$/.test(t) ? e : e.replace(/\s*\/>$/, '>').replace(RegExp('</' + n + '>$'), '');
});
// Untouched, the value goes on as it came (null, TrustedHTML).
return y ? z : v;
}

function RQ(r) {
if (r && r.querySelectorAll) [].forEach.call(r.querySelectorAll('[data-consent-q]'), function (e) { ra.call(e, 'data-consent-q'); Q.push(e); });
}

// R restores a held element in place: the same object, so the site's own
// references and onload handlers keep working. A script becomes live when
// its src comes back, after its type: it runs exactly once. YouTube comes
// back as youtube-nocookie, as banner.js restores it.
function R(e) {
var a = [].slice.call(e.attributes), t = e.getAttribute('data-consent-type'), y = e.getAttribute('data-consent-vendor') == 'youtube';
ra.call(e, 'data-consent'); ra.call(e, 'data-consent-vendor'); ra.call(e, 'data-consent-type');
if (e.localName == 'script') t == null ? ra.call(e, 'type') : sa.call(e, 'type', t);
a.forEach(function (x) {
var v = x.value;
if (y) v = v.replace(/^((?:https?:)?\/\/)(?:www\.)?youtube\.com\/embed\//i, '$1www.youtube-nocookie.com/embed/');
if (/^data-consent-(?!vendor$|type$)/.test(x.name)) { ra.call(e, x.name); sa.call(e, x.name.slice(13), v); }
});
}

// q queues a detached request (fetch, XHR, beacon) of rule r.
function q(r, f) { f.c = r[2]; Q.push(f); }

// P replaces the setter of property k of prototype o with f(set, value).
function P(o, k, f) {
var x = o && O.getOwnPropertyDescriptor(o, k), set = x && x.set;
if (set) { x.set = function (v) { f.call(this, set, v); }; O.defineProperty(o, k, x); }
}
// W replaces method k of o, if it has one, with f(method, arguments as an
// array), called on the same object.
function W(o, k, f) {
var m = o && o[k];
if (m) o[k] = function () { return f.call(this, m, [].slice.call(arguments)); };
}

// Each attribute of T that is also a property is held at its setter, on
// the prototype that owns it; done keeps each (by its getter) wrapped once,
// as video and audio share HTMLMediaElement's src.
var done = [];
SEL.split(',').forEach(function (k) {
T[k].split(' ').forEach(function (n) {
for (var o = X.ownerDocument.createElement(k); o && !own(o, n);) o = O.getPrototypeOf(o);
var x = o && O.getOwnPropertyDescriptor(o, n);
if (x && !has(done, x.get)) { done.push(x.get); P(o, n, function (set, v) { if (!H(this, n, v)) set.call(this, v); }); }
});
});
P(HTMLIFrameElement.prototype, 'srcdoc', function (set, v) { set.call(this, S(v)); });
W(E, 'setAttribute', function (f, a) {
var k = (a[0] + '').toLowerCase();
if (k == 'srcdoc') a[1] = S(a[1]);
else if (H(this, k, a[1])) return;
return f.call(this, a[0], a[1]);
});
W(E, 'setAttributeNS', function (f, a) { if (!H(this, (a[1] + '').toLowerCase(), a[2])) return f.call(this, a[0], a[1], a[2]); });

// Insertion: every node given to a DOM method is checked before it goes in.
[Node.prototype, E, D, DocumentFragment.prototype, CharacterData.prototype].forEach(function (o) {
'appendChild insertBefore replaceChild append prepend before after replaceWith replaceChildren insertAdjacentElement'.split(' ').forEach(function (k) {
if (own(o, k)) W(o, k, function (f, a) { a.forEach(K); return f.apply(this, a); });
});
});

// HTML strings: argument i of method k is neutralised first.
function HS(o, k, i) {
W(o, k, function (f, a) {
a[i] = S(a[i]);
var x = f.apply(this, a);
RQ(x && x.querySelectorAll ? x : this.parentNode || this);
return x;
});
}
HS(E, 'insertAdjacentHTML', 1); HS(E, 'setHTMLUnsafe', 0); HS(Range.prototype, 'createContextualFragment', 0);
[E, w.ShadowRoot && ShadowRoot.prototype].forEach(function (o) {
P(o, 'innerHTML', function (set, v) { set.call(this, S(v)); RQ(this.content || this); });
});
P(E, 'outerHTML', function (set, v) { var p = this.parentNode; set.call(this, S(v)); RQ(p); });

// document.write: a tag split across two calls is kept back until the next
// call completes it (or, failing that, written as it is once the writing
// script is done).
function DW(t, v) {
var m = /<(?:[a-z\/](?:[^>"']|"[^"]*(?:"|$)|'[^']*(?:'|$))*)?$/i.exec(v = WP + v);
WP = '';
if (m) {
WP = m[0]; v = v.slice(0, m.index);
WT = WT || Promise.resolve().then(function () { var p = WP; WT = WP = ''; if (p) dw.call(t, p); });
}
dw.call(t, S(v, WS));
RQ(t);
}
var dw = D.write;
W(D, 'write', function (f, a) { DW(this, a.join('')); });
W(D, 'writeln', function (f, a) { DW(this, a.join('') + '\n'); });

// Requests: fetch settles, and XHR and sendBeacon send, only on release.
var XP = XMLHttpRequest.prototype, nv = navigator;
W(w, 'fetch', function (f, a) {
var r = M(a[0] && a[0].url || a[0]), t = this;
return r ? new Promise(function (ok, no) { q(r, function () { f.apply(t, a).then(ok, no); }); }) : f.apply(t, a);
});
W(XP, 'open', function (f, a) { this.__cg = M(a[1]); return f.apply(this, a); });
W(XP, 'send', function (f, a) {
var x = this, r = x.__cg;
if (r && !has(G, r[2])) q(r, function () { f.call(x, a[0]); });
else return f.apply(x, a);
});
W(nv, 'sendBeacon', function (f, a) {
var r = M(a[0]);
if (!r) return f.apply(nv, a);
q(r, function () { f.call(nv, a[0], a[1]); });
return true;
});

// Queue stubs for vendor globals, only where absent, so that inline calls
// (onsubmit="fbq('track','Lead'); return validate(this)") never throw.
function stub(n, c, v) { if (!has(G, c) && w[n] === undefined) { w[n] = v; ST.push([n, c, v]); } }
// As Google's own snippet: a site's gtag('consent','default',...) reaches dataLayer.
stub('gtag', 'analytics', function () { (w.dataLayer = w.dataLayer || []).push(arguments); });
var ga = function () { (ga.q = ga.q || []).push(arguments); }, fbq = function () {
fbq.callMethod ? fbq.callMethod.apply(fbq, arguments) : fbq.queue.push(arguments);
}, hj = function () { (hj.q = hj.q || []).push(arguments); }, no = function () {},
px = w.Proxy && new Proxy(no, {get: function (t, k) { return typeof k == 'string' && k != 'then' ? px : undefined; }, apply: function () { return px; }});
ga.l = +new Date;
fbq.push = fbq; fbq.loaded = !0; fbq.version = '2.0'; fbq.queue = [];
stub('ga', 'analytics', ga);
stub('_gaq', 'analytics', []);
// urchin.js reads no queue: its calls are made again once it defines the function.
var uq = [];
stub('urchinTracker', 'analytics', function () { uq.push(arguments); });
// _gat._getTracker(...)._trackPageview(): any chain of calls.
if (px) stub('_gat', 'analytics', px);
stub('hj', 'analytics', hj);
stub('fbq', 'marketing', fbq);
stub('twttr', 'social', {_e: [], ready: function (f) { this._e.push(f); }, widgets: {load: no}});

w.__cg = {
// set is setAttribute past the guard: for a load the visitor asked for
// once (a placeholder's "Load this once"), without consenting.
set: function (e, n, v) { sa.call(e, n, v); },
// match names the vendor whose held category a URL falls under ("" for none).
match: function (u) { var r = M(u); return r ? r[3] : ''; },
grant: function (c) {
var o = Q;
c.forEach(function (x) { if (!has(G, x)) G.push(x); });
// Our stubs go before the vendor's own bootstrap comes back, as its
// snippet keeps a global it finds (if(f.fbq)return; i[r]=i[r]||...):
// calls made before consent are absorbed, not replayed.
ST = ST.filter(function (x) {
if (!has(G, x[1])) return 1;
if (w[x[0]] === x[2]) try { delete w[x[0]]; } catch (e) { w[x[0]] = undefined; }
});
if (uq.length && has(G, 'analytics')) d.addEventListener('load', function () {
var f = w.urchinTracker;
if (typeof f == 'function') uq.splice(0).forEach(function (a) { f.apply(w, a); });
}, true);
RQ(d);
Q = [];
o.forEach(function (x) {
if (!has(G, x.nodeType ? x.getAttribute('data-consent') : x.c)) Q.push(x);
else if (x.nodeType) R(x);
else x();
});
}
};
})(window, document, __CG_CONFIG__);
