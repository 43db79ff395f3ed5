// The attendance sheet: present fills the whole session's minutes, a status without attendance
// sets 0; tabbing into minutes selects them so typing replaces them; "Mark all present" fills
// every row.
document.addEventListener("DOMContentLoaded", () => {
  const sheet = document.getElementById("attendance-sheet");
  if (!sheet) return;
  const full = sheet.dataset.fullMinutes;
  const attended = ["present", "late", "left_early"];

  function apply(select) {
    const minutes = select.closest("tr").querySelector(".js-minutes");
    if (select.value === "present") {
      minutes.value = full;
    } else if (!select.value) {
      minutes.value = "";
    } else if (!attended.includes(select.value)) {
      minutes.value = 0;
    } else if (!minutes.value || minutes.value === "0") {
      minutes.value = full;
    }
  }

  sheet.addEventListener("change", (event) => {
    if (event.target.matches(".js-status")) apply(event.target);
  });
  sheet.addEventListener("focusin", (event) => {
    if (event.target.matches(".js-minutes")) event.target.select();
  });
  const markAll = document.getElementById("mark-all-present");
  if (markAll) {
    markAll.addEventListener("click", () => {
      sheet.querySelectorAll(".js-status").forEach((select) => {
        select.value = "present";
        apply(select);
      });
    });
  }
});
