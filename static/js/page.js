// Small behaviours marked in the HTML: the Content-Security-Policy allows no inline handlers.

// A menu marked data-autosubmit submits its form when changed (a <noscript> button does the same
// where scripts do not run).
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});

// A button marked data-print opens the browser's print dialog.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
