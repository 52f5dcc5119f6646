// Maillage: progressive enhancement only; every page works without it.
// "Imprimer" buttons open the browser's print dialog (the print stylesheet
// lays the page out for paper and "save as PDF").
document.addEventListener("click", function (e) {
  var el = e.target && e.target.closest ? e.target.closest("[data-imprimer]") : null;
  if (el) {
    e.preventDefault();
    window.print();
  }
});
