// The print view's "print" button (no inline script: CSP).
(function () {
  "use strict";
  var b = document.getElementById("print-now");
  if (b) { b.addEventListener("click", function () { window.print(); }); }
})();
