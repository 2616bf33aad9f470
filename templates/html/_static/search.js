/* The search page: Pagefind's UI from the site's own pagefind/ folder (no CDN).
 * The index is split into shards, one Pagefind bundle each, listed by pagefind/shards.js
 * (window.RUNBOOKS_SEARCH_SHARDS, relative to pagefind/): the first is searched with the
 * others merged into it. ?q=words starts a search, so other pages can link to one. */
(function () {
  "use strict";

  function init() {
    var box = document.getElementById("rb-search");
    if (!box) {
      return;
    }
    // Absolute URLs: a relative one would be resolved against pagefind-ui.js itself.
    var folder = new URL(box.getAttribute("data-bundle") || "pagefind/", location.href).href;
    var shards = window.RUNBOOKS_SEARCH_SHARDS;
    // A site built before the index was sharded has one bundle, in pagefind/ itself.
    var bundles = Array.isArray(shards)
      ? shards.map(function (shard) {
          return new URL(shard, folder).href;
        })
      : [folder];
    if (typeof window.PagefindUI !== "function" || bundles.length === 0) {
      document.getElementById("rb-search-unavailable").hidden = false;
      return;
    }
    // Result links start from the site's folder, wherever the site is served from; a
    // merged bundle would guess it from its own path, so each is told.
    var root = new URL(box.getAttribute("data-root") || "./", location.href).pathname;
    var ui = new window.PagefindUI({
      element: "#rb-search",
      bundlePath: bundles[0],
      mergeIndex: bundles.slice(1).map(function (bundle) {
        return { bundlePath: bundle, baseUrl: root };
      }),
      baseUrl: root,
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
