"""Markdown never becomes script: a corpus of known XSS payloads all render harmless.

Each payload from the OWASP filter-evasion and PortSwigger cheat sheets (plus Markdown-specific
tricks: link destinations, reference definitions, autolinks, titles, code spans, mXSS classics) is
rendered by `to_safe_html`, alone and embedded in a larger document, and the output is walked with
the standard library's `HTMLParser`: only `ALLOWED_TAGS` appear, only `ALLOWED_ATTRIBUTES` (plus
`rel` on links), no `on*` handler, every `href` is http, https, mailto or relative, and every link
carries `rel="noopener ..."`. Positive tests prove ordinary Markdown still renders the tags and links
it should, and that typed HTML stays visible as escaped text, so the checks cannot pass by emptiness.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from services.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, to_safe_html

_B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>

CORPUS: tuple[str, ...] = (
    # <script> in its many spellings
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script/src="data:,alert(1)"></script>',
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<SCRIPT SRC=//xss.rocks/.j>",
    '<script\x20type="text/javascript">javascript:alert(1);</script>',
    "</script><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>/*\n*/alert(1)</script>",
    r"\x3cscript\x3ealert(1)\x3c/script\x3e",
    r"\u003cscript\u003ealert(1)\u003c/script\u003e",
    "＜script＞alert(1)＜/script＞",
    "<script>alert(1)</script\x00>",
    "<scri\x00pt>alert(1)</scri\x00pt>",
    "\x00<script>alert(1)</script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    r"\<script\>alert(1)\</script\>",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    # <img> and friends with handlers and script URLs
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "<IMG onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000049&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;"
    "&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28"
    "&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<img src=x onerror=alert(1)//",
    "<IMG SRC=\"javascript:alert('XSS')\"",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<img/src/onerror=alert(1)>",
    '<img src="x" onerror  =  "alert(1)">',
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    # <svg> and <math>
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>Click</text></a>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(1)' /></svg>#x\" />",
    '<svg><set attributeName="onmouseover" to="alert(1)"/>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<math><maction actiontype="statusline#http://x" xlink:href="javascript:alert(1)">CLICKME</maction></math>',
    '<math><mi xlink:href="data:x,<script>alert(1)</script>">',
    # handlers on other tags, including tags that are allowed
    "<body onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<BODY onpageshow=alert(1)>",
    "<body onhashchange=alert(1)><a href=#x>click</a>",
    "<details open ontoggle=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<dialog open onclose=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<div onpointerover=alert(1)>x</div>",
    "<x onclick=alert(1)>click",
    "<custom-tag onfocus=alert(1) tabindex=1 autofocus>",
    "<p onclick=alert(1)>x</p>",
    "<strong onmouseover=alert(1)>x</strong>",
    "<td onclick=alert(1)>",
    "<a onmouseover=alert(1)>x</a>",
    '<a href="mailto:x@a.org" onclick="alert(1)">x</a>',
    '<a href="//evil.example" onclick="alert(1)">x</a>',
    # frames, objects, embeds
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;">',
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<object data="javascript:alert(1)">',
    f'<object data="data:text/html;base64,{_B64_SCRIPT}"></object>',
    '<object data="data:text/html,<script>alert(1)</script>">',
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<embed src="javascript:alert(1)">',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+'
    'YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    "<portal src=javascript:alert(1)>",
    "<template><script>alert(1)</script></template>",
    # <style>, style attributes, <link>
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    '<STYLE>BODY{-moz-binding:url("http://xss.rocks/xssmoz.xml#xss")}</STYLE>',
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<STYLE TYPE=\"text/javascript\">alert('XSS');</STYLE>",
    "<STYLE>.XSS{background-image:url(\"javascript:alert('XSS')\");}</STYLE><A CLASS=XSS></A>",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072"
    "\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028\\0031\\0029'\\0029\">",
    '<div style="background:url(javascript:alert(1))">',
    '<div id="x" class="y" style="color:red">x</div>',
    '<a href="https://a.org" style="position:fixed;top:0;left:0;width:100%;height:100%">x</a>',
    '<XSS STYLE="behavior: url(xss.htc);">',
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    # <meta>, <base>, forms, legacy attributes
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    '<META HTTP-EQUIV="refresh" CONTENT="0; URL=http://;URL=javascript:alert(\'XSS\');">',
    '<meta charset="x-imap4-modified-utf7">&ADz&AGn&AG0&AEf&ACA&AHM&AHI&AGO&AD0&AGn&ACA&AG8Abg&AGUAcgByAG8AcgA9',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<base href="https://evil.example/">',
    "<form action=javascript:alert(1)><input type=submit>",
    "<form><button formaction=javascript:alert(1)>X</button></form>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    "<BR SIZE=\"&{alert('XSS')}\">",
    # raw <a href> with obfuscated schemes
    '<a href="javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javas&Tab;cript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
    '&#0000058alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="javascript&#x3A;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="\njavascript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    f'<a href="data:text/html;base64,{_B64_SCRIPT}">x</a>',
    '<a xlink:href="javascript:alert(1)">x</a>',
    '<a href="https://a.org" target="_blank">x</a>',
    # Markdown links and images with script URLs
    "[x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav\tascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](\njavascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](javascript\u200b:alert(1))",
    r"[x](javascript\:alert(1))",
    r"[x](java\script:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](javascript://comment%0Aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    f"[x](data:text/html;base64,{_B64_SCRIPT})",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](file:///etc/passwd)",
    "[x](mailto:javascript:alert(1))",
    "[![x](https://a.org/i.png)](javascript:alert(1))",
    "[x](https://a.org)\n\n[y](javascript:alert(1))",
    # reference links and definitions
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <javascript:alert(1)>",
    '[1]\n\n[1]: JaVaScRiPt:alert(1) "title"',
    "[x]\n\n[x]: &#106;avascript:alert(1)",
    f"![x][img]\n\n[img]: data:text/html;base64,{_B64_SCRIPT}",
    # autolinks and linkify
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    f"<data:text/html;base64,{_B64_SCRIPT}>",
    "<mailto:x@a.org?body=<script>alert(1)</script>>",
    "javascript:alert(1)",
    'https://a.org/"onmouseover="alert(1)',
    "www.a.org/<script>alert(1)</script>",
    "www.a.org/?q=<img src=x onerror=alert(1)>",
    "mailto:x@a.org?body=<script>alert(1)</script>",
    # titles and alt text trying to break out of their attribute
    '[x](https://a.org "a\\" onmouseover=\\"alert(1))',
    '[x](https://a.org "a\\" onmouseover=\\"alert(1)")',
    "[x](https://a.org 'a\" onmouseover=\"alert(1)')",
    '[x](https://a.org (a" onmouseover="alert(1)))',
    '[x](https://a.org "&quot; onmouseover=&quot;alert(1)")',
    '[x](https://a.org"onmouseover="alert(1))',
    '[x](https://a.org/"onmouseover="alert(1))',
    '[x](https://a.org "<script>alert(1)</script>")',
    '![x" onerror="alert(1)](https://a.org/x.png)',
    "[<img src=x onerror=alert(1)>](https://a.org)",
    "[x](https://a.org)<img src=x onerror=alert(1)>",
    # HTML in code and around Markdown syntax
    "`<script>alert(1)</script>`",
    "``<img src=x onerror=alert(1)>``",
    "```html\n<script>alert(1)</script>\n```",
    "```<script>alert(1)</script>\nx\n```",
    '```" onmouseover="alert(1)\nx\n```',
    "~~~\n<iframe srcdoc='<script>alert(1)</script>'>\n~~~",
    "    <script>alert(1)</script>",
    "**<script>alert(1)</script>**",
    "*<img src=x onerror=alert(1)>*",
    "***<svg onload=alert(1)>***",
    "_<iframe src=javascript:alert(1)>_",
    "~~<script>alert(1)</script>~~",
    "**<scr**ipt>alert(1)</script>",
    "<scr*ipt*>alert(1)</script>",
    "# <script>alert(1)</script>",
    "> <img src=x onerror=alert(1)>",
    "1. <a href=javascript:alert(1)>x</a>",
    "| <script>alert(1)</script> |\n|---|\n| [x](javascript:alert(1)) |",
    '| a |\n|:-|\n| <td onclick="alert(1)"> |',
    # mutation XSS and parser-confusion classics
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1'
    '&Tab;onerror=alert(1)&gt;">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "<listing>&lt;img src=1 onerror=alert(1)&gt;</listing>",
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    "<!DOCTYPE html><script>alert(1)</script>",
    '<a href="https://a.org" title="</a><img src=x onerror=alert(1)>">x</a>',
    '<p title="<img src=x onerror=alert(1)>">x</p>',
)

LINK_REL = "noopener"
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_STRIP = re.compile(r"[\x00-\x20\x7f-\x9f]+")  # whitespace and control characters browsers skip in URLs
_DANGEROUS = ("javascript:", "vbscript:", "data:", "livescript:")


def _normalised(value: str) -> str:
    """A URL as a browser sees it: entities decoded (once more, to be strict), blanks and controls gone."""
    return _STRIP.sub("", html.unescape(value)).lower()


def _problems_with_url(url: str) -> str | None:
    normalised = _normalised(url)
    match = _SCHEME.match(normalised)
    if match is None:
        return None  # relative, fragment or protocol-relative: no scheme of its own
    if match.group(1) not in SAFE_SCHEMES:
        return f"href with scheme {match.group(1)!r}: {url!r}"
    return None


class SafetyChecker(HTMLParser):
    """Collects every reason the HTML it is fed could run script or escape the allow-lists."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, set())) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name not in allowed:
                self.problems.append(f"attribute {name}= is not allowed on <{tag}>")
            if name == "href":
                problem = _problems_with_url(value or "")
                if problem is not None:
                    self.problems.append(problem)
            # A title is only shown as text, and an href is judged by its scheme above (the words
            # "javascript:" later in `mailto:javascript:x` or `https://a.org/?u=javascript:x` run nothing);
            # anything else carrying a script URL is suspect.
            if name not in {"title", "href"} and any(scheme in _normalised(value or "") for scheme in _DANGEROUS):
                self.problems.append(f"attribute {name}={value!r} carries a script URL")
        if tag == "a" and LINK_REL not in (dict(attrs).get("rel") or "").split():
            self.problems.append(f"link without rel={LINK_REL}: {attrs!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}> is not allowed")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"unknown declaration <![{data}]>")


def check(output: str) -> SafetyChecker:
    """Parse `output` and fail with every problem found; return the parser for further looks."""
    checker = SafetyChecker()
    checker.feed(output)
    checker.close()
    lowered = output.lower()
    if "<script" in lowered:
        checker.problems.append("raw <script in the output")
    # Every "<" left unescaped must open or close an allowed tag: anything else is markup we did not vet.
    for match in re.finditer(r"<(/?)([^\s/>]*)", output):
        if match.group(2).lower() not in ALLOWED_TAGS:
            checker.problems.append(f"unescaped {match.group(0)!r} at {match.start()}")
    assert not checker.problems, f"unsafe output {output!r}:\n" + "\n".join(checker.problems)
    return checker


def embedded(payload: str) -> dict[str, str]:
    """The payload inside the Markdown constructs a real message is made of."""
    quoted = "\n".join(f"> {line}" for line in payload.split("\n"))
    return {
        "heading": f"# Title {payload}\n\nSome text.",
        "list item": f"Notes:\n\n- first\n- {payload}\n- last",
        "blockquote": f"Someone wrote:\n\n{quoted}\n\nI agree.",
        "table cell": f"| name | value |\n| --- | --- |\n| a | {payload} |\n| b | plain |",
        "document": (
            f"# {payload}\n\nIntro with **bold** and [a link](https://example.org).\n\n"
            f"1. one\n2. {payload}\n\n> {payload}\n\n| h |\n|---|\n| {payload} |\n\nThe end."
        ),
    }


def test_corpus_is_large_and_distinct() -> None:
    assert len(CORPUS) >= 120
    assert len(set(CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("payload", CORPUS)
def test_payload_is_rendered_harmless(payload: str) -> None:
    check(to_safe_html(payload))
    for where, document in embedded(payload).items():
        try:
            check(to_safe_html(document))
        except AssertionError as exc:
            raise AssertionError(f"in a {where}: {exc}") from None


# The checker itself must catch what it is for, or the corpus test proves nothing.
@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">x</p>',
        '<a href="javascript:alert(1)" rel="noopener">x</a>',
        '<a href="jav&#x09;ascript:alert(1)" rel="noopener">x</a>',
        '<a href=" &#14; JaVaScRiPt:alert(1)" rel="noopener">x</a>',
        '<a href="vbscript:msgbox(1)" rel="noopener">x</a>',
        '<a href="data:text/html,x" rel="noopener">x</a>',
        '<a href="https://example.org">no rel</a>',
        '<a href="https://example.org" rel="nofollow">no noopener</a>',
        '<a href="https://example.org" rel="noopener" target="_blank">x</a>',
        '<ol start="javascript:alert(1)"><li>x</li></ol>',
        '<p class="x">x</p>',
        "<!-- hidden -->",
        "<div>x</div>",
    ],
)
def test_checker_catches_unsafe_html(unsafe: str) -> None:
    with pytest.raises(AssertionError, match="unsafe output"):
        check(unsafe)


def test_checker_accepts_safe_links() -> None:
    check(
        '<p><a href="https://a.org" rel="noopener noreferrer nofollow">a</a> '
        '<a href="/people/3" rel="noopener">b</a> <a href="#top" rel="noopener">c</a> '
        '<a href="mailto:x@a.org" title="javascript: is just a word here" rel="noopener">d</a> '
        '<a href="https://a.org/?next=javascript:x" rel="noopener">e</a></p>'
    )


def _tag_names(output: str) -> list[str]:
    return [tag for tag, _ in check(output).tags]


def test_emphasis_and_strikethrough() -> None:
    output = to_safe_html("**bold** *em* ~~gone~~")
    assert output == "<p><strong>bold</strong> <em>em</em> <s>gone</s></p>\n"


def test_lists_and_headings() -> None:
    output = to_safe_html("## Plan\n\n- one\n- two\n\n3. three\n4. four")
    assert _tag_names(output) == ["h2", "ul", "li", "li", "ol", "li", "li"]
    assert '<ol start="3">' in output
    assert "<li>one</li>" in output


def test_https_link_gets_rel() -> None:
    output = to_safe_html('[Example](https://example.org "The title")')
    assert output == (
        '<p><a href="https://example.org" title="The title" rel="noopener noreferrer nofollow">Example</a></p>\n'
    )


def test_mailto_and_relative_links_survive() -> None:
    output = to_safe_html("[mail](mailto:someone@example.org) [person](/people/7) [top](#top)")
    hrefs = [attrs["href"] for tag, attrs in check(output).tags if tag == "a"]
    assert hrefs == ["mailto:someone@example.org", "/people/7", "#top"]


def test_linkify_makes_bare_domains_links() -> None:
    output = to_safe_html("see www.example.org and https://example.org/path?q=1")
    assert '<a href="http://www.example.org" rel="noopener noreferrer nofollow">www.example.org</a>' in output
    assert '<a href="https://example.org/path?q=1" rel="noopener noreferrer nofollow">' in output


def test_code_block_and_code_span_keep_html_as_text() -> None:
    output = to_safe_html("Use `<b>` here:\n\n```html\n<script>alert(1)</script>\n```")
    check(output)
    assert "<code>&lt;b&gt;</code>" in output
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>" in output


def test_table_renders() -> None:
    output = to_safe_html("| a | b |\n| :- | -: |\n| 1 | 2 |")
    assert _tag_names(output) == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "<td>1</td>" in output


def test_typed_html_stays_visible_as_text() -> None:
    output = to_safe_html("I said <b>hi</b> & <script>alert(1)</script>")
    check(output)
    assert output == "<p>I said &lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_script_link_text_stays_visible() -> None:
    output = to_safe_html("[click](javascript:alert(1))")
    check(output)
    assert "<a" not in output
    assert "click" in output
