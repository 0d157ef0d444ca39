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
    // Sentences come translated from the page (data-*); CTCAE text is NCI's English, with a
    // sponsor's Chinese beside it when one is loaded.
    const title = document.createElement("p");
    title.className = "fw-bold mb-1";
    title.textContent = panel.dataset.title.replace("{term}", result.term + (result.term_zh ? " · " + result.term_zh : ""));
    panel.appendChild(title);
    if (result.translation) {
      const note = document.createElement("p");
      note.className = "small text-muted mb-1";
      note.textContent = panel.dataset.translation.replace("{label}", result.translation);
      panel.appendChild(note);
    }
    const table = document.createElement("dl");
    table.className = "row small mb-0";
    for (let grade = 1; grade <= 5; grade++) {
      const dt = document.createElement("dt");
      dt.className = "col-2";
      dt.textContent = panel.dataset.grade.replace("{grade}", grade);
      const dd = document.createElement("dd");
      dd.className = "col-10";
      dd.textContent = result.grades[grade] || panel.dataset.undefined;
      if (result.grades_zh && result.grades_zh[grade]) {
        const zh = document.createElement("div");
        zh.lang = "zh-hans";
        zh.className = "text-muted";
        zh.textContent = result.grades_zh[grade];
        dd.appendChild(zh);
      }
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
