window.dataLayer = window.dataLayer || [];
window.dataLayer.push({"drupalLanguage":"en","drupalCountry":"GB","siteName":"Llanwern County Council","entityType":"node","entityBundle":"page"});
(window.__marks = window.__marks || []).push('google_tag.data_layer.js');
