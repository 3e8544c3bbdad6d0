"""The documentation site (`make docs`, mkdocs-material) served at /guide; /docs stays the
OpenAPI reference."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from batchjudge.domain.errors import NotFoundError
from batchjudge.web.templating import STATIC_DIR

#: Where `mkdocs build` writes the site (mkdocs.yml's `site_dir`).
GUIDE_DIR = STATIC_DIR / "build" / "guide"


def mount_guide(app: FastAPI) -> None:
    """Serve the built guide at /guide, or say how to build it when it is missing."""
    if (GUIDE_DIR / "index.html").is_file():
        app.mount("/guide", StaticFiles(directory=GUIDE_DIR, html=True), name="guide")
        return

    @app.get("/guide", include_in_schema=False)
    @app.get("/guide/{_path:path}", include_in_schema=False)
    def guide_not_built(_path: str = "") -> None:
        raise NotFoundError("the guide is not built in this installation: run `make docs`")
