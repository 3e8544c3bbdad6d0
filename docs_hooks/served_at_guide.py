"""mkdocs hook: fit the built site to the app, which serves it at /guide."""

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig


def on_post_build(config: MkDocsConfig) -> None:
    """Drop mkdocs' 404.html, so a missing guide page gets the app's own "Not found" page.

    Without a `site_url` (the app's address differs in every installation), mkdocs links
    that page's styles and scripts from `/`, not `/guide/`, so it would show unstyled.
    """
    (Path(config.site_dir) / "404.html").unlink(missing_ok=True)
