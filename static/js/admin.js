// Small progressive enhancements for the admin shell. Every action also works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) form.submit();
  });
  // Buttons with data-confirm="dialog-id" open a <dialog>; the dialog holds the real POST form.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      event.preventDefault();
      closer.closest("dialog").close();
      return;
    }
    var copy = event.target.closest("[data-copy-target]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy-target"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent).then(function () {
          copy.textContent = copy.getAttribute("data-copied-label") || copy.textContent;
        });
      }
    }
  });
  // Toggles inside a form[data-toggle-form] submit the form when flipped.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-toggle-form]");
    if (form && event.target.matches("input[type=checkbox]")) form.submit();
  });
  // Disable submit buttons after the first click so a double click cannot post twice.
  document.addEventListener("submit", function (event) {
    var buttons = event.target.querySelectorAll("button[type=submit]");
    window.setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });
  window.setTimeout(function () {
    document.querySelectorAll(".toast").forEach(function (t) { t.classList.add("is-hidden"); });
  }, 8000);
})();
