// The review console's few behaviours: reveal a blurred image, keyboard shortcuts, bulk select.
"use strict";
(() => {
  const typing = (e) => ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName);

  // Flagged boxes (percent of the image); set here because the CSP forbids inline styles.
  for (const box of document.querySelectorAll(".box[data-box]")) {
    const [left, top, width, height] = box.dataset.box.split(",");
    Object.assign(box.style, { left: left + "%", top: top + "%", width: width + "%", height: height + "%" });
  }

  const reveal = document.getElementById("reveal");
  const toggle = () => {
    if (!reveal) return;
    const hidden = reveal.classList.toggle("blurred");
    reveal.setAttribute("aria-pressed", String(!hidden));
  };
  if (reveal) {
    reveal.addEventListener("click", toggle);
    reveal.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
  }

  const decide = document.getElementById("decide");
  const rows = Array.from(document.querySelectorAll("tr.row"));
  let current = -1;
  const focusRow = (i) => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("current", j === current));
    rows[current].scrollIntoView({ block: "nearest" });
  };
  for (const row of rows) {
    row.addEventListener("click", (e) => {
      if (e.target.tagName !== "INPUT" && e.target.tagName !== "A") window.location = row.dataset.href;
    });
  }
  const all = document.getElementById("select-all");
  if (all) all.addEventListener("change", () => {
    for (const box of document.querySelectorAll("input[name=ids]")) box.checked = all.checked;
  });

  document.addEventListener("keydown", (e) => {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "v") toggle();
    if (decide) {
      const button = decide.querySelector(`button[data-key="${e.key}"]`);
      if (button) { e.preventDefault(); decide.requestSubmit(button); }
      return;
    }
    if (e.key === "j") focusRow(current + 1);
    else if (e.key === "k") focusRow(current - 1);
    else if ((e.key === "o" || e.key === "Enter") && current >= 0) window.location = rows[current].dataset.href;
    else if (e.key === "x" && current >= 0) {
      const box = rows[current].querySelector("input[type=checkbox]");
      box.checked = !box.checked;
    }
  });
})();
