/* A theme bundle that loads its tags itself: none of these URLs is in the
 * HTML. Each load is followed by a marker, so a guard that throws instead
 * of holding shows as a missing marker. */
(function () {
	var m = window.__marks = window.__marks || [];
	// createElement + src (GTM, as google_tag.js does)
	var s = document.createElement('script');
	s.async = true;
	s.src = 'https://www.googletagmanager.com/gtm.js?id=GTM-RUNTIME';
	document.head.appendChild(s);
	m.push('rt-create');
	// setAttribute on an iframe, inserted with insertBefore
	var f = document.createElement('iframe');
	f.setAttribute('src', 'https://www.youtube-nocookie.com/embed/RtSetAttr1');
	f.width = 320; f.height = 180; f.title = 'setAttribute';
	document.getElementById('rt-media').insertBefore(f, null);
	m.push('rt-setattribute');
	// new Image().src pixel
	new Image().src = 'https://www.facebook.com/tr?id=121212121212121&ev=PageView&noscript=1';
	m.push('rt-image');
	// innerHTML and insertAdjacentHTML with iframes
	document.getElementById('rt-video').innerHTML = '<iframe width="320" height="180" src="https://www.youtube.com/embed/RtInnerH01" title="innerHTML"></iframe>';
	m.push('rt-innerhtml');
	document.getElementById('rt-social').insertAdjacentHTML('beforeend', '<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fllanwern&width=340" width="340" height="130" title="insertAdjacentHTML"></iframe>');
	m.push('rt-insertadjacent');
	// fetch, XHR and sendBeacon to collectors
	fetch('https://region1.google-analytics.com/g/collect?v=2&tid=G-RUNTIME1&en=page_view', {method: 'POST', mode: 'no-cors', keepalive: true}).catch(function () {});
	m.push('rt-fetch');
	var x = new XMLHttpRequest();
	x.open('POST', 'https://www.google-analytics.com/j/collect?v=1&tid=UA-RUNTIME-1&t=pageview');
	x.send();
	m.push('rt-xhr');
	navigator.sendBeacon('https://www.facebook.com/tr/?id=121212121212121&ev=Beacon', 'x');
	m.push('rt-beacon');
	// the site's own requests keep working
	fetch('/corpus/js/pay-helper.js').then(function () { m.push('rt-own-fetch'); });
	var img = new Image(); img.onload = function () { m.push('rt-own-image'); }; img.src = '/corpus/img/placeholder.png';
})();
