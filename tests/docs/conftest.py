from __future__ import annotations

# Imported here, before pytester snapshots sys.modules, so that in-process runs of the samples
# share one copy (a fresh copy per run breaks isinstance checks between runs).
import boto3  # noqa: F401
import qcloud_cos  # noqa: F401
import requests  # noqa: F401
