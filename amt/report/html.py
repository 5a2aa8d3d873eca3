"""A self-contained HTML page: inline CSS, figures as base64 data URIs, no external resources.

A small script marks ``<body data-images="...">`` once the page has loaded: ``ok`` when
every image decoded (naturalWidth > 0), else ``broken:<count>``; tests read it from the
DOM a headless browser dumps.
"""

import base64
import html

import pandas as pd

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
table { border-collapse: collapse; font-size: 13px; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f2f2f2; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.note { background: #fff8e1; border-left: 4px solid #ffb300; padding: 0.5em 1em; }
code { background: #f4f4f4; padding: 1px 4px; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var broken = Array.prototype.filter.call(document.images, function (image) {
    return !(image.complete && image.naturalWidth > 0);
  }).length;
  document.body.setAttribute("data-images", broken === 0 ? "ok" : "broken:" + broken);
});
"""


def escape(text: str) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text))


def heading(level: int, text: str) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str, css_class: str = "") -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<p{attribute}>{escape(text)}</p>"


def code_paragraph(text: str, commands: list[str]) -> str:
    """A paragraph followed by shell commands."""
    listed = "".join(f"<li><code>{escape(command)}</code></li>" for command in commands)
    return f'<div class="note"><p>{escape(text)}</p><ul>{listed}</ul></div>'


def image(data: bytes, alt: str) -> str:
    """A PNG embedded as a data URI."""
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{escape(alt)}">'


def table(frame: pd.DataFrame, index: bool = False) -> str:
    """A DataFrame as an HTML table, cells escaped."""
    return frame.to_html(index=index, escape=True, border=0, na_rep="–")


def details(summary: str, body: str) -> str:
    """A collapsed section."""
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def page(title: str, parts: list[str]) -> str:
    """The whole document."""
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n"
        f"</head>\n<body>\n{heading(1, title)}\n{body}\n</body>\n</html>\n"
    )
