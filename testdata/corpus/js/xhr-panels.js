/* Loads the "What's on" panel with jQuery.ajax, which sends
 * X-Requested-With: XMLHttpRequest. */
jQuery(function ($) {
	$.ajax({url: '/corpus/fragments/xhr-whatson.html', success: function (html) {
		document.getElementById('whatson').innerHTML = html;
		(window.__marks = window.__marks || []).push('xhr-panel');
	}});
});
