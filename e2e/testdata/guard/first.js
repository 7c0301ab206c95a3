window.__first.push(/r=(\w+)/.exec(document.currentScript.src)[1]);
