// The 30-minute idle timeout, made visible: a warning two minutes before it, with a button that
// keeps the session; and what was typed in a data-entry form survives an expired session. The
// form's values are kept in this tab (sessionStorage, never sent anywhere) while typing; if saving
// meets the sign-in page, they are put back into the same form after signing in, for the nurse to
// check and save. Passwords and the CSRF token are never kept.
(function () {
  const DRAFT = "ecrf-draft";
  const banner = document.getElementById("session-timeout");

  function formValues(form) {
    const values = [];
    Array.from(form.elements).forEach(function (element) {
      if (!element.name || element.type === "password" || element.name === "csrfmiddlewaretoken") return;
      if (element.type === "submit" || element.type === "button" || element.type === "file") return;
      if (element.type === "checkbox" || element.type === "radio") {
        values.push([element.name, element.value, element.checked]);
      } else {
        values.push([element.name, element.value, null]);
      }
    });
    return values;
  }

  function restore(form, values) {
    values.forEach(function ([name, value, checked]) {
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (element) {
        if (checked === null) {
          element.value = value;
        } else if (element.value === value) {
          element.checked = checked;
        }
      });
    });
    form.dispatchEvent(new Event("change", { bubbles: true })); // conditional fields follow
  }

  // On the sign-in page after an expired session: remember that the draft is waiting.
  if (document.querySelector("form[data-login]")) {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
    if (draft && draft.submitted) {
      draft.awaitingLogin = true;
      sessionStorage.setItem(DRAFT, JSON.stringify(draft));
    }
  }

  const form = document.querySelector("form[data-keep-draft]");
  if (form) {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
    if (draft && draft.path === location.pathname && draft.awaitingLogin) {
      restore(form, draft.values);
      const note = document.getElementById("draft-restored");
      if (note) note.hidden = false;
    }
    sessionStorage.removeItem(DRAFT);
    const keep = function (submitted) {
      sessionStorage.setItem(
        DRAFT,
        JSON.stringify({ path: location.pathname, values: formValues(form), submitted: submitted })
      );
    };
    form.addEventListener("input", function () { keep(false); });
    form.addEventListener("change", function () { keep(false); });
    form.addEventListener("submit", function () { keep(true); });
  } else if (!document.querySelector("form[data-login]")) {
    sessionStorage.removeItem(DRAFT); // saved (a redirect to another page), or abandoned
  }

  if (!banner) return;
  const idleSeconds = parseInt(banner.dataset.idleSeconds, 10);
  const warnBefore = Math.min(120, Math.floor(idleSeconds / 2));
  let warnTimer = null;
  let endTimer = null;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    banner.hidden = true;
    warnTimer = setTimeout(function () {
      banner.querySelector("[data-ending]").hidden = false;
      banner.querySelector("[data-ended]").hidden = true;
      banner.hidden = false;
    }, (idleSeconds - warnBefore) * 1000);
    endTimer = setTimeout(function () {
      banner.querySelector("[data-ending]").hidden = true;
      banner.querySelector("[data-ended]").hidden = false;
      banner.hidden = false;
    }, idleSeconds * 1000);
  }

  banner.querySelector("[data-stay]").addEventListener("click", function () {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(banner.dataset.keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (response) { if (response.ok) schedule(); });
  });
  schedule();
})();
