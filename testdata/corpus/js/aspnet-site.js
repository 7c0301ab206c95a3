/* Site scripts of the council's ASP.NET WebForms application. */
function validate(form) {
	(window.__marks = window.__marks || []).push('validate');
	var q = form.elements['ctl00$MainContent$txtSearch'];
	return !!(q && q.value && false);
}
function siteInit() {
	(window.__marks = window.__marks || []).push('siteInit');
}
