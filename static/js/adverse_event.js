// The outcome follows "ongoing" until the nurse chooses one herself: an ongoing event is not yet
// recovered, an ended one recovered (the server checks the pair either way: safety/forms.py).
(function () {
  const ongoing = document.querySelector('input[name="ongoing"]');
  const outcome = document.querySelector('select[name="outcome"]');
  if (!ongoing || !outcome) return;
  const whileOngoing = ["not_recovered", "recovering"];
  const whenEnded = ["recovered", "sequelae"];
  ongoing.addEventListener("change", function () {
    if (ongoing.checked && !whileOngoing.includes(outcome.value)) outcome.value = "not_recovered";
    if (!ongoing.checked && !whenEnded.includes(outcome.value) && outcome.value !== "fatal") outcome.value = "recovered";
  });
})();
