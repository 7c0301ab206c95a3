/* The part of Turbo 7 the page uses: a <turbo-frame src> is fetched with
 * the Turbo-Frame header and replaced by the frame of the same id in the
 * answer. */
(function () {
	function load(frame) {
		fetch(frame.getAttribute('src'), {headers: {'Turbo-Frame': frame.id, 'Accept': 'text/vnd.turbo-stream.html, text/html, application/xhtml+xml'}})
			.then(function (r) { return r.text(); })
			.then(function (html) {
				var doc = new DOMParser().parseFromString(html, 'text/html');
				var found = doc.querySelector('turbo-frame#' + frame.id);
				frame.innerHTML = '';
				if (found) {
					// Turbo moves the new frame's nodes into the live frame.
					while (found.firstChild) frame.appendChild(document.adoptNode(found.firstChild));
				}
				frame.setAttribute('complete', '');
				(window.__marks = window.__marks || []).push('turbo-frame:' + frame.id);
			});
	}
	[].forEach.call(document.querySelectorAll('turbo-frame[src]'), load);
	(window.__marks = window.__marks || []).push('turbo');
})();
