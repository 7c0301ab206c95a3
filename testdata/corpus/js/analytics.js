/* The council's own analytics: counts page views in its own database. The
 * file name is analytics.js, the host is the council's. */
(function () {
	window.councilAnalytics = {page: location.pathname};
	(window.__marks = window.__marks || []).push('first-party-analytics.js');
})();
