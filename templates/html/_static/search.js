/* The search page: Pagefind's UI from the site's own pagefind/ folder (no CDN).
 * ?q=words starts a search, so other pages can link to one. */
(function () {
  "use strict";

  function init() {
    var box = document.getElementById("rb-search");
    if (!box) {
      return;
    }
    if (typeof window.PagefindUI !== "function") {
      document.getElementById("rb-search-unavailable").hidden = false;
      return;
    }
    // An absolute URL: a relative one would be resolved against pagefind-ui.js itself.
    var bundle = new URL(box.getAttribute("data-bundle") || "pagefind/", location.href).href;
    var ui = new window.PagefindUI({
      element: "#rb-search",
      bundlePath: bundle,
      // Result links start from the site's folder, wherever the site is served from.
      baseUrl: new URL(box.getAttribute("data-root") || "./", location.href).pathname,
      showSubResults: true,
      showImages: false,
      resetStyles: false,
    });
    // Pagefind's box has only a title; give it a real accessible name.
    var input = box.querySelector("input");
    if (input && !input.getAttribute("aria-label")) {
      input.setAttribute("aria-label", box.getAttribute("data-label") || "Search");
    }
    var query = new URLSearchParams(location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
