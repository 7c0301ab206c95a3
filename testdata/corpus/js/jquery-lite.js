/* The part of jQuery 3 that council themes lean on: $(fn), $.getScript
 * (a <script> appended to <head>, removed once it has run, as jQuery's
 * script transport does) and $.ajax with X-Requested-With. */
(function (w, d) {
	function $(fn) { if (typeof fn === 'function') { if (d.readyState !== 'loading') fn($); else d.addEventListener('DOMContentLoaded', function () { fn($); }); } }
	$.getScript = function (url, done) {
		var s = d.createElement('script');
		s.async = true;
		s.src = url;
		s.onload = s.onerror = function (e) { s.parentNode && s.parentNode.removeChild(s); if (e.type === 'load' && done) done(); };
		d.head.appendChild(s);
	};
	$.ajax = function (o) {
		var x = new XMLHttpRequest();
		x.open(o.type || 'GET', o.url);
		x.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
		x.onload = function () { if (o.success) o.success(x.responseText); };
		x.send(o.data || null);
	};
	w.jQuery = w.$ = $;
	(w.__marks = w.__marks || []).push('jquery');
})(window, document);
