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

// A failed login comes back to the login page (?error=…) without what was typed: the hub never puts an address in a
// URL. The address is kept in this tab's sessionStorage while the form is sent, so only the password is typed again.
const loginEmail = document.querySelector('form[action="/auth/login"] input[name="email"]');
if (loginEmail instanceof HTMLInputElement && loginEmail.form) {
  const key = "console-login-email";
  if (new URLSearchParams(window.location.search).has("error") && !loginEmail.value) {
    loginEmail.value = sessionStorage.getItem(key) ?? "";
  }
  sessionStorage.removeItem(key);
  loginEmail.form.addEventListener("submit", () => sessionStorage.setItem(key, loginEmail.value));
}
