// Claim notes: each shows the claim, its rating and attribution beside its
// paragraph (wide screens) or below it (narrow ones); the review opens with
// the note's button (Enter/Space; Escape closes it again), and following a
// claim's number in the text opens its note.
(() => {
  const open = (note, state) => {
    note.classList.toggle("is-open", state);
    note.querySelector(".note-toggle")?.setAttribute("aria-expanded", String(state));
  };
  for (const note of document.querySelectorAll(".note")) {
    const toggle = note.querySelector(".note-toggle");
    if (!toggle) continue;
    toggle.hidden = false;
    toggle.addEventListener("click", () => open(note, !note.classList.contains("is-open")));
    note.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && note.classList.contains("is-open")) {
        open(note, false);
        toggle.focus();
      }
    });
  }
  const openTarget = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (target?.classList.contains("note")) open(target, true);
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
