/* The payment form's own script: loaded with the page's nonce, it adds the
 * card-number formatter (strict-dynamic lets it load helpers). */
(function () {
	var s = document.createElement('script');
	s.src = '/corpus/js/pay-helper.js';
	document.head.appendChild(s);
	(window.__marks = window.__marks || []).push('pay.js');
})();
