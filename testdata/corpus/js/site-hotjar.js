/* Theme options: "Hotjar site ID" pasted by the web team. */
jQuery(function ($) {
	window.hj = window.hj || function () { (hj.q = hj.q || []).push(arguments); };
	window._hjSettings = {hjid: 3102003, hjsv: 6};
	$.getScript('https://static.hotjar.com/c/hotjar-' + _hjSettings.hjid + '.js?sv=' + _hjSettings.hjsv);
	(window.__marks = window.__marks || []).push('site-hotjar');
});
