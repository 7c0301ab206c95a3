/* reCAPTCHA on the contact form: strictly necessary to stop spam. */
function onRecaptchaLoad() {
	grecaptcha.ready(function () {
		(window.__marks = window.__marks || []).push('recaptcha-ready');
	});
}
(window.__marks = window.__marks || []).push('contact-form.js');
