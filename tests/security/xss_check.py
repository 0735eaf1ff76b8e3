"""Checking a rendered page for markup that stored or reflected payloads created.

The page is parsed with html5lib, which follows the WHATWG parsing algorithm like a browser
(raw-text elements, foreign content, attribute quirks), and every element is checked:

- its tag is one the app's templates write (an allowlist; SVG only inside the heat strip);
- no ``on*`` attribute anywhere (the app writes none: docs/SECURITY.md);
- scripts only as ``<script src="/static/...">`` with no inline text;
- no URL attribute with a ``javascript:``/``vbscript:``/``data:`` scheme, nor off-site;
- a payload marker (``XSSM042``) in an attribute only inside the whole stored text it came
  from (an ``<input value>`` holding a whole field is fine; an ``id=XSSM042`` is not);
- ``<mark>`` only inside a search snippet, bare (no attributes, no child elements).

``expect_text`` also checks the other direction: each stored text appears whole, as text or
as one attribute value, so no payload swallowed part of the page or turned into markup.
"""

import functools
import re
from collections.abc import Iterable

import html5lib

from .xss_payloads import MARKER_RE

APP_TAGS = frozenset(
    [
        "html",
        "head",
        "body",
        "meta",
        "title",
        "link",
        "script",
        "a",
        "article",
        "blockquote",
        "br",
        "button",
        "caption",
        "code",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "input",
        "label",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "optgroup",
        "option",
        "p",
        "section",
        "select",
        "small",
        "span",
        "strong",
        "summary",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "th",
        "thead",
        "time",
        "tr",
        "ul",
        "mark",
    ]
)
HEAD_ONLY = frozenset({"meta", "link", "title"})
SVG_TAGS = frozenset({"svg", "defs", "pattern", "rect", "g", "text", "circle", "title", "line"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "srcdoc",
        "background",
        "poster",
        "ping",
        "codebase",
        "xlink:href",
        "srcset",
        "content",
        "manifest",
        "archive",
        "lowsrc",
        "dynsrc",
    }
)
OFF_SITE = re.compile(r"^([a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
APP_QUERY = re.compile(r"^(/(?!/)[^?#\s]*)?\?[A-Za-z0-9_.~%&=+-]*$")
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript):", re.IGNORECASE)
# Attributes where the app itself writes user text (whole values only).
TEXT_ATTRIBUTES = frozenset({"value", "title", "aria-label"})
_STRIP = re.compile(r"[\s\x00-\x20]+")
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


@functools.lru_cache(maxsize=4)  # a test often checks a page, then reads elements of it
def parse(html: str):
    """The page's tree, as a browser builds it; shared between callers, who only read it."""
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


class Findings(list):
    add = list.append


class StoredTexts:
    """Every text a test stored or sent, indexed by the payload markers in it."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.by_marker: dict[str, list[str]] = {}
        for value in texts:
            normal = normalise(value)
            for marker in set(MARKER_RE.findall(normal)):
                self.by_marker.setdefault(marker, []).append(normal)

    def plus(self, *texts: str) -> "StoredTexts":
        extra = StoredTexts(texts)
        combined = StoredTexts(())
        for marker in self.by_marker.keys() | extra.by_marker.keys():
            combined.by_marker[marker] = self.by_marker.get(marker, []) + extra.by_marker.get(
                marker, []
            )
        return combined


def check_page(
    html: str,
    *,
    stored: "StoredTexts | Iterable[str]" = (),
    expect_text: Iterable[str] = (),
) -> list[str]:
    """Problems found in the page (an empty list when it is clean).

    ``stored``: every text the test stored or sent (for the marker-in-attribute rule);
    ``expect_text``: the texts this page must show whole.
    """
    root = parse(html)
    problems = Findings()
    if not isinstance(stored, StoredTexts):
        stored = StoredTexts(stored)
    stored_by_marker = stored.by_marker
    pieces: list[str] = []

    def walk(element, parents: tuple[str, ...], in_svg: bool, in_snippet: bool) -> None:
        tag = _local(element.tag)
        if not tag:  # a comment
            comment = element.text or ""
            if MARKER_RE.search(comment):
                problems.add(f"comment made by a payload: <!--{comment[:80]}-->")
            if element.tail:
                pieces.append(element.tail)
            return
        attrs = {_local(k) if "}" in k else k.lower(): v for k, v in element.attrib.items()}
        svg_here = in_svg or (
            tag == "svg" and "heat-strip" in attrs.get("class", "").split() and not in_svg
        )
        where = "/".join((*parents[-3:], tag))
        if svg_here:
            if tag not in SVG_TAGS:
                problems.add(f"unexpected <{tag}> inside the heat strip ({where})")
        elif tag not in APP_TAGS:
            problems.add(f"element the app never writes: <{tag} {_attrs(attrs)}> at {where}")
        elif tag in HEAD_ONLY and "head" not in parents and tag != "title":
            problems.add(f"<{tag} {_attrs(attrs)}> outside <head> at {where}")
        if tag == "title" and not svg_here and "head" not in parents:
            problems.add(f"<title> outside <head> at {where}")
        if tag == "script":
            src = attrs.get("src", "")
            if not src.startswith("/static/") or (element.text or "").strip():
                problems.add(f"script not from /static/: <script {_attrs(attrs)}>")
        if tag == "mark" and (not in_snippet or attrs or len(element)):
            problems.add(f"<mark {_attrs(attrs)}> outside a search snippet or not bare")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.add(f"event handler attribute {name}= on <{tag}> at {where}")
            if name in URL_ATTRIBUTES:
                url = _STRIP.sub("", value)
                if DANGEROUS_SCHEME.match(url):
                    problems.add(f"{name}={value[:60]!r} on <{tag}>")
                if OFF_SITE.match(url):
                    problems.add(f"off-site {name}={value[:60]!r} on <{tag}>")
            if MARKER_RE.search(name):
                problems.add(f"attribute name made by a payload: {name} on <{tag}>")
            markers = set(MARKER_RE.findall(value))
            if markers:
                normal = normalise(value)
                whole = name in TEXT_ATTRIBUTES and all(
                    any(text in normal for text in stored_by_marker.get(m, ())) for m in markers
                )
                # The app's own links carry the filters typed, percent-encoded.
                whole = whole or (name == "href" and APP_QUERY.match(value) is not None)
                if not whole:
                    problems.add(f"payload text in {name}={value[:70]!r} on <{tag}> at {where}")
            if name in TEXT_ATTRIBUTES or MARKER_RE.search(value):
                pieces.append(value)
        if element.text:
            pieces.append(element.text)
        snippet = in_snippet or (tag == "p" and "search-snippet" in attrs.get("class", "").split())
        for child in element:
            walk(child, (*parents, tag), svg_here, snippet)
        if element.tail:
            pieces.append(element.tail)

    walk(root, (), False, False)
    if problems:
        return list(problems)
    # Text nodes are split by elements; the texts this page must show whole are each inside
    # one text node or one attribute value, so search the pieces one by one.
    haystack = "\x00".join(normalise(piece) for piece in pieces)
    for text in expect_text:
        if normalise(text) not in haystack:
            problems.add(f"stored text not shown whole (made into markup?): {text[:90]!r}")
    return list(problems)


def _attrs(attrs: dict) -> str:
    return " ".join(f"{k}={v[:40]!r}" for k, v in attrs.items())[:200]


def elements(html: str, tag: str) -> list:
    return [el for el in parse(html).iter() if _local(el.tag) == tag]
