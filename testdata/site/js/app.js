// First-party ES module for the Llanwern County Council site.
window.appModuleLoaded = true;

export function init() {
  document.documentElement.classList.add('app-ready');
}

init();
