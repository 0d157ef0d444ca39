// CTCAE term search as you type, and the chosen term's grade definitions beside the grade, so
// that a nurse grades by the CTCAE text. The server validates the term and the grade again.
(function () {
  const input = document.querySelector("[data-ctcae-search]");
  if (!input) return;
  const list = document.getElementById("ctcae-terms");
  const panel = document.getElementById("grade-definitions");
  const known = {};
  let timer = null;

  function showGrades(result) {
    panel.innerHTML = "";
    document.querySelectorAll('input[name="grade"]').forEach(function (radio) {
      radio.disabled = !!result && !(radio.value in result.grades);
    });
    if (!result) return;
    const title = document.createElement("p");
    title.className = "fw-bold mb-1";
    title.textContent = result.term + " — CTCAE v5.0 grades";
    panel.appendChild(title);
    const table = document.createElement("dl");
    table.className = "row small mb-0";
    for (let grade = 1; grade <= 5; grade++) {
      const dt = document.createElement("dt");
      dt.className = "col-2";
      dt.textContent = "Grade " + grade;
      const dd = document.createElement("dd");
      dd.className = "col-10";
      dd.textContent = result.grades[grade] || "— not defined for this term";
      table.append(dt, dd);
    }
    panel.appendChild(table);
  }

  function lookup(text) {
    const name = text.split(" (")[0].toLowerCase();
    return Object.values(known).find(function (r) { return r.term.toLowerCase() === name; });
  }

  function search() {
    const text = input.value.trim();
    if (text.length < 2) return;
    fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(text.split(" (")[0]))
      .then(function (response) { return response.json(); })
      .then(function (data) {
        list.innerHTML = "";
        data.results.forEach(function (result) {
          known[result.label] = result;
          const option = document.createElement("option");
          option.value = result.label;
          list.appendChild(option);
        });
        showGrades(lookup(input.value));
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  if (input.value) search();
})();
