"""Row ids as the API accepts them: positive and within the database's integer range, so
an absurd id is a 422, never an overflow inside PostgreSQL (a 500)."""

from typing import Annotated

from fastapi import Form, Path, Query
from pydantic import Field

#: Largest value of a 32-bit signed INTEGER column (our primary keys on PostgreSQL).
MAX_ID = 2**31 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdForm = Annotated[int | None, Form(ge=1, le=MAX_ID, description="Upload a new version of it.")]
