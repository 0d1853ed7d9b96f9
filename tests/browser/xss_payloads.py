"""Cross-site scripting payloads for the browser suite: each one, if it ever ran, calls
``__xss(n)`` or ``alert(n)`` (counted by the test), or leaves markup the test looks for.

Written for parley's contexts: element text, attribute values (quoted either way), the JSON
in ``data-figure`` and ``hx-vals``, URLs in ``href``, plotly's HTML-ish labels and htmx's
attributes. Each is at most 120 characters (an agenda item label's limit) and unique.
"""

from __future__ import annotations

__all__ = ["PAYLOADS"]

PAYLOADS: tuple[str, ...] = (
    "<script>__xss(1)</script>",
    "<img src=x onerror=__xss(2)>",
    '"><svg onload=__xss(3)>',
    "'><svg/onload=__xss(4)>",
    '<iframe srcdoc="<script>parent.__xss(5)</script>"></iframe>',
    "javascript:__xss(6)",
    "<body onload=__xss(7)>",
    "<details open ontoggle=__xss(8)>",
    "<input autofocus onfocus=__xss(9)>",
    "<video><source onerror=__xss(10)></video>",
    "<audio src=x onerror=__xss(11)>",
    "<svg><script>__xss(12)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(13)>",
    "{{constructor.constructor('__xss(14)')()}}",
    "</textarea><script>__xss(15)</script>",
    "</title><script>__xss(16)</script>",
    "</script><script>__xss(17)</script>",
    '" onmouseover="__xss(18)" autofocus onfocus="__xss(18)" x="',
    "' onfocus='__xss(19)' autofocus x='",
    '<a href="javascript:__xss(20)">twenty</a>',
    "<form><button formaction=javascript:__xss(21)>b</button></form>",
    '<object data="javascript:__xss(22)"></object>',
    '<embed src="javascript:__xss(23)">',
    '<base href="javascript:__xss(24)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(25)">',
    '<img src=x onerror="&#95;&#95;xss(26)">',
    "<IMG SRC=x OnErRoR=__xss(27)>",
    "<svg><animate onbegin=__xss(28) attributeName=x dur=1s>",
    "<style onload=__xss(29)>p{}</style>",
    "<link rel=stylesheet href=/nope onerror=__xss(30)>",
    "<x tabindex=1 autofocus onfocus=__xss(31)>x</x>",
    '<div hx-get="/" hx-trigger="load" hx-on::after-request="__xss(32)">h</div>',
    '<div hx-on:htmx:load="__xss(33)" hx-vals="js:{a:__xss(33)}">h</div>',
    "<img src=x onerror=alert(34)>",
    "<svg onload=alert&#40;35&#41;>",
    '<script src="data:text/javascript,__xss(36)"></script>',
    '<iframe src="javascript:parent.__xss(37)"></iframe>',
    "<img src=x onerror=\"window['__x'+'ss'](38)\">",
    "\\u003cscript\\u003e__xss(39)\\u003c/script\\u003e",
    '<noscript><p title="</noscript><img src=x onerror=__xss(40)>">',
    "<select autofocus onfocus=__xss(41)></select>",
    "<textarea autofocus onfocus=__xss(42)></textarea>",
    "%3Cscript%3E__xss(43)%3C/script%3E",
    "<img src=x:x onerror=__xss(44)//",
    "<<script>__xss(45)//<</script>",
    '<a href=" &#14;  javascript:__xss(46)">f</a>',
    "<b onmouseover=__xss(47)>hover label</b><br>",
    "${__xss(48)}`;__xss(48)//",
)
