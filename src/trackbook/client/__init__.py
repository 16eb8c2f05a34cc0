"""The Python client: the ``Client`` class, its two backends and the batching logger.

Users import from ``trackbook`` itself; see ``trackbook/__init__.py``.
"""

from __future__ import annotations

from trackbook.client.client import Client

__all__ = ["Client"]
