"""Reading the HTML fragments an htmx answer carries: the main element and the out-of-band
ones, as plain records a test can compare."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def oob(self) -> str | None:
        return self.attrs.get("hx-swap-oob")


class _Parser(HTMLParser):
    VOID = {"input", "br", "img", "meta", "link", "col", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.top: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        (self.stack[-1].children if self.stack else self.top).append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text += data


def parse(html: str) -> list[Element]:
    """The top-level elements of a fragment, in order."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.top


@dataclass
class Answer:
    """An htmx save answer: the main element (swapped into the target) and the rest by role."""

    main: Element | None
    oob: dict[str, Element]

    def text(self, selector: str) -> str:
        return self.oob[selector].text


def answer(html: str) -> Answer:
    """Split an answer into its main element and its out-of-band ones, keyed by target:
    "#p12>.avg", "#jstatus-text", "#p12>:nth-child(3)"..."""
    main, oob = None, {}
    for element in parse(html):
        if element.oob is None:
            main = main or element
        else:
            value = element.oob
            key = value.split(":", 1)[1] if ":" in value else "#" + element.attrs.get("id", "")
            oob[key] = element
    return Answer(main, oob)


def status(response) -> int:
    """The status an answer stands for: an htmx refusal is sent as 200 (browsers log 4xx
    requests as console errors) with the real status in X-Refused-Status or
    X-Journal-Refused."""
    for header in ("X-Journal-Refused", "X-Refused-Status"):
        if response.headers.get(header):
            return int(response.headers[header])
    return response.status_code
