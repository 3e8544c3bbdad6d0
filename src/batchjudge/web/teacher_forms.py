"""The teacher pages' plain form posts: the staff viewer whose form carried their
session's CSRF token, and an uploaded package read within the size limit."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, UploadFile

from batchjudge.db.accounts import Role
from batchjudge.domain.errors import PermissionDeniedError, ProblemError
from batchjudge.services.package_limits import oversized_package
from batchjudge.web.page_auth import PageViewer, Viewer, require_page_role


def staff_form_viewer(
    who: PageViewer, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Viewer:
    """The signed-in teacher or admin, when the posted form's `csrf_token` is their
    session's: a form posted from another site cannot know it.

    Raises:
        PermissionDeniedError: another role, or a missing or wrong token.
    """
    require_page_role(who, Role.TEACHER, Role.ADMIN)
    if not who.sent_csrf(csrf_token):
        raise PermissionDeniedError(
            "This form had expired (you may have signed in again elsewhere). "
            "Go back, reload the page and try once more."
        )
    return who


#: A staff viewer whose form post is checked against CSRF.
StaffForm = Annotated[Viewer, Depends(staff_form_viewer)]


@dataclass(frozen=True)
class Package:
    """An uploaded package's bytes and file name."""

    data: bytes
    name: str


def read_package(upload: UploadFile | None, max_mb: int) -> Package:
    """The uploaded zip, read up to `max_mb` MiB.

    Raises:
        ProblemError: no file was chosen, or it is empty.
        TooLargeError: it is over `max_mb` MiB.
    """
    if upload is None or not upload.filename:
        raise ProblemError("Choose a problem package (.zip) to upload.")
    # The body limit stopped the upload near this bound; at most this much is read.
    limit = max_mb << 20
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise oversized_package(upload.filename, upload.size, max_mb)
    if not data:
        raise ProblemError(f"{upload.filename}: the file is empty.")
    return Package(data, upload.filename)
