"""Error codes and IDs, found in error cells, headings and labelled parts.

Codes are kept exactly as written (``0x1FC07``, ``34513``); lookups compare them
case-insensitively. Patterns are general shapes of error identifiers, not lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# POSIX errno names a program reports (Node, Python, Linux tools): "EACCES: permission
# denied", "connect ECONNREFUSED 127.0.0.1:443", "getaddrinfo ENOTFOUND"
_ERRNO = re.compile(
    r"(?<![\w.\-/])(E(?:ACCES|PERM|NOENT|EXIST|INVAL|NOSPC|NOMEM|MFILE|NFILE|PIPE|ROFS|BUSY"
    r"|AGAIN|CONN(?:REFUSED|RESET|ABORTED)|HOSTUNREACH|NETUNREACH|TIMEDOUT|ADDRINUSE"
    r"|ADDRNOTAVAIL|NOTDIR|ISDIR|NOTEMPTY|NOTFOUND|SOCKETTIMEDOUT|2BIG|NOTSUP|PROTO|AI_AGAIN))"
    r"(?![\w\-])"
)
# Each pattern's group 1 is the code.
_IN_TEXT = (
    # "(ID: 34513)", "ID 403", "Event ID: 1004", "エラー ID:95519、95520", "(ErrorID: 95517)"
    re.compile(
        r"(?:\b|(?<=error)|(?<=event))IDs?\s*[:：#]?\s*(0[xX][0-9A-Fa-f]+|\d{2,})\b", re.IGNORECASE
    ),
    # "0x1FC07", "[0x80070570]", "0X35ED"
    re.compile(r"(?<![0-9A-Za-z])(0[xX][0-9A-Fa-f]{4,16})(?![0-9A-Za-z])"),
    # "エラー 34506", "Error 34506", "error code 150097", "エラー コード: 8614"
    re.compile(
        r"(?:エラー|error)\s*(?:code|コード|番号|number)?\s*[:：#]?\s*(\d{3,})(?![\w]|[.,]\d)",
        re.IGNORECASE,
    ),
    # A logged error with its text: "Error 13: The data is invalid.", "0xd: The data is
    # invalid.", "0x5: Access is denied." (short numbers only where the message follows)
    re.compile(
        r"(?:^|(?<=[\n.。]\s)|(?<=\n))\s*(?:error|エラー)\s*(\d{1,2})\s*[:：]\s+\S", re.IGNORECASE
    ),
    re.compile(r"(?<![0-9A-Za-z])(0[xX][0-9A-Fa-f]{1,3})\s*[:：]\s+[A-Z]"),
    # Prefixed error numbers a program logs with their message, or names as the error:
    # "IDX10223: Lifetime validation failed.", "ORA-00942: table or view does not exist",
    # "error AADSTS50076", "エラー CS0246" (not hashes, RFCs or KB articles: "SHA256: …")
    re.compile(
        r"(?:^|(?<=\n)|(?<=\s)|(?<=[。、「（(:：]))"
        r"(?!(?:SHA|MD|KB|RFC|ISO|UTF|TLS|SSL|CVE)\b|(?:SHA|MD|KB|RFC|ISO|UTF)\d)"
        r"([A-Z]{2,8}-?\d{3,8})\s*[:：]\s*(?=[A-Za-z\u3040-\u30ff\u4e00-\u9fff])"
    ),
    # A bare error number a message label gives first: "例外メッセージ: 40103: 認証トークンの
    # 署名が無効です。", "Exception: 40400: Endpoint not found" (5-6 digits: not a year)
    re.compile(
        r"(?:^|(?<=\n)|(?<=[:：]))\s*(\d{5,6})\s*[:：]\s+(?=[A-Za-z\u3040-\u30ff\u4e00-\u9fff])"
    ),
    re.compile(
        r"(?:\berror|エラー)\s*(?:code|コード)?\s*[:：]?\s*([A-Z]{2,8}-?\d{3,8})(?![\w\-]|\.\w)",
        re.IGNORECASE,
    ),
    # Small system error numbers where the words say so: "System error 5 has occurred",
    # "OS error 3", "システム エラー 53 が発生しました", "エラー 5 が発生する", "エラー = 32",
    # "error 87 occurred" (not "error 1 of 3")
    re.compile(
        r"(?:\b(?:system|os|operating\s+system|win32|windows)\s+error|システム\s*エラー"
        r"|オペレーティング\s*システム\s*エラー)\s*[:：=#]?\s*(\d{1,2})(?![\w]|[.,]\d)",
        re.IGNORECASE,
    ),
    re.compile(r"(?:\berror|エラー)\s*=\s*(\d{1,2})(?![\w]|[.,]\d)", re.IGNORECASE),
    re.compile(r"エラー\s*(\d{1,2})\s*(?:が|は|、|,|または|および|と|[)）]|$)"),
    re.compile(
        r"\berror\s+(\d{1,2})\s+(?:occurred|occurs|is\s+returned|was\s+returned)", re.IGNORECASE
    ),
    # "(0xcaa90017/-894894057)", "(-1073741715/ 0xc000006d)": an HRESULT or NTSTATUS
    # beside its negative decimal (a doubled minus is a typo of one)
    re.compile(r"0[xX][0-9A-Fa-f]{8}\s*[/,]\s*-?(-[1-9]\d{7,9})(?![\d.])"),
    re.compile(r"(?<![\w.])-?(-[1-9]\d{7,9})\s*[/,]\s*0[xX][0-9A-Fa-f]{8}(?![0-9A-Za-z])"),
    # "ERROR_NO_SUCH_LOGON_SESSION (1312)", "ERROR_WINHTTP_TIMEOUT (12002)": the number a
    # named error gives in parentheses
    re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,}\**\s*[(（]\s*(\d{3,6})\s*[)）]"),
    _ERRNO,
    # "(407) Proxy Authentication Required": a status at the start of a line, or any
    # 3-digit one; "Windows 10 (1903)" mid-sentence is a version, not a code.
    re.compile(r"(?:^\s*|(?<=\n)\s*)[(（](\d{3,6})[)）]|[(（]([3-5]\d\d)[)）]"),
    # HRESULTs written without 0x: "80180014", "8018000a" (not the first group of a GUID)
    re.compile(r"(?<![-0-9A-Za-z])([89Cc][0-9A-Fa-f]{7})(?![-0-9A-Za-z])"),
    # An HRESULT as a negative decimal: "-2147023170 [0x800706BE]", "HRESULT (decimal) -2134364065"
    re.compile(r"(?<![\w.\-])(-2\d{9})(?![\d.])"),
    # Numbers a program reports as its failure: "exit status 155", "[Errno 256]", "Code=12175",
    # "StatusCode=403", "return code 87", "ErrorCode 1252"
    re.compile(
        r"\b(?:exit\s+(?:status|code)|errno|(?:status|error|result|return|exit)\s*code)"
        r"(?:\s*(?:[:=#]|\bis\b|\bof\b)|[\"'\s]*>)?\s*(-?\d{2,})(?![\w]|\.\d)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<![\w.])Code\s*=\s*(-?\d{2,})\b"),
    # The same in Japanese: "状態コード 500", "理由コードは 1460 です", "終了コード: 1", "戻り値 87"
    re.compile(
        r"(?:状態|ステータス|理由|終了|戻り|リターン|結果)\s*(?:コード|値)\s*(?:[:：=#]|は)?\s*"
        r"(-?\d{2,})(?![\w]|[.,]\d)"
    ),
    # "reason code 1460", "reason code: 1460" (RAS, VPN)
    re.compile(r"\breason\s+code\s*(?:[:=#]|\bis\b)?\s*(\d{2,})(?![\w]|\.\d)", re.IGNORECASE),
    # Stop codes (bug checks): "stop 0x9E", "Stop error 0x0000007B", "bug check 0xD1"
    re.compile(
        r"\b(?:stop(?:\s+(?:error|code))?|bug\s*check(?:\s+code)?)\s*[:：]?\s*"
        r"(0[xX][0-9A-Fa-f]{1,8})(?![0-9A-Za-z])",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?:停止|バグ\s*チェック)\s*(?:エラー|コード)?\s*[:：]?\s*(0[xX][0-9A-Fa-f]{1,8})(?![0-9A-Za-z])"
    ),
    # "Hex: 0X4C9" — a short hex named as such; "(13846, Hex: 0X3616)" — its decimal twin
    re.compile(r"\bhex\s*[:：=]\s*(0[xX][0-9A-Fa-f]{2,16})\b", re.IGNORECASE),
    re.compile(r"[(（]\s*(\d{3,})\s*[,、，]\s*(?:hex\b|0[xX][0-9A-Fa-f])", re.IGNORECASE),
    # "exited with code [4294967295]", "code: [87]"
    re.compile(r"\bcode\s*[:=]?\s*\[\s*(-?\d{2,})\s*\]", re.IGNORECASE),
    # "Event 4502", "イベント 4502", "event 7016" (the "ID" is often left out)
    re.compile(r"(?:\bevent|イベント)\s*[:：#]?\s*(\d{3,5})(?![\d.])", re.IGNORECASE),
    # "HTTP status 407", "HTTP Error 503", "HTTP 414": failures only (2xx is success).
    re.compile(
        r"\bHTTP(?:\s+(?:status|error|response))?(?:\s+code)?\s*[:：]?\s*([3-5]\d\d)(?![\d.])",
        re.IGNORECASE,
    ),
    # "403 errors", "503 エラー": an HTTP failure status named as the error.
    re.compile(r"(?<![\w.\-/])([45]\d\d)\s*(?:errors?|エラー)(?![\w])", re.IGNORECASE),
    # An upper-case name given with its code: "E_INVALIDDATA (0x8007000d/…)",
    # "DBLKIO_OS2DISKERROR (17204)" (one underscore is enough beside a code)
    re.compile(
        r"(?<![\w.\-/\\$%])(?!HKEY_)([A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9])\**\s*[(（]\s*(?:0[xX][0-9A-Fa-f]{4}|-\d{6})"
    ),
    # Upper-case error identifiers: ERROR_ACCESS_DENIED, WU_E_UH_INVALIDMETADATA,
    # KDC_ERR_C_PRINCIPAL_UNKNOWN
    # (not registry hives: HKEY_LOCAL_MACHINE is a key, not an error)
    re.compile(r"(?<![\w.\-/\\$%])(?!HKEY_)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,})(?![\w.\-/\\])"),
)
# Identifier-style codes: UserErrorGuestAgentStatusUnavailable, ExtensionSnapshotFailedNoNetwork.
_CAMEL = re.compile(r"(?<![\w.\-/\\$])([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*){2,})(?![\w.\-])")
_SCREAMING = re.compile(r"(?<![\w.\-/\\$])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,})(?![\w.\-])")
# What a heading may name besides numbers: INVALID_FORM, CMGConnector_Forbidden,
# Win32Exception, MissingMethodException, SNIMissingWarning.
_UNDERSCORED = re.compile(
    r"(?<![\w.\-/\\$])([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9])(?![\w.\-])"
)
_ERRORISH = re.compile(
    r"(?<![\w.\-/\\$])([A-Z][A-Za-z0-9]*(?:Exception|Error|Failure|Failed|Fault|Warning|Denied"
    r"|NotFound|Mismatch|Unavailable|Timeout|TimedOut|Forbidden|Invalid|Rejected|Unauthorized"
    r"|Conflict|Exceeded|Unreachable|NotSupported|NotEnabled|Missing))(?![\w.\-])"
)
# A CamelCase identifier named as the error: "CheckSessionHostDomainIsReachableAsync エラー",
# "the ValidateCredentials error".
_CAMEL_NAMED = re.compile(
    r"(?<![\w.\-/\\$])([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*){2,})(?![\w.\-])[`*_'\"”」]*"
    r"(?:\s+(?:[Ee]rrors?|[Ee]xceptions?)\b|\s*(?:エラー|例外))(?!\s*(?:コード|[Cc]odes?\b))"
)
_NAME = r"[A-Z][A-Za-z0-9]{3,}(?:\.[A-Z][A-Za-z0-9]+)*"
_HUMPED = r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+(?:\.[A-Z][A-Za-z0-9]+)*"
# An identifier given as the error code: "S3 Error Code: PermanentRedirect",
# "Code=InvalidTemplateDeployment", "エラー コード: Conflict" (after a separator one
# capitalised word will do), "error codes SkuNotAvailable or InvalidTemplateDeployment"
# (without one, CamelCase only: "error code is returned" names none).
_CODE_LABEL_NAME = re.compile(
    r"(?:\b(?i:error|status)\s*(?i:codes?)\s*[:=：]|(?<![\w.])Code\s*=|エラー\s*コード\s*[:：=は])"
    rf"\s*[\"'「]?({_NAME})(?![\w\-])"
    rf"|\b(?i:error|status)\s+(?i:codes?)\s+(?:is\s+|of\s+)?({_HUMPED})(?![\w\-])"
)
_NEXT_NAME = re.compile(rf"\s*(?:,|\bor\b|\band\b|または|および|、)\s*({_HUMPED})(?![\w\-])")


def _code_label_names(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    if "ode" not in text and "コード" not in text:
        return found
    for m in _CODE_LABEL_NAME.finditer(text):
        group = 1 if m.group(1) else 2
        name = m.group(group)
        if name.lower() in _FILLERS:
            continue
        found.append((m.start(group), name))
        end = m.end(group)
        while nxt := _NEXT_NAME.match(text, end):
            found.append((nxt.start(1), nxt.group(1)))
            end = nxt.end(1)
    return found


_LANGUAGE_EXCEPTIONS = frozenset(
    [
        "IOError",
        "OSError",
        "EnvironmentError",
        "ValueError",
        "TypeError",
        "KeyError",
        "IndexError",
        "AttributeError",
        "RuntimeError",
        "ImportError",
        "NameError",
        "MemoryError",
        "SyntaxError",
        "AssertionError",
        "LookupError",
        "ArithmeticError",
        "EOFError",
        "SystemError",
    ]
)
"""A language's own exception classes in quoted output (``IOError: [Errno 2] …``) name the
kind of failure, not one to look up: the message after them is what a reader searches."""
_SETTING = re.compile(
    r"[`*_'\"”」]*\s*(?:構成設定|設定|パラメーター|プロパティ|settings?\b|parameters?\b|propert(?:y|ies)\b"
    r"|values?\b|keys?\b|class\b|module\b)",
    re.IGNORECASE,
)
# One more code of a list: ", 95520", " および 97118", " and 5205", "、2129", " と 2129"
_LISTED = re.compile(
    r"\s*(?:[,、，/]|\band\b|\bor\b|および|及び|または|と)\s*(0[xX][0-9A-Fa-f]{2,}|\d{3,})(?![\w.])",
    re.IGNORECASE,
)
# A heading or cell that is nothing but a number or hex ("### 95519", "0x1FC07").
_BARE = re.compile(r"^\s*(0[xX][0-9A-Fa-f]{2,}|\d{3,})\s*$")
_LEADING_IDENTIFIER = re.compile(r"^\s*[`*_]*([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w.\-])")
_DIGIT = re.compile(r"\d")
_NEEDS: dict[re.Pattern[str], str] = {
    **{rx: "digit" for rx in _IN_TEXT[:-1]},  # numbers, hex (0x…), HRESULTs
    _ERRNO: "",  # letters only
    _SCREAMING: "_",
    _UNDERSCORED: "_",
    _IN_TEXT[-1]: "_",
}
"""What a pattern cannot match without: a digit, or an underscore."""
# The leading token of a cell in an "Error code" column.
_LEADING = re.compile(
    r"^\s*[`*_\[]*\s*(0x[0-9A-Fa-f]+|-?\d+(?!\w)|[A-Za-z][\w.-]*[\w])", re.IGNORECASE
)


def codes_in_text(text: str) -> list[str]:
    """Codes in free text: an error message, a heading, an error cell."""
    return list(_codes_in_text(text))


@lru_cache(maxsize=16384)
def _codes_in_text(text: str) -> tuple[str, ...]:
    # Cached: every heading above a block reads it again, and cells repeat.
    found = sorted(_matches_all(_IN_TEXT, text))
    return tuple(_unique(code for pos, code in found if not _value_to_set(text, pos, code)))


_SET_BEFORE = re.compile(
    r"(?:\bset\b(?:\s+[\w\-]+){0,4}\s+to|\bvalue\s+(?:of|to)|\bdata\s+to)\s*[`*_\"']*$",
    re.IGNORECASE,
)
_SET_AFTER = re.compile(r"[`*_\"']*\s*(?:に設定|に変更|を設定)")


def _value_to_set(text: str, pos: int, code: str) -> bool:
    """ "Set it to 0x100000", "これを 0x100000 に設定して": a registry value to write, not
    an error (hex values only: a status code is never set)."""
    if code[:2].lower() != "0x":
        return False
    return bool(
        _SET_AFTER.match(text, pos + len(code)) or _SET_BEFORE.search(text, max(0, pos - 60), pos)
    )


def _matches(rx: re.Pattern[str], text: str) -> list[tuple[int, str]]:
    """(position, code) of each match: the first group that matched is the code; and the
    codes listed right after it ("ID: 95519、95520", "95117 および 97118", "5007, 5205")."""
    out = []
    for m in rx.finditer(text):
        index = next((i for i in range(1, (rx.groups or 0) + 1) if m.group(i) is not None), 0)
        if index:
            out.append((m.start(index), m.group(index)))
            if m.group(index)[-1:].isdigit() or m.group(index)[:2].lower() == "0x":
                out.extend(_listed_after(text, m.end(index)))
    return out


def _listed_after(text: str, pos: int) -> list[tuple[int, str]]:
    out = []
    while (more := _LISTED.match(text, pos)) is not None:
        out.append((more.start(1), more.group(1)))
        pos = more.end()
    return out


def codes_in_code_context(text: str) -> list[str]:
    """Codes where the text is known to name a code (a code column, an **Error code:** label).

    Also takes identifier-style codes and the leading token of the text.
    """
    return list(_codes_in_code_context(text))


_THOUSANDS = re.compile(r"^\s*[`*_\[]*\s*(\d{1,3}(?:,\d{3})+)(?![\d,])")


@lru_cache(maxsize=16384)
def _codes_in_code_context(text: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    grouped = _THOUSANDS.match(text)
    if grouped:
        # "イベント ID: 1,296": one number written with a thousands separator (translation)
        return (grouped.group(1).replace(",", ""),)
    lead = _LEADING.match(text)
    if lead and _looks_like_code(lead.group(1)):
        found.append((lead.start(1), lead.group(1)))
        found.extend(_listed_after(text, lead.end(1)))  # "2133 と 2129"
    found.extend(_matches_all((*_IN_TEXT, _CAMEL, _UNDERSCORED, _ERRORISH), text))
    return tuple(_unique(code for _, code in sorted(found)))


_SOLE_IDENTIFIER = re.compile(_NAME)
_FILLERS = frozenset(
    (
        *("none", "null", "other", "others", "any", "all", "various", "varies", "multiple"),
        *("general", "generic", "unknown", "yes", "no", "true", "false", "default"),
        *("error", "errors", "warning", "information", "informational", "critical"),
    )
)
"""Words a code column holds instead of a code."""


def codes_of_code_value(text: str) -> list[str]:
    """The codes of a value given as the error code (an error-code cell's first line, an
    "Error code:" label): as :func:`codes_in_code_context`, else the value itself when it
    is one capitalised word (:func:`sole_identifier`)."""
    return codes_in_code_context(text) or sole_identifier(text)


def sole_identifier(text: str) -> list[str]:
    """Where a code is expected (an error-code cell, an "Error code:" label), a value that
    is one capitalised word is the code, short or not: BadRequest, Conflict,
    Client.InternalError."""
    value = text.strip().strip("`*_'\"").strip()
    if _SOLE_IDENTIFIER.fullmatch(value) and value.lower() not in _FILLERS:
        return [value]
    return []


def named_identifiers(text: str) -> list[str]:
    """Identifiers an error card shows as the error: named like one (InstallMsiException,
    ConnectionBrokenMissedHeartbeatThresholdExceeded) or followed by the word error."""
    return list(_named_identifiers(text))


@lru_cache(maxsize=4096)
def _named_identifiers(text: str) -> tuple[str, ...]:
    found = [
        (pos, code)
        for pos, code in [*_matches_all((_ERRORISH, _CAMEL_NAMED), text), *_code_label_names(text)]
        # "ConnectionEstablished:UnexpectedNetworkDisconnect" is one name, not two;
        # "the VMTaskTimeout setting" names a setting.
        if text[pos - 1 : pos] != ":"
        and not _SETTING.match(text, pos + len(code))
        and code not in _LANGUAGE_EXCEPTIONS
    ]
    return tuple(_unique(code for _, code in sorted(found)))


def identifier_codes(text: str) -> list[str]:
    """Identifier-style codes only (for headings that are nothing but an error name)."""
    return _unique(m.group(1) for rx in (_CAMEL, _UNDERSCORED) for m in rx.finditer(text))


def leading_identifier(text: str) -> list[str]:
    """An error cell that starts with an upper-case identifier ("E_ACCESSDENIED; General
    access denied error"): that identifier is the code."""
    m = _LEADING_IDENTIFIER.match(text)
    return [m.group(1)] if m else []


def heading_codes(title: str) -> list[str]:
    """Codes a heading names: numbers and hex by the free-text rules; identifiers when the
    heading is nothing else, when they are upper-case with underscores or mixed with them
    (INVALID_FORM, CMGConnector_Forbidden), or when their name says error (Win32Exception).
    "PatchBaselineOperations PowerShell module" names a module, not an error."""
    return list(_heading_codes(title))


_NAME_AFTER_CODE = re.compile(
    r"(0[xX][0-9A-Fa-f]+|\d{2,})\s*[-\u2013\u2014:：]\s*"
    r"((?:[A-Z][a-z0-9]+){2,}[A-Za-z0-9]*(?:\s*/\s*(?:[A-Z][a-z0-9]+){2,}[A-Za-z0-9]*)*)"
)
"""A heading's code and its name: "エラー 60001 - UnableToConnectToPhysicalServer",
"Error 960/951 - NullResult/UnhandledException"."""


@lru_cache(maxsize=4096)
def _heading_codes(title: str) -> tuple[str, ...]:
    found = _matches_all((*_IN_TEXT, _UNDERSCORED, _ERRORISH, _BARE), title)
    codes = {code for _, code in found}
    for m in _NAME_AFTER_CODE.finditer(title):
        if m.group(1) not in codes:
            continue  # "Step 12 - CheckTheDisk": a name after a number that is no code
        start = m.start(2)
        for name in m.group(2).split("/"):
            found.append((start, name.strip()))
            start += len(name) + 1
    words = title.strip().strip("`*_'\"“”「」").split()
    if len(words) == 1:
        found.extend(_matches(_CAMEL, words[0]))
    return tuple(_unique(code for _, code in sorted(found) if not _is_placeholder(code)))


def _matches_all(patterns: Iterable[re.Pattern[str]], text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    digits = _DIGIT.search(text) is not None
    underscore = "_" in text
    for rx in patterns:
        needs = _NEEDS.get(rx)
        if (needs == "digit" and not digits) or (needs == "_" and not underscore):
            continue  # most text has nothing a pattern could match: skip its scan
        found.extend(_matches(rx, text))
    return found


def _is_placeholder(code: str) -> bool:
    """``error_code`` in "< error_code >" is where a code would be, not one."""
    return code.islower() and not any(ch.isdigit() for ch in code) and code.count("_") < 2


def _looks_like_code(token: str) -> bool:
    if token.lower().startswith("0x") or token.lstrip("-").isdigit():
        return True
    # A word is a code when it is identifier-shaped: CamelCase humps, digits or underscores.
    return bool(_CAMEL.fullmatch(token) or _SCREAMING.fullmatch(token) or re.search(r"\d|_", token))


def _unique(codes: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for code in codes:
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out
