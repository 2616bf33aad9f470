"""Web server settings for a published site: an nginx ``location`` block and an IIS ``web.config``.

``runbooks publish`` writes both (:mod:`compiler.publish`). They say the same things:

- the content type of every kind of file the site holds, Pagefind's own included
  (``.pagefind``, ``.pf_meta``, ``.pf_index``, ``.pf_fragment``, ``.pf_filter``: its
  engine fetches them; ``.wasm``), so that no server guesses or refuses one;
- how long a browser may keep a file: the search index's shards
  (``pagefind/shards/<key>-<digest>/``, a folder named after the hash of its index, see
  :mod:`compiler.html.search_shards`) never change under their name, so a year and
  ``immutable``; everything else (pages, the shard list ``pagefind/shards.js``, scripts,
  styles, images, ``release.json``) keeps its name from build to build, so ``no-cache``:
  the browser asks again each time and gets a 304 when nothing changed;
- where the site is served: ``base_path`` of ``runbooks.toml`` (``/runbooks/``).

Only validated text goes into them: a URL path of letters, digits and ``._~-``, and a
folder path without a character that means something to nginx (``;``, ``{``, quotes,
``$``, ``#``, ``\\``, white space). The files are plain text made here, not templates
an admin could break: an admin who wants more adds it around the block.
"""

from __future__ import annotations

import re

from compiler.html.paths import SEARCH_BUNDLE
from compiler.html.search_shards import SHARDS_DIR

NGINX_FILE = "nginx-location.conf"
"""The nginx block, written beside the releases (``include`` it in a ``server`` block)."""
IIS_FILE = "web.config"
"""IIS's settings, written into every release: IIS reads them from the folder it serves."""
CURRENT = "current"
"""The destination's live release (see :mod:`compiler.publish`)."""
IMMUTABLE_FOLDER = f"{SEARCH_BUNDLE}/{SHARDS_DIR}/"
"""Site-relative folder whose files never change under their name."""
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

CONTENT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("text/html", ("html", "htm")),
    ("text/css", ("css",)),
    ("text/javascript", ("js", "mjs")),
    ("application/json", ("json",)),
    ("application/wasm", ("wasm",)),
    # Pagefind's index and engine: gzip-compressed binary, fetched by its own script.
    ("application/octet-stream", ("pagefind", "pf_meta", "pf_index", "pf_fragment", "pf_filter")),
    ("image/svg+xml", ("svg",)),
    ("image/png", ("png",)),
    ("image/jpeg", ("jpg", "jpeg")),
    ("image/gif", ("gif",)),
    ("image/webp", ("webp",)),
    ("image/avif", ("avif",)),
    ("image/bmp", ("bmp",)),
    ("image/x-icon", ("ico",)),
    ("text/plain", ("txt",)),
)
"""Every kind of file a site holds (its images are the documents' own), and its type."""
_COMPRESSIBLE = ("text/css", "text/javascript", "application/json", "image/svg+xml")
"""Besides HTML, which nginx always compresses when gzip is on."""

_URL_PATH = re.compile(r"/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*")
_NGINX_UNSAFE = re.compile(r"[\s;{}\"'`$#\\]|[\x00-\x1f\x7f]")


class SettingsError(ValueError):
    """A path that cannot be written into a web server's settings as it is."""


def url_path(value: str) -> str:
    """``base_path`` as a location: ``/runbooks`` -> ``/runbooks/``; SettingsError if it
    holds anything but ``/``-separated names of letters, digits and ``._~-``."""
    path = value if value.endswith("/") else value + "/"
    if not _URL_PATH.fullmatch(path):
        raise SettingsError(
            f"base_path {value!r} cannot be served as it is: write it as /name/ or /a/b/, "
            "with names of letters, digits and ._~- (a name may not start with a dot)"
        )
    return path


def nginx_safe(path: str) -> str:
    """``path`` (absolute, POSIX) if nginx's settings can hold it as it is."""
    bad = _NGINX_UNSAFE.search(path)
    if bad is not None:
        raise SettingsError(
            f"the destination {path!r} holds {bad.group(0)!r}, which cannot be written into "
            "nginx's settings safely: choose a folder whose path has no white space, quotes "
            "or any of ; { } $ # \\"
        )
    if not path.startswith("/"):
        raise SettingsError(f"the destination {path!r} must be an absolute path for nginx")
    return path


def nginx_location(location: str, destination: str) -> str:
    """The ``location`` block serving ``<destination>/current/`` (a published site's live
    release; ``destination`` absolute) at ``location`` (``base_path``)."""
    location = url_path(location)
    destination = nginx_safe(destination.rstrip("/") or "/")
    folder = f"{destination.rstrip('/')}/{CURRENT}/"
    immutable = location + IMMUTABLE_FOLDER
    types = "".join(
        f"        {kind} {' '.join(extensions)};\n" for kind, extensions in CONTENT_TYPES
    )
    redirect = ""
    if location != "/":
        redirect = f"location = {location.rstrip('/')} {{\n    return 301 {location};\n}}\n"
    return (
        "# The runbook site: written by `runbooks publish` at every publish and rollback\n"
        "# (edits are lost). Include it in a server block:\n"
        f"#     include {destination.rstrip('/')}/{NGINX_FILE};\n"
        f"{redirect}"
        f"location {location} {{\n"
        "    # Each request opens its file through `current`, which a publish replaces at\n"
        "    # once: every response is a whole file of one release. Cached open files would\n"
        "    # go on serving a release after the switch: off, whatever the server says.\n"
        f"    alias {folder};\n"
        "    disable_symlinks off;\n"
        "    open_file_cache off;\n"
        "    index index.html;\n"
        "    charset utf-8;\n"
        "    charset_types text/css text/javascript application/json image/svg+xml;\n"
        "    # The site's own types, not the server's mime.types: Pagefind's files included.\n"
        "    types {\n"
        f"{types}"
        "    }\n"
        "    default_type application/octet-stream;\n"
        "    gzip on;\n"
        "    gzip_vary on;\n"
        f"    gzip_types {' '.join(_COMPRESSIBLE)};\n"
        "    # Pages, the shard list (pagefind/shards.js), scripts and images keep their\n"
        "    # names from build to build: browsers ask again (a 304 when unchanged).\n"
        f'    add_header Cache-Control "{REVALIDATE}" always;\n'
        '    add_header X-Content-Type-Options "nosniff" always;\n'
        f"    location = {location}{IIS_FILE} {{\n"
        "        return 404;\n"
        "    }\n"
        "    # A shard's folder is named after the hash of its index: it never changes.\n"
        f"    location {immutable} {{\n"
        f'        add_header Cache-Control "{IMMUTABLE}" always;\n'
        '        add_header X-Content-Type-Options "nosniff" always;\n'
        "    }\n"
        "}\n"
    )


def iis_web_config() -> str:
    """``web.config`` for the folder IIS serves (the destination's ``current``)."""
    types = "".join(
        f'      <remove fileExtension=".{extension}" />\n'
        f'      <mimeMap fileExtension=".{extension}" mimeType="{kind}" />\n'
        for kind, extensions in CONTENT_TYPES
        for extension in extensions
    )
    max_age = "365.00:00:00"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!-- The runbook site's IIS settings: written by `runbooks publish` into every\n"
        "     release (edits are lost). Serve the destination's `current` folder, e.g. as\n"
        "     the virtual directory /runbooks/. -->\n"
        "<configuration>\n"
        "  <system.webServer>\n"
        "    <staticContent>\n"
        "      <!-- The site's own types: Pagefind's files included. -->\n"
        f"{types}"
        "      <!-- Pages, the shard list, scripts and images keep their names from build\n"
        "           to build: browsers ask again (Cache-Control: no-cache). -->\n"
        '      <clientCache cacheControlMode="DisableCache" />\n'
        "    </staticContent>\n"
        '    <defaultDocument enabled="true">\n'
        "      <files>\n"
        "        <clear />\n"
        '        <add value="index.html" />\n'
        "      </files>\n"
        "    </defaultDocument>\n"
        "    <httpProtocol>\n"
        "      <customHeaders>\n"
        '        <remove name="X-Content-Type-Options" />\n'
        '        <add name="X-Content-Type-Options" value="nosniff" />\n'
        "      </customHeaders>\n"
        "    </httpProtocol>\n"
        "    <security>\n"
        "      <!-- Page names keep a document's own file name, which may hold a '+'. -->\n"
        '      <requestFiltering allowDoubleEscaping="true" />\n'
        "    </security>\n"
        "  </system.webServer>\n"
        "  <!-- A shard's folder is named after the hash of its index: it never changes. -->\n"
        f'  <location path="{IMMUTABLE_FOLDER.rstrip("/")}">\n'
        "    <system.webServer>\n"
        "      <staticContent>\n"
        f'        <clientCache cacheControlMode="UseMaxAge" cacheControlMaxAge="{max_age}"\n'
        '                     cacheControlCustom="public, immutable" />\n'
        "      </staticContent>\n"
        "    </system.webServer>\n"
        "  </location>\n"
        "</configuration>\n"
    )
