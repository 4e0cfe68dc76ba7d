"""A local S3 endpoint for the tests of a workspace in a bucket: moto's server mode, a real HTTP server on a
free port, reached by docgen through s3fs and by the tests through boto3 (another client than docgen's)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KEY = SECRET = "testing"
REGION = "us-east-1"


@pytest.fixture(scope="session", name="s3_endpoint")
def s3_endpoint_fixture() -> Iterator[str]:
    """moto's S3 server on a free local port (skipped, saying why, without s3fs or moto[server])."""
    pytest.importorskip("s3fs", reason="the [s3] extra (s3fs) is not installed")
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        region_name=REGION)


def empty_bucket(s3: Any, bucket: str) -> None:
    """``bucket`` made, or emptied if a test before made it."""
    if not any(b["Name"] == bucket for b in s3.list_buckets().get("Buckets", [])):
        s3.create_bucket(Bucket=bucket)
        return
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])


def connection(endpoint: str) -> str:
    """An Airflow ``aws`` connection to the endpoint, as ``AIRFLOW_CONN_<ID>`` holds it (JSON)."""
    return json.dumps({"conn_type": "aws", "login": KEY, "password": SECRET,
                       "extra": {"endpoint_url": endpoint, "region_name": REGION}})


def upload(s3: Any, root: Path, bucket: str, prefix: str) -> dict[str, str]:
    """Every file of a local campaign folder into the bucket under ``prefix``; their ETags by key."""
    etags = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".docgen" not in path.parts:
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
            etags[key] = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    return etags


def keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Every key under ``prefix``, without it."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    return sorted(o["Key"][len(prefix) + 1:] for page in pages for o in page.get("Contents", []))
