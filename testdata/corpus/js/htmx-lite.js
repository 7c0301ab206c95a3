/* The part of htmx 1.9 the page uses: hx-get with hx-trigger="load" or
 * "click", hx-target and hx-swap="innerHTML", sent with htmx's headers. */
(function () {
	function swap(el) {
		var url = el.getAttribute('hx-get');
		var target = el.getAttribute('hx-target') ? document.querySelector(el.getAttribute('hx-target')) : el;
		fetch(url, {headers: {'HX-Request': 'true', 'HX-Current-URL': location.href, 'HX-Target': target.id || ''}})
			.then(function (r) { return r.text(); })
			.then(function (html) {
				target.innerHTML = html;
				(window.__marks = window.__marks || []).push('htmx-swapped:' + url);
				document.body.dispatchEvent(new CustomEvent('htmx:afterSwap', {detail: {target: target}}));
			});
	}
	function init() {
		[].forEach.call(document.querySelectorAll('[hx-get]'), function (el) {
			var trig = el.getAttribute('hx-trigger') || 'click';
			if (trig === 'load') swap(el);
			else el.addEventListener(trig, function (e) { e.preventDefault(); swap(el); });
		});
		(window.__marks = window.__marks || []).push('htmx');
	}
	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
