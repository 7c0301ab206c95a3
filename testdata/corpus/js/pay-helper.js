(window.__marks = window.__marks || []).push('pay-helper.js');
