"""Data shown as text, never as markup: the one escape helper of the dashboard.

Streamlit renders Markdown (links, images, `:red[colour]`, `:material/icons:`, emoji
shortcodes, `$math$`) in st.markdown/st.write/st.caption/st.info/st.warning/st.error/
st.success/st.toast and in widget, expander and metric labels. A value from the data (a
category, an agent id, a file name from the inbox, a run warning quoting a raw value, a
user's name) must reach those as literal text: `md(value)` backslash-escapes every
character Markdown or Streamlit's directives give a meaning to, so the screen shows what
the data says. Text set in st.text/st.code/st.dataframe is not rendered and needs nothing.
Our own message texts (i18n) are Markdown on purpose: escape only the values put into them.
"""

from __future__ import annotations

import re
from typing import Any

# every ASCII punctuation character Markdown, GFM or Streamlit's extensions read:
# emphasis * _ ~, code `, links and images [ ] ( ) !, HTML < >, directives and emoji :,
# math $, headings #, tables |, escapes \ ; line-leading list and heading markers below
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~:$@])")
_WWW = re.compile(r"(?i)\b(www)\.")  # GFM autolinks www.example.com
_LINE_START = re.compile(r"(?m)^(\s*)([-+=])")
_ORDERED = re.compile(r"(?m)^(\s*\d+)\.")


def md(value: Any) -> str:
    """`value` as Markdown that renders as exactly its text."""
    text = "" if value is None else str(value)
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    text = _ORDERED.sub(lambda m: m.group(1) + "\\.", text)
    text = _WWW.sub(lambda m: m.group(1) + "\\.", text)
    # a blank line would start a new paragraph; keep line breaks visible as breaks
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


_CHART_TEXT = ("x", "y", "text", "name", "labels", "hovertext")


def _entity(value: Any) -> Any:
    if isinstance(value, str) and ("<" in value or ">" in value or "&" in value):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def chart(fig: Any) -> Any:
    """`fig` (plotly) with the data's text in axes, legends, labels and hovers as literal
    text: plotly renders a subset of HTML there (<b>, <a href>, <span style>), so '<', '>'
    and '&' of a value become entities, which it shows as the characters themselves."""
    for trace in fig.data:
        for attr in _CHART_TEXT:
            value = getattr(trace, attr, None) if attr in trace else None
            if value is None:
                continue
            if isinstance(value, str):
                trace[attr] = _entity(value)
            else:
                try:
                    items = list(value)
                except TypeError:
                    continue
                if any(isinstance(v, str) for v in items):
                    trace[attr] = [_entity(v) for v in items]
    return fig
