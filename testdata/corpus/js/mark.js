/* Llanwern County Council theme: marks that the site's own scripts ran. */
(window.__marks = window.__marks || []).push('mark.js');
document.documentElement.setAttribute('data-ran', '1');
