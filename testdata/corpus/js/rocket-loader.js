/* WP Rocket "Delay JavaScript execution": scripts are typed
 * rocketlazyloadscript until the first interaction (here: at load), then
 * recreated in order with data-rocket-src as their src. Lazy iframes
 * (data-lazy-src) are swapped in the same way. */
(function () {
	function run() {
		var scripts = [].slice.call(document.querySelectorAll('script[type="rocketlazyloadscript"]'));
		scripts.forEach(function (old) {
			var s = document.createElement('script');
			for (var i = 0; i < old.attributes.length; i++) {
				var a = old.attributes[i];
				if (a.name === 'type') continue;
				s.setAttribute(a.name === 'data-rocket-src' ? 'src' : a.name, a.value);
			}
			s.text = old.text;
			old.parentNode.replaceChild(s, old);
		});
		[].forEach.call(document.querySelectorAll('iframe[data-lazy-src]'), function (f) {
			f.setAttribute('src', f.getAttribute('data-lazy-src'));
			f.removeAttribute('data-lazy-src');
			f.classList.add('lazyloaded');
		});
		(window.__marks = window.__marks || []).push('rocket-loader');
	}
	if (document.readyState === 'complete') run(); else window.addEventListener('load', function () { setTimeout(run, 50); });
})();
