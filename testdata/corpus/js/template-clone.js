/* The "Accessible tabs" component: each tab panel is a <template> cloned
 * into the page when first shown (here: at once). */
(function () {
	[].forEach.call(document.querySelectorAll('template[data-panel]'), function (tpl) {
		var target = document.getElementById(tpl.getAttribute('data-panel'));
		target.appendChild(document.importNode(tpl.content, true));
	});
	(window.__marks = window.__marks || []).push('template-clone');
})();
