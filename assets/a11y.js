/* Accessibility helpers for what Dash's components cannot say themselves.
 *
 * - Progress bars: dbc.Progress takes no aria-label, so a bar is named from the closest
 *   data-progress-name around it ("Job progress"), else "Progress".
 * - Dialogs: a dbc.Offcanvas or dbc.Modal whose title a callback sets is named by that title
 *   (aria-labelledby), so a screen reader says which item's detail opened.
 * - "Skip to content": moves the keyboard focus to the page instead of changing the URL's hash
 *   (the Explorer keeps its filters there).
 * - Tables: Enter on a focused AG Grid cell does what a click does (the Explorer's table opens the
 *   item's detail on a click), so a keyboard user reaches everything a mouse user does.
 */
(function () {
  "use strict";

  function nameProgressBars(root) {
    root.querySelectorAll('[role="progressbar"]:not([aria-label])').forEach(function (bar) {
      var named = bar.closest("[data-progress-name]");
      bar.setAttribute("aria-label", named ? named.getAttribute("data-progress-name") : "Progress");
    });
  }

  function nameDialogs(root) {
    root.querySelectorAll('[role="dialog"]:not([aria-labelledby]):not([aria-label])').forEach(
      function (dialog) {
        var title = dialog.querySelector(".offcanvas-title, .modal-title");
        if (!title) {
          return;
        }
        if (!title.id) {
          title.id = (dialog.id || "dialog") + "-title";
        }
        dialog.setAttribute("aria-labelledby", title.id);
      }
    );
  }

  function skipToContent(event) {
    var link = event.target.closest && event.target.closest(".skip-link");
    if (!link) {
      return;
    }
    var main = document.getElementById(link.getAttribute("href").slice(1));
    if (main) {
      event.preventDefault();
      main.setAttribute("tabindex", "-1");
      main.focus();
    }
  }

  function enterClicksCell(event) {
    if (event.key !== "Enter" || !event.target.classList) {
      return;
    }
    if (event.target.classList.contains("ag-cell")) {
      event.target.click();
    }
  }

  document.addEventListener("click", skipToContent);
  document.addEventListener("keydown", enterClicksCell);
  new MutationObserver(function () {
    nameProgressBars(document);
    nameDialogs(document);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
