// A lazy loader as lazysizes and a3 Lazy Load work: on scroll, elements of
// class lazyload get their data-src.
window.addEventListener('scroll', function () {
  [].forEach.call(document.querySelectorAll('.lazyload[data-src]'), function (el) {
    el.src = el.getAttribute('data-src');
    el.removeAttribute('data-src');
  });
});
