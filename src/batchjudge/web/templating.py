"""The Jinja2 environment of the web UI, built by the app factory."""

import hashlib
from pathlib import Path

from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"


class AssetUrls:
    """`/static/...` URLs carrying a digest of the file, so a browser may cache an asset
    for good and still gets a new one after an upgrade."""

    def __init__(self, static_dir: Path) -> None:
        self._static_dir = static_dir
        self._digests: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        digest = self._digests.get(path)
        if digest is None:
            content = (self._static_dir / path).read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:12]
            self._digests[path] = digest
        return f"/static/{path}?v={digest}"


def build_templates() -> Jinja2Templates:
    """Templates with autoescaping and the `asset` helper."""
    templates = Jinja2Templates(directory=TEMPLATE_DIR)
    templates.env.globals["asset"] = AssetUrls(STATIC_DIR)
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates
