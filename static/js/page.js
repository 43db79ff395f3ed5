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

// A button marked data-copy="element-id" copies that element's text and says so on the button.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copy);
  // The clipboard API needs a secure page; elsewhere the text is selected for the person to copy.
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  } else {
    window.getSelection().selectAllChildren(source);
    button.textContent = "Selected: press Ctrl+C";
  }
});

// A button marked data-answer-rest="value" checks that value in every radio group of its form
// still unanswered (a drug screen's lines: "Negative for the rest"), leaving chosen answers as
// they are.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-answer-rest]");
  if (!button) {
    return;
  }
  const value = button.dataset.answerRest;
  const names = new Set(
    [...button.form.querySelectorAll("input[type=radio]")].map((radio) => radio.name),
  );
  for (const name of names) {
    const group = [...button.form.elements.namedItem(name)];
    if (!group.some((radio) => radio.checked)) {
      const answer = group.find((radio) => radio.value === value);
      if (answer) {
        answer.checked = true;
      }
    }
  }
});
