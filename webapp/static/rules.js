// The rules page follows the server's hot reload: every 2 s it asks for the rules' state and
// reloads itself when the live version or the last reload attempt changed. The page works
// without it (a manual reload shows the same).
(function () {
  "use strict";
  var box = document.getElementById("rules-status");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var state = box.getAttribute("data-state");
  var busy = false;

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.state && data.state !== state) {
          box.textContent = "Правила изменились: страница обновляется…";
          window.location.reload();
        }
      })
      .catch(function () { /* offline or logged out: try again on the next tick */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 2000);
})();
