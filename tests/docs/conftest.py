from __future__ import annotations

import pytester_runs

# Loaded before pytester snapshots sys.modules, so that in-process runs of the samples share one
# copy (a fresh copy per run breaks isinstance checks between runs).
pytester_runs.preload("boto3", "qcloud_cos")
