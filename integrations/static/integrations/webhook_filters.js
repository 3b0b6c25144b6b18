// The webhook form's filter rows: add and remove a condition, and preview which recent
// events the conditions being edited would let through (asked of the server, nothing saved).
(function () {
  "use strict";

  function setUp(editor) {
    var rows = editor.querySelector(".filter-rows");
    var template = editor.querySelector(".filter-row-template");
    var preview = editor.querySelector(".filter-preview");
    var form = editor.closest("form");
    var next = parseInt(editor.dataset.next, 10);
    var timer = null;
    var asked = 0;  // only the latest answer is shown, whatever order the answers come in

    editor.querySelector(".filter-add").addEventListener("click", function () {
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__index__/g, String(next)));
      next += 1;
    });
    rows.addEventListener("click", function (event) {
      if (event.target.classList.contains("filter-remove")) {
        event.target.closest("tr").remove();
        refreshSoon();
      }
    });

    function refresh() {
      var mine = ++asked;
      var data = new FormData(form);
      if (preview.dataset.webhook) {
        data.set("webhook", preview.dataset.webhook);
      }
      fetch(preview.dataset.url, {method: "POST", body: data, credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) { if (mine === asked) { preview.innerHTML = html; } })
        .catch(function () {
          if (mine === asked) { preview.textContent = "The preview could not be loaded."; }
        });
    }

    function refreshSoon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }

    editor.querySelector(".filter-preview-button").addEventListener("click", refresh);
    editor.addEventListener("change", refreshSoon);
    form.querySelectorAll('input[name="events"]').forEach(function (box) {
      box.addEventListener("change", refreshSoon);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".filter-editor").forEach(setUp);
  });
})();
