// Small page behaviours declared in the markup (data-* attributes) instead of inline handlers, so the
// Content-Security-Policy can forbid inline script:
//   data-print            click prints the page
//   data-back             click goes back one page
//   data-confirm="text"   click (or submit of its form) asks first; cancelling stops it
//   data-autosubmit       a change submits the field's form
//   data-open="id"        click opens the <details> with that id
//   data-menu-toggle      click opens or closes the navigation on a phone
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var el = event.target.closest('[data-print],[data-back],[data-confirm],[data-open],[data-menu-toggle]');
    if (!el) return;
    if (el.hasAttribute('data-confirm') && !window.confirm(el.getAttribute('data-confirm'))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (el.hasAttribute('data-print')) { event.preventDefault(); window.print(); }
    if (el.hasAttribute('data-back')) { event.preventDefault(); window.history.back(); }
    if (el.hasAttribute('data-menu-toggle')) {
      var open = document.body.classList.toggle('menu-open');
      el.setAttribute('aria-expanded', String(open));
    }
    if (el.hasAttribute('data-open')) {
      var target = document.getElementById(el.getAttribute('data-open'));
      if (target) target.open = true;
    }
  });
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute('data-autosubmit') && el.form) el.form.submit();
  });
})();
