"""A deploy script, as a team might keep it: pushes the bucket's CORS rules with the COS SDK."""

from __future__ import annotations

from typing import Any

from qcloud_cos import CosS3Client

UPLOAD_RULES: dict[str, Any] = {
    "CORSRule": [
        {
            "ID": "browser-uploads",
            "AllowedOrigin": ["https://app.example.com", "https://*.preview.example.com"],
            "AllowedMethod": ["PUT", "POST", "GET", "HEAD"],
            "AllowedHeader": ["content-type", "content-md5", "x-cos-meta-*"],
            "ExposeHeader": ["ETag", "x-cos-request-id"],
            "MaxAgeSeconds": "600",
        }
    ]
}


def deploy(client: CosS3Client, bucket: str) -> None:
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=UPLOAD_RULES)
