"""Problem statements shown as HTML: CommonMark with raw HTML off, so a statement cannot
inject markup or script into the page."""

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape


def _image_as_text(
    _renderer: object, tokens: Sequence[Token], index: int, _options: object, _env: object
) -> str:
    # Packages' images are not served (yet), and an image from another host would break
    # the pages' promise of asking no other host: its description stands in.
    alt = "".join(child.content for child in tokens[index].children or [])
    return f'<span class="statement-image">[image: {escape(alt or "no description")}]</span>'


def build_markdown() -> MarkdownIt:
    """The statement renderer: CommonMark plus tables, raw HTML shown as text, images as
    their descriptions. markdown-it already refuses javascript: and similar links."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    renderer.add_render_rule("image", _image_as_text)
    return renderer


def render_statement(markdown: str, renderer: MarkdownIt | None = None) -> Markup | None:
    """The statement as safe HTML, or None when there is none to show."""
    if not markdown.strip():
        return None
    renderer = renderer or build_markdown()
    env: dict[str, object] = {}
    tokens = renderer.parse(markdown, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # The page's own <h1> is the problem's name: the statement's headings sit under it.
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    # Safe to mark: markdown-it escapes all text and, with html off, raw HTML too.
    return Markup(renderer.renderer.render(tokens, renderer.options, env))
