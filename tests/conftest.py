"""Shared fixtures: real servers on 127.0.0.1 only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.support.recording_server import RecordingServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording HTTP server on an ephemeral 127.0.0.1 port."""
    running = await RecordingServer().start()
    yield running
    await running.close()
