// Small helpers; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-expand]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-expand"));
      if (!target) { return; }
      var open = button.getAttribute("aria-expanded") !== "true";
      target.querySelectorAll("details").forEach(function (d) { d.open = open; });
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Свернуть все шаги" : "Раскрыть все шаги";
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
