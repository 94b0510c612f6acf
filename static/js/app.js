/* Inocenți: the little JavaScript every page needs, instead of Bootstrap's 80 KB
   bundle: the phone menu and closing messages. Pages work without it; loaded in
   <head> (not deferred) so that the menu is folded before the page is drawn. */
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var toggle = event.target.closest("[data-bs-toggle=collapse]");
  if (toggle) {
    var target = document.querySelector(toggle.getAttribute("data-bs-target"));
    var open = target.classList.toggle("show");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  var dismiss = event.target.closest("[data-bs-dismiss=alert]");
  if (dismiss) {
    dismiss.closest(".alert").remove();
  }
});
