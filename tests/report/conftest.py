from __future__ import annotations

# Imported here, before pytester snapshots sys.modules, so that in-process runs share one copy
# (a fresh copy per run breaks requests' isinstance checks between runs).
import requests  # noqa: F401
