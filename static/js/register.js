/* The register page without a framework. The form works without this file;
   it only keeps the absent count current, stops a double-tapped Save from
   sending twice, and warns before leaving with marks not saved. */
(function () {
  var form = document.getElementById("register-form");
  if (!form) return;
  var count = document.querySelector("[data-absent-count]");
  // A page sent back with errors or a clash holds choices not saved yet.
  var changed = form.hasAttribute("data-unsaved");
  var sending = false;
  function update() {
    // Late children came; absent and excused did not (as in the saved message).
    var absent = form.querySelectorAll(
      "input[name$='-status'][value=absent]:checked, input[name$='-status'][value=excused]:checked"
    ).length;
    if (count) count.textContent = absent;
  }
  form.addEventListener("change", function () {
    changed = true;
    update();
  });
  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    changed = false;
  });
  // Any form leaving the page on purpose ("no session" too) needs no warning.
  document.addEventListener("submit", function () {
    changed = false;
  });
  // Back from the browser's cache, or a send that never left: Save works again.
  window.addEventListener("pageshow", function () {
    sending = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (changed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  update();
})();
