"""HTML of the hosted pages (TikTok for Business and TikTok Shop): Jinja2 templates under
`sandbox/templates/`, autoescaped, localised through `sandbox.i18n`."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.wrappers import Response

from sandbox import i18n, ids


@pass_context
def _translate(context: Context, key: str, **kwargs: Any) -> str | Markup:
    """`t("key", name=value)` in a template, in the page's `lang`."""
    lang = context["lang"]
    if key.endswith("_html"):
        # The table's own tags are trusted; Markup.format escapes the values put into them.
        return Markup(i18n.text(lang, key)).format(**kwargs)  # noqa: S704
    return i18n.t(lang, key, **kwargs)


def _utc(ts: float | None) -> str:
    """`{{ row.created_at | utc }}`: TikTok's pages show times in UTC."""
    return ids.fmt_time(ts) or ""


ENV = Environment(
    loader=PackageLoader("sandbox", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals["t"] = _translate
ENV.filters["utc"] = _utc


def render(template: str, *, status: int = 200, **context: Any) -> Response:
    return Response(ENV.get_template(template).render(**context), status=status, mimetype="text/html")
