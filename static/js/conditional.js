// Conditional fields: an input marked data-show-when="field=value" is shown only while the
// named field has that value: a radio or select (its value), a checkbox ("True" when ticked,
// "False" when not, as the server's BooleanField reads it), or a multiple select or group of
// checkboxes (any of the chosen values). Hidden values are discarded by the form's clean() on the
// server, so what is hidden is never saved; a field the server reports an error on is never hidden.
(function () {
  function currentValues(name) {
    const inputs = Array.from(document.querySelectorAll('[name="' + name + '"]'));
    const values = [];
    inputs.forEach(function (input) {
      if (input.type === "checkbox" && inputs.length === 1) {
        values.push(input.checked ? "True" : "False");
      } else if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) values.push(input.value);
      } else if (input.tagName === "SELECT") {
        Array.from(input.selectedOptions).forEach(function (option) { values.push(option.value); });
      } else if (input.type !== "hidden") {
        values.push(input.value);
      }
    });
    return values;
  }
  function currentValue(name) {
    return currentValues(name)[0] || "";
  }
  function update() {
    document.querySelectorAll("[data-show-when]").forEach(function (input) {
      const [name, value] = input.dataset.showWhen.split("=");
      const group = input.closest(".mb-3") || input.closest(".form-check") || input.parentElement;
      const hasError = group.querySelector(".is-invalid, .invalid-feedback") !== null;
      group.hidden = !hasError && !currentValues(name).includes(value);
    });
  }
  document.addEventListener("change", update);
  update();

  // Radiotherapy: preview dose per fraction and BED10 (the saved value is computed on the
  // server by crf/radiotherapy.py with the same formula).
  const preview = document.getElementById("bed-preview");
  if (!preview) return;
  function previewBed() {
    const dose = parseFloat(document.getElementById("id_total_dose_gy").value);
    const fractions = parseInt(document.getElementById("id_fractions").value, 10);
    const alphaBeta = parseFloat(preview.dataset.alphaBeta);
    preview.hidden = currentValue("modality") !== "radiotherapy";
    if (dose > 0 && fractions > 0) {
      const perFraction = dose / fractions;
      // The sentence comes translated from the page (data-text), with {per_fraction} and {bed} to fill.
      preview.textContent = preview.dataset.text
        .replace("{per_fraction}", perFraction.toFixed(2))
        .replace("{bed}", (dose * (1 + perFraction / alphaBeta)).toFixed(1));
    } else {
      preview.textContent = "";
    }
  }
  document.addEventListener("input", previewBed);
  document.addEventListener("change", previewBed);
  previewBed();
})();
