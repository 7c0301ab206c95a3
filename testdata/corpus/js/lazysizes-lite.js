/* lazysizes / a3 Lazy Load: elements with class lazyload and data-src get
 * their src when they come near the viewport. */
(function () {
	var io = new IntersectionObserver(function (entries) {
		entries.forEach(function (e) {
			if (!e.isIntersecting) return;
			var el = e.target;
			io.unobserve(el);
			if (el.getAttribute('data-src')) {
				el.setAttribute('src', el.getAttribute('data-src'));
				el.classList.remove('lazyload', 'lazy-hidden');
				el.classList.add('lazyloaded');
			}
		});
	}, {rootMargin: '200px'});
	function scan() {
		[].forEach.call(document.querySelectorAll('.lazyload[data-src], .lazy-hidden[data-src]'), function (el) { io.observe(el); });
	}
	scan();
	document.addEventListener('lazybeforeunveil', scan);
	(window.__marks = window.__marks || []).push('lazysizes');
})();
