// Conditional fields: an input marked data-show-when="field=value" is shown only while the
// named field (radio or select) has that value. Hidden values are discarded by the form's
// clean() on the server, so what is hidden is never saved.
(function () {
  function currentValue(name) {
    const checked = document.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    const select = document.querySelector('select[name="' + name + '"]');
    return select ? select.value : "";
  }
  function update() {
    document.querySelectorAll("[data-show-when]").forEach(function (input) {
      const [name, value] = input.dataset.showWhen.split("=");
      const group = input.closest(".mb-3") || input.parentElement;
      group.hidden = currentValue(name) !== value;
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
      preview.textContent =
        "Dose per fraction " + perFraction.toFixed(2) + " Gy · BED₁₀ " + (dose * (1 + perFraction / alphaBeta)).toFixed(1) + " Gy";
    } else {
      preview.textContent = "";
    }
  }
  document.addEventListener("input", previewBed);
  document.addEventListener("change", previewBed);
  previewBed();
})();
