// Maillage, restitution: shows the points left while a participant fills
// the priority form (the server checks the allowance in any case).
(function () {
  var form = document.getElementById("form-points");
  if (!form) { return; }
  var total = parseInt(form.getAttribute("data-allocation"), 10) || 0;
  var out = document.getElementById("points-restants");
  function update() {
    var given = 0;
    var fields = form.querySelectorAll(".champ-points");
    for (var i = 0; i < fields.length; i++) {
      var n = parseInt(fields[i].value, 10);
      if (!isNaN(n) && n > 0) { given += n; }
    }
    var left = total - given;
    out.textContent = "";
    out.appendChild(document.createTextNode("Points attribués : "));
    var b1 = document.createElement("strong"); b1.textContent = String(given); out.appendChild(b1);
    out.appendChild(document.createTextNode(" sur " + total + " ; restants : "));
    var b2 = document.createElement("strong"); b2.textContent = String(left); out.appendChild(b2);
    out.appendChild(document.createTextNode(left < 0 ? " (dépassement : retirez des points)." : "."));
  }
  form.addEventListener("input", update);
})();
