"""Users of the local API under test (``local_api``, started once for the run)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.localapi import LocalApi, claims_of


@pytest.fixture
def new_user(local_api: LocalApi) -> Callable[[], tuple[str, str]]:
    """A fresh user of the local pool per call: (token, sub)."""

    def make() -> tuple[str, str]:
        token = local_api.token(f"user-{uuid.uuid4().hex[:12]}")
        return token, str(claims_of(token)["sub"])

    return make
