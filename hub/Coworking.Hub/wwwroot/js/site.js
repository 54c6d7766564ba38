// Small enhancements shared by every page. Everything works without this file; it only saves a click.
"use strict";

document.documentElement.classList.add("js");

// A select marked data-autosubmit submits its form when changed (the location switcher).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit();
  }
});
