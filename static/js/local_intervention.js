// Local intervention form: show only the chosen modality's details, and preview dose per
// fraction and BED10 while the dose is typed. The saved BED10 is computed on the server
// (crf/radiotherapy.py); this is only a preview of the same formula.
(function () {
  function chosenModality() {
    const checked = document.querySelector('input[name="modality"]:checked');
    return checked ? checked.value : "";
  }
  function showModalityFields() {
    const modality = chosenModality();
    document.querySelectorAll("[data-show-when-modality]").forEach(function (input) {
      const group = input.closest(".mb-3") || input.parentElement;
      group.hidden = input.dataset.showWhenModality !== modality;
    });
    const preview = document.getElementById("bed-preview");
    if (preview) preview.hidden = modality !== "radiotherapy";
  }
  function previewBed() {
    const preview = document.getElementById("bed-preview");
    const dose = parseFloat(document.getElementById("id_total_dose_gy").value);
    const fractions = parseInt(document.getElementById("id_fractions").value, 10);
    const alphaBeta = parseFloat(preview.dataset.alphaBeta);
    if (dose > 0 && fractions > 0) {
      const perFraction = dose / fractions;
      const bed = dose * (1 + perFraction / alphaBeta);
      preview.textContent = "Dose per fraction " + perFraction.toFixed(2) + " Gy · BED₁₀ " + bed.toFixed(1) + " Gy";
    } else {
      preview.textContent = "";
    }
  }
  document.querySelectorAll('input[name="modality"]').forEach(function (radio) {
    radio.addEventListener("change", showModalityFields);
  });
  ["id_total_dose_gy", "id_fractions"].forEach(function (id) {
    const input = document.getElementById(id);
    if (input) input.addEventListener("input", previewBed);
  });
  showModalityFields();
  if (document.getElementById("id_total_dose_gy")) previewBed();
})();
