// Small page behaviours declared with data attributes, so that no page needs an inline script
// (the Content-Security-Policy allows scripts from this site's static files only).
(function () {
  // A button that must not be pressed twice (randomization: one click, one allocation).
  document.querySelectorAll("form [data-submit-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      // After the submit event, so that the form is sent before the button is disabled.
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
