"""``python -m pytest_cos_cors``: see :mod:`pytest_cos_cors.cli`."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
