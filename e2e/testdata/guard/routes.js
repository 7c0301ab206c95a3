// Every way first-party code can start a load at run time, first to
// trackers (one category or another), then to the site itself.
(function () {
  var d = document, h = d.head, s;
  function loaded(name) { return function () { window.__loaded.push(name); }; }

  // createElement + src, then appendChild
  s = d.createElement('script');
  s.src = 'https://www.googletagmanager.com/gtm.js?id=GTM-CREATE';
  s.onload = loaded('create');
  h.appendChild(s);
  // setAttribute
  s = d.createElement('script');
  s.setAttribute('src', 'https://static.hotjar.com/c/hotjar-1.js?sv=attr');
  s.onload = loaded('attr');
  d.body.appendChild(s);
  // $.getScript (jQuery's cross-domain script transport)
  s = d.createElement('script');
  s.async = true;
  s.src = 'https://www.google-analytics.com/analytics.js?r=getscript';
  s.onload = loaded('getscript');
  h.insertBefore(s, h.firstChild);
  // new Image().src, never inserted
  var img = new Image();
  window.__watch(img);
  img.src = 'https://www.facebook.com/tr?id=1&ev=image';
  window.__img = img;
  // document.write of a script, and of a tag split across two calls
  d.write('<script src="https://www.google-analytics.com/analytics.js?r=write" onload="__loaded.push(\'write\')"></scr' + 'ipt>');
  d.write('<img alt="" id="split" src="https://www.facebook.com/tr?id=1&amp;ev=sp');
  d.write('lit">');
  // innerHTML, insertAdjacentHTML, outerHTML
  d.getElementById('inner').innerHTML = '<iframe title="inner" src="https://www.youtube.com/embed/inner"></iframe>';
  d.getElementById('adjacent').insertAdjacentHTML('beforeend', '<img alt="" src="https://www.facebook.com/tr?id=1&ev=adjacent">');
  d.getElementById('outer').outerHTML = '<iframe title="outer" src="https://www.youtube.com/embed/outer"></iframe>';
  // src of an iframe already in the page
  d.getElementById('existing').src = 'https://www.youtube.com/embed/existing';
  // fetch, XHR, sendBeacon
  window.__fetched = 0;
  fetch('https://www.google-analytics.com/g/collect?v=2&en=fetch', { method: 'POST', mode: 'no-cors' }).then(function () { window.__fetched++; });
  var x = new XMLHttpRequest();
  x.open('POST', 'https://www.google-analytics.com/g/collect?v=2&en=xhr');
  x.onloadend = function () { window.__xhr = x.status; };
  x.send('a=1');
  window.__beacon = navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2&en=beacon', 'b=1');
  // a preload hint created at run time
  var l = d.createElement('link');
  l.rel = 'preload';
  l.as = 'script';
  l.href = 'https://www.googletagmanager.com/gtag/js?id=G-PRELOAD';
  h.appendChild(l);
  // a social script
  s = d.createElement('script');
  s.src = 'https://platform.twitter.com/widgets.js?r=create';
  s.onload = loaded('widgets');
  d.body.appendChild(s);
  // Range.createContextualFragment, and DOMParser output inserted later
  d.body.appendChild(d.createRange().createContextualFragment('<img alt="" src="https://www.facebook.com/tr?id=1&ev=fragment">'));
  d.body.appendChild(new DOMParser().parseFromString('<img alt="" src="https://www.facebook.com/tr?id=1&ev=parser">', 'text/html').body.firstChild);
  // an SVG image through setAttributeNS, and an img srcset
  var svg = d.createElementNS('http://www.w3.org/2000/svg', 'svg'), im = d.createElementNS('http://www.w3.org/2000/svg', 'image');
  im.setAttributeNS('http://www.w3.org/1999/xlink', 'xlink:href', 'https://www.facebook.com/tr?id=1&ev=svg');
  svg.appendChild(im);
  d.body.appendChild(svg);
  var ss = d.createElement('img');
  ss.alt = '';
  ss.srcset = 'https://www.facebook.com/tr?id=1&ev=srcset 1x, /guard/pixel.gif?r=srcset 2x';
  d.body.appendChild(ss);
  // an iframe's srcdoc holding a pixel
  d.getElementById('doc').srcdoc = '<p>in a srcdoc</p><img alt="" src="https://www.facebook.com/tr?id=1&ev=srcdoc">';
  // a clone of a template whose content loads a video
  d.getElementById('cloned').appendChild(d.getElementById('tpl').content.cloneNode(true));
  // the site moves an element the server held back
  var held = d.querySelector('script[data-consent]');
  if (held) d.body.appendChild(held);

  // The same routes to the site itself are untouched.
  function fp(name) { return function () { window.__first.push(name); }; }
  s = d.createElement('script');
  s.src = '/guard/first.js?r=create';
  h.appendChild(s);
  s = d.createElement('script');
  s.setAttribute('src', '/guard/first.js?r=attr');
  h.appendChild(s);
  d.write('<script src="/guard/first.js?r=write"></scr' + 'ipt>');
  var fi = new Image();
  fi.onload = fp('image');
  fi.src = '/guard/pixel.gif?r=image';
  d.getElementById('inner').insertAdjacentHTML('beforeend', '<img alt="" src="/guard/pixel.gif?r=inner" onload="__first.push(\'inner\')">');
  fetch('/guard/first.js?r=fetch').then(function (r) { if (r.ok) window.__first.push('fetch'); });
  var y = new XMLHttpRequest();
  y.open('GET', '/guard/first.js?r=xhr');
  y.onload = function () { if (y.status === 200) window.__first.push('xhr'); };
  y.send();
})();
