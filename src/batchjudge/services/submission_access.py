"""Whose submissions a user may see: their own; a teacher also those of the users of
their institution; an admin everyone's. The same rule as the teacher pages."""

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role, User
from batchjudge.db.submissions import Submission


def may_see(session: Session, viewer: User, owner_id: int) -> bool:
    """Whether `viewer` may see a submission made by the user `owner_id`."""
    if viewer.role == Role.ADMIN or viewer.id == owner_id:
        return True
    if viewer.role != Role.TEACHER or viewer.institution_id is None:
        return False
    owner = session.get(User, owner_id)
    return owner is not None and owner.institution_id == viewer.institution_id


def visible_to(query: Select[Submission], viewer: User) -> Select[Submission]:
    """`query` narrowed to the submissions `viewer` may see."""
    if viewer.role == Role.ADMIN:
        return query
    if viewer.role != Role.TEACHER or viewer.institution_id is None:
        return query.where(Submission.user_id == viewer.id)
    colleagues = select(User.id).where(User.institution_id == viewer.institution_id)
    return query.where(or_(Submission.user_id == viewer.id, Submission.user_id.in_(colleagues)))
