/* The runbook site's behaviour: error-code lookup, list filter, checklist state,
 * copy buttons, the release in the footer. Plain JavaScript, no framework, nothing
 * fetched but the site's own release.json: works from any web server and from
 * file://. Every page works without it. */
(function () {
  "use strict";

  function normalise(text) {
    return text.replace(/\s+/g, " ").trim().toLowerCase();
  }

  /* -- error-code lookup ------------------------------------------------- */
  function candidates(query) {
    var q = normalise(query);
    var out = [q];
    var bare = q
      .replace(/^(?:error|code|id|event id|エラー|コード)\s*[:：#]?\s*/, "")
      .replace(/^[\[(（「"']+|[\])）」"'.,;:。、]+$/g, "")
      .trim();
    out.push(bare);
    if (/^0x[0-9a-f]+$/.test(bare)) {
      out.push(bare.slice(2));
    } else if (/^[0-9a-f]+$/.test(bare)) {
      out.push("0x" + bare);
    }
    return out;
  }

  function lookup(query) {
    var table = window.RUNBOOK_CODES || {};
    var list = candidates(query);
    for (var i = 0; i < list.length; i++) {
      if (list[i] && Object.prototype.hasOwnProperty.call(table, list[i])) {
        return table[list[i]];
      }
    }
    return null;
  }

  function focusTarget(id) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    el.scrollIntoView({ block: "start" });
    if (typeof el.focus === "function") {
      el.focus({ preventScroll: true });
    }
  }

  function initLookup() {
    var form = document.getElementById("rb-lookup");
    if (!form) {
      return;
    }
    var input = document.getElementById("rb-lookup-input");
    var status = document.getElementById("rb-lookup-status");
    var root = form.getAttribute("data-root") || "";
    var here = form.getAttribute("data-here") || "";

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "";
      var query = input.value;
      if (!normalise(query)) {
        status.textContent = form.getAttribute("data-empty") || "";
        return;
      }
      var hit = lookup(query);
      if (!hit) {
        status.textContent = (form.getAttribute("data-unknown") || "").replace(
          "{code}",
          query.trim()
        );
        var link = document.createElement("a");
        link.href = form.getAttribute("data-search") + "?q=" + encodeURIComponent(query.trim());
        link.textContent = form.getAttribute("data-search-label") || "";
        status.appendChild(document.createTextNode(" "));
        status.appendChild(link);
        return;
      }
      var target = null;
      for (var i = 0; i < hit.e.length; i++) {
        if (hit.e[i].split("#")[0] === here) {
          target = hit.e[i];
        }
      }
      if (target) {
        var id = decodeURIComponent(target.split("#")[1] || "");
        if (location.hash === "#" + target.split("#")[1]) {
          focusTarget(id);
        } else {
          location.hash = target.split("#")[1] || "";
          focusTarget(id);
        }
        return;
      }
      target = hit.e.length === 1 ? hit.e[0] : hit.p;
      location.href = new URL(root + target, location.href).href;
    });
  }

  /* -- list filter (index, code index) ----------------------------------- */
  function initFilter() {
    var boxes = document.querySelectorAll(".filter[data-filter]");
    Array.prototype.forEach.call(boxes, function (box) {
      var list = document.getElementById(box.getAttribute("data-filter"));
      var input = box.querySelector("input");
      var status = box.querySelector(".filter-status");
      if (!list || !input) {
        return;
      }
      var rows = list.querySelectorAll("[data-filter-text]");
      var groups = list.querySelectorAll("[data-filter-group]");
      function apply() {
        var words = normalise(input.value).split(" ").filter(Boolean);
        var shown = 0;
        Array.prototype.forEach.call(rows, function (row) {
          var text = normalise(row.getAttribute("data-filter-text"));
          var match = words.every(function (w) {
            return text.indexOf(w) >= 0;
          });
          row.hidden = !match;
          shown += match ? 1 : 0;
        });
        Array.prototype.forEach.call(groups, function (group) {
          group.hidden = !group.querySelector("[data-filter-text]:not([hidden])");
        });
        if (!status) {
          return;
        }
        if (!words.length) {
          status.textContent = "";
        } else if (!shown) {
          status.textContent = box.getAttribute("data-none") || "";
        } else {
          status.textContent = (box.getAttribute("data-count") || "")
            .replace("{shown}", String(shown))
            .replace("{total}", String(rows.length));
        }
      }
      input.addEventListener("input", apply);
      var initial = new URLSearchParams(location.search).get("code");
      if (initial && !input.value) {
        input.value = initial;
      }
      if (input.value) {
        apply();
      }
    });
  }

  /* -- checklists: each box remembers its state in this browser ---------- */
  function store() {
    try {
      var probe = "runbooks:probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function initChecklists() {
    var storage = store();
    if (!storage) {
      return;
    }
    var boxes = document.querySelectorAll("input[type=checkbox][data-store]");
    Array.prototype.forEach.call(boxes, function (box) {
      var key = "runbooks:" + box.getAttribute("data-store");
      box.checked = storage.getItem(key) === "1";
      box.addEventListener("change", function () {
        if (box.checked) {
          storage.setItem(key, "1");
        } else {
          storage.removeItem(key);
        }
      });
    });
    var resets = document.querySelectorAll(".checklist-reset");
    Array.prototype.forEach.call(resets, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var section = button.closest(".checklist");
        var inside = section.querySelectorAll("input[type=checkbox][data-store]");
        Array.prototype.forEach.call(inside, function (box) {
          box.checked = false;
          storage.removeItem("runbooks:" + box.getAttribute("data-store"));
        });
      });
    });
  }

  /* -- copy buttons on command blocks ------------------------------------ */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function initCopy() {
    var buttons = document.querySelectorAll(".command button.copy");
    Array.prototype.forEach.call(buttons, function (button) {
      var code = button.parentNode.querySelector("pre code");
      if (!code) {
        return;
      }
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(code.textContent).then(
          function () {
            button.textContent = button.getAttribute("data-done") || label;
          },
          function () {
            button.textContent = button.getAttribute("data-failed") || label;
          }
        );
        window.setTimeout(function () {
          button.textContent = label;
        }, 2000);
      });
    });
  }

  /* -- language switch: follow the card being read ----------------------------
   * The header's switch leads to the other version's page; when the address names an
   * error card (or one of its codes), it leads to that card's match there instead. */
  function initVersions() {
    var links = document.querySelectorAll("a[data-lang-switch]");
    if (!links.length) {
      return;
    }
    function follow() {
      var id = "";
      try {
        id = decodeURIComponent(window.location.hash.slice(1));
      } catch (e) {
        id = "";
      }
      var target = id ? document.getElementById(id) : null;
      var card = target && target.closest ? target.closest(".card.error") : null;
      Array.prototype.forEach.call(links, function (link) {
        var base = link.getAttribute("href").split("#")[0];
        var lang = link.getAttribute("hreflang");
        var match = null;
        if (card) {
          var found = card.querySelectorAll("a.version-link");
          for (var i = 0; i < found.length; i++) {
            if (found[i].getAttribute("hreflang") === lang) {
              match = found[i];
            }
          }
        }
        link.setAttribute("href", match ? match.getAttribute("href") : base);
      });
    }
    window.addEventListener("hashchange", follow);
    follow();
  }

  /* -- the release in the footer ---------------------------------------- */
  // release.json is written by `runbooks publish` into each release: where it is
  // missing (a build served as it is, file://) the footer stays as it was.
  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function initRelease() {
    var line = document.getElementById("rb-release");
    if (!line || location.protocol === "file:" || typeof window.fetch !== "function") {
      return;
    }
    window
      .fetch(line.getAttribute("data-src"), { cache: "no-cache" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (info) {
        if (!info || typeof info.release !== "string") {
          return;
        }
        var parts = [fill(line.getAttribute("data-release"), { release: info.release })];
        if (typeof info.built === "string") {
          // ISO 8601 in UTC: "2025-01-02T09:58:12Z" -> "2025-01-02 09:58 UTC"
          var built = info.built.slice(0, 16).replace("T", " ") + " UTC";
          parts.push(fill(line.getAttribute("data-built"), { built: built }));
        }
        var source = info.source;
        if (source && typeof source.commit === "string") {
          var which = source.modified ? "data-modified" : "data-commit";
          parts.push(fill(line.getAttribute(which), { commit: source.commit.slice(0, 12) }));
        }
        var counts = info.counts || {};
        if (typeof counts.documents === "number" && typeof counts.codes === "number") {
          parts.push(fill(line.getAttribute("data-counts"), counts));
        }
        line.textContent = parts.join(" · ");
        line.hidden = false;
      })
      .catch(function () {});
  }

  function init() {
    initLookup();
    initFilter();
    initChecklists();
    initCopy();
    initVersions();
    initRelease();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
