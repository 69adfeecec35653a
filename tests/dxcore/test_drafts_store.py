"""Drafts on the server: saved, replaced, expired, discarded, bounded; on both databases."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from dxcore.store import repo_drafts as drafts
from dxcore.store.models import utcnow
from dxcore.store.models_drafts import Draft


def test_a_draft_is_kept_replaced_and_discarded(any_engine):
    token = drafts.new_token()
    assert drafts.load(any_engine, "diagnosis", token) is None
    drafts.save(any_engine, "diagnosis", token, {"answers": {"P1-1": 3}, "set": "full"})
    assert drafts.load(any_engine, "diagnosis", token) == {"answers": {"P1-1": 3}, "set": "full"}
    drafts.save(any_engine, "diagnosis", token, {"answers": {"P1-1": 4, "P1-2": 0}})
    assert drafts.load(any_engine, "diagnosis", token) == {"answers": {"P1-1": 4, "P1-2": 0}}
    # the same token of another kind is another draft
    assert drafts.load(any_engine, "workshop", token) is None
    drafts.discard(any_engine, "diagnosis", token)
    assert drafts.load(any_engine, "diagnosis", token) is None


def test_an_expired_draft_is_not_returned_and_is_purged(any_engine):
    old, fresh = drafts.new_token(), drafts.new_token()
    drafts.save(any_engine, "workshop", old, {"a": 1})
    drafts.save(any_engine, "workshop", fresh, {"a": 2})
    with any_engine.begin() as conn:
        conn.execute(update(Draft.__table__).where(Draft.__table__.c.token == old)
                     .values(updated_at=utcnow() - drafts.TTL - timedelta(minutes=1)))
    assert drafts.load(any_engine, "workshop", old) is None
    assert drafts.purge_expired(any_engine) == 1
    assert drafts.load(any_engine, "workshop", fresh) == {"a": 2}


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "a b c d e f g h i j", "../../etc/passwd", None, 42])
def test_anything_but_a_token_is_no_draft(engine, token):
    assert drafts.load(engine, "diagnosis", token) is None
    drafts.discard(engine, "diagnosis", token)  # harmless
    with pytest.raises(ValueError):
        drafts.save(engine, "diagnosis", token, {"a": 1})


def test_drafts_are_bounded(engine):
    with pytest.raises(ValueError):
        drafts.save(engine, "diagnosis", drafts.new_token(), {"a": "x" * drafts.PAYLOAD_MAX})
    with pytest.raises(ValueError):
        drafts.save(engine, "unknown-kind", drafts.new_token(), {})
