"""The deploy script writes CORS through the official SDK; the browser's upload is then allowed."""

import requests
from deploy_cors import deploy
from qcloud_cos import CosS3Client

BROWSER_UPLOAD = {
    "Origin": "https://pr-42.preview.example.com",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type,x-cos-meta-author",
}


def test_deployed_rules_allow_browser_uploads(cos_cors):
    client = CosS3Client(cos_cors.cos_config(), retry=0)
    deploy(client, cos_cors.bucket)

    stored = client.get_bucket_cors(Bucket=cos_cors.bucket)
    assert stored["CORSRule"][0]["ID"] == "browser-uploads"

    r = requests.options(cos_cors.url_for("uploads/photo.jpg"), headers=BROWSER_UPLOAD)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Headers"] == "content-type,x-cos-meta-author"
    cos_cors.assert_preflight_allowed(
        origin="https://pr-42.preview.example.com", method="PUT",
        headers=["content-type", "x-cos-meta-author"],
    )


def test_before_the_deploy_the_upload_is_refused(cos_cors):
    r = requests.options(cos_cors.url_for("uploads/photo.jpg"), headers=BROWSER_UPLOAD)
    assert r.status_code == 403
    cos_cors.assert_preflight_denied(
        origin="https://pr-42.preview.example.com", method="PUT",
        reason="no CORS configuration",
    )
