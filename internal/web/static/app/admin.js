// Maillage, administration: the page of a running import reloads itself
// every second until the import is over (without JavaScript, the
// "Actualiser" link does the same).
(function () {
  if (document.querySelector("[data-actualiser]")) {
    setTimeout(function () { window.location.reload(); }, 1000);
  }
})();
