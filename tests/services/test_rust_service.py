"""The generated Rust service: its own fmt, clippy and test suites, then the real binary.

Runs against the loopback PostgreSQL and Redis that .ci/run starts (SVCFORGE_PG_URL,
SVCFORGE_REDIS_URL) and moto's server for Secrets Manager; the Redis-down check starts and stops
its own redis-server. Every variant builds into one shared CARGO_TARGET_DIR
(SVCFORGE_CARGO_TARGET_DIR). One Cargo.lock template serves every cloud (each cloud's SDK is an
optional dependency behind its cargo feature, the chosen cloud's the default) and renders, for
every database and cache choice, the lock file Cargo keeps for that choice (same versions,
nothing an unchosen store needs); the manifest pins the features of shared dependencies, so a
cloud's variants compile the same dependency tree and only the first build per cloud is slow.

The gcp and azure variants carry their own secrets backend (Secret Manager, Key Vault through
the official clients); their unit tests drive those clients against in-process fakes, and the
binaries are checked here for configuration validation, health and (gcp) Redis TLS verified
against REDIS_CA_CERT.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.services.adapter_rust import ADAPTER, Server, run
from tests.services.support import (
    free_port,
    http_get,
    service_fixtures,
    start_redis,
    stop,
    wait_for_port,
)
from tests.support.registry import CLOUD_CHOICES, OTHER_CLOUDS
from tests.support.render import cloud_variant, variant
from tests.support.tools import server_url, tool

pytestmark = pytest.mark.slow


full, minimal = service_fixtures(ADAPTER)


@pytest.fixture(scope="module")
def gcp_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ADAPTER.binary("gcp-full", tmp_path_factory, cloud="gcp")


@pytest.fixture(scope="module")
def azure_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ADAPTER.binary("azure-full", tmp_path_factory, cloud="azure")


def test_full_variant_passes_fmt_clippy_and_tests(full: Path) -> None:
    assert full.is_file()


def test_variant_without_database_or_cache_passes_and_reports_no_checks(minimal: Path) -> None:
    """fmt, clippy and tests passed (the fixture); its /health without checks: the contract suite."""
    cargo_toml = (minimal.parent / "Cargo.toml").read_text()
    assert "sqlx" not in cargo_toml and "redis" not in cargo_toml
    assert set(tomllib.loads(cargo_toml)["features"]) == {"default", *SDK_CRATES}


def test_lockfile_and_manifest() -> None:
    full_dir = variant(language="rust") / "service"
    minimal_dir = variant(language="rust", database="none", cache="none") / "service"
    full, minimal = _locked_packages(full_dir / "Cargo.lock"), _locked_packages(minimal_dir / "Cargo.lock")
    assert minimal < full and {"sqlx", "redis"} <= full and not {"sqlx", "redis"} & minimal
    manifest = (full_dir / "Cargo.toml").read_text()
    assert 'name = "service"' in manifest and 'edition = "2021"' in manifest
    assert "\nsqlx = {" in manifest and "\nredis = {" in manifest
    assert tomllib.loads(manifest)["features"]["default"] == ["aws"]
    assert "native-tls" not in manifest and "aws-lc" not in (full_dir / "Cargo.lock").read_text()
    assert not list(full_dir.rglob("*.jinja"))


def test_dockerfile_is_hadolint_clean() -> None:
    service = variant(language="rust") / "service"
    run([tool("hadolint"), "--no-color", "Dockerfile"], service)
    dockerfile = (service / "Dockerfile").read_text()
    assert "FROM rust:1." in dockerfile and "-bookworm AS build" in dockerfile
    assert "cargo build --release --locked" in dockerfile
    assert "FROM gcr.io/distroless/cc-debian12:nonroot" in dockerfile
    assert "USER 65532:65532" in dockerfile
    assert 'ENTRYPOINT ["/app/service"]' in dockerfile
    assert 'CMD ["/app/service", "healthcheck"]' in dockerfile
    ignored = (service / ".dockerignore").read_text().split()
    assert {".env", ".env.*", "target/", ".git"} <= set(ignored)


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[str]:
    moto_server = Path(sys.executable).parent / "moto_server"
    if not moto_server.is_file():
        moto_server = Path(tool("moto_server"))
    port = free_port()
    proc = subprocess.Popen(
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc, "moto_server")
    yield f"http://127.0.0.1:{port}"
    stop(proc)


MOTO_ENV = {
    "AWS_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _moto_client(moto: str) -> Any:
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=moto,
        region_name=MOTO_ENV["AWS_REGION"],
        aws_access_key_id=MOTO_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=MOTO_ENV["AWS_SECRET_ACCESS_KEY"],
    )


@contextlib.contextmanager
def _serving(binary: Path, env: dict[str, str], redis_proc: subprocess.Popen[bytes]) -> Iterator[Server]:
    """The binary serving with ``env``; stopped (exit 0) with ``redis_proc`` afterwards."""
    server = None
    try:
        server = Server(binary, env)
        yield server
    finally:
        code = server.stop() if server else None
        stop(redis_proc)
    assert code == 0, server.log.read_text()


def test_rejected_redis_token_is_refetched_after_rotation(
    full: Path, database_url: str, moto: str, tmp_path: Path
) -> None:
    """Redis rejects the cached token; the service refetches the secret and recovers."""
    client = _moto_client(moto)
    old, new = f"old-{uuid.uuid4().hex}", f"new-{uuid.uuid4().hex}"
    arn = client.create_secret(Name="payments-api/staging/redis-auth-rotated", SecretString=old)["ARN"]
    redis_url, redis_proc = start_redis(tmp_path, "--requirepass", new)
    env = {
        **MOTO_ENV,
        "AWS_ENDPOINT_URL": moto,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_AUTH_SECRET_ARN": arn,
        "HEALTH_CACHE_TTL_MS": "0",
    }
    with _serving(full, env, redis_proc) as server:
        status, _, body = http_get(f"{server.base}/health")
        assert status == 503, body
        assert {c["name"]: c.get("error") for c in body["checks"]}["redis"] == "auth"
        client.put_secret_value(SecretId=arn, SecretString=new)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, _, body = http_get(f"{server.base}/health")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, body
    logs = server.log.read_text()
    assert old not in logs and new not in logs
    assert "redis auth token reloaded" in [e["message"] for e in server.logs()]


def test_credentials_come_from_secrets_manager(
    full: Path, database_url: str, moto: str, tmp_path: Path
) -> None:
    """DB_SECRET_ARN and REDIS_AUTH_SECRET_ARN read through the AWS SDK (moto's server)."""
    aws = {**MOTO_ENV, "AWS_ENDPOINT_URL": moto}
    client = _moto_client(moto)
    db_password = f"db-{uuid.uuid4().hex}"
    token = f"tok-{uuid.uuid4().hex}"
    db_arn = client.create_secret(
        Name="payments-api/staging/db-master",
        SecretString=json.dumps({"username": "postgres", "password": db_password}),
    )["ARN"]
    redis_arn = client.create_secret(Name="payments-api/staging/redis-auth", SecretString=token)["ARN"]
    redis_url, redis_proc = start_redis(tmp_path, "--requirepass", token)
    db = urlsplit(database_url)
    env = {
        **aws,
        "DB_SECRET_ARN": db_arn,
        "DB_HOST": db.hostname or "127.0.0.1",
        "DB_PORT": str(db.port),
        "DB_NAME": db.path.lstrip("/"),
        "DB_SSL_MODE": "disable",
        "DB_POOL_SIZE": "2",
        "REDIS_URL": redis_url,
        "REDIS_AUTH_SECRET_ARN": redis_arn,
    }
    with _serving(full, env, redis_proc) as server:
        status, _, body = http_get(f"{server.base}/health")
        assert status == 200, body
    logs = server.log.read_text()
    assert db_password not in logs and token not in logs
    loaded = [e for e in server.logs() if e["message"] == "secret loaded"]
    assert {e["secret_id"] for e in loaded} == {db_arn, redis_arn}


def _hanging_server() -> int:
    """A loopback server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return int(listener.getsockname()[1])


def _latencies(binary: Path, env: dict[str, str], count: int) -> tuple[float, float, set[int]]:
    """p50 and p99 (ms) of ``count`` /health requests to the binary serving with ``env``."""
    server = Server(binary, env)
    samples, statuses = [], set()
    try:
        for _ in range(count):
            started = time.perf_counter()
            statuses.add(http_get(f"{server.base}/health")[0])
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))], statuses


def test_benchmark_deep_health_latency(full: Path, database_url: str) -> None:
    """Prints /health p50/p99 (no result caching) healthy and with Redis hanging; not a timed test."""
    timeout_ms = 200
    common = {
        "DATABASE_URL": database_url,
        "HEALTH_CACHE_TTL_MS": "0",
        "HEALTH_CHECK_TIMEOUT_MS": str(timeout_ms),
    }
    p50, p99, statuses = _latencies(full, {**common, "REDIS_URL": server_url("redis")}, 200)
    assert statuses == {200}
    print(f"\nrust /health healthy: p50 {p50:.2f} ms, p99 {p99:.2f} ms (200 requests)")
    hanging = f"redis://127.0.0.1:{_hanging_server()}/0"
    p50, p99, statuses = _latencies(full, {**common, "REDIS_URL": hanging}, 20)
    assert statuses == {503}
    print(f"rust /health redis hanging: p50 {p50:.2f} ms, p99 {p99:.2f} ms (timeout {timeout_ms} ms)")
    # Checks run concurrently: the total is bounded by one timeout, not the sum.
    assert p99 < timeout_ms + 500


# --- gcp and azure -------------------------------------------------------------------------------

# The crates that make up each cloud's secrets backend; no other cloud's SDK may appear.
SDK_CRATES = {
    "aws": ("aws-sdk-secretsmanager", "aws-config"),
    "gcp": ("google-cloud-secretmanager-v1", "google-cloud-auth"),
    "azure": ("azure_security_keyvault_secrets", "azure_identity"),
}


def _locked_packages(lockfile: Path) -> set[str]:
    return {line.split('"')[1] for line in lockfile.read_text().splitlines() if line.startswith("name = ")}


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_lockfile_manifest_and_sources(cloud: str) -> None:
    full_dir = cloud_variant(cloud, language="rust") / "service"
    minimal_dir = cloud_variant(cloud, language="rust", database="none", cache="none") / "service"
    lockfile = full_dir / "Cargo.lock"
    assert _locked_packages(minimal_dir / "Cargo.lock") < _locked_packages(lockfile)
    # One lock for every cloud: it lists every cloud's SDK (optional dependencies); a build
    # compiles only the default feature's (test_a_build_compiles_only_the_chosen_clouds_sdk).
    assert lockfile.read_bytes() == (variant(language="rust") / "service" / "Cargo.lock").read_bytes()
    packages = _locked_packages(lockfile)
    assert {crate for crates in SDK_CRATES.values() for crate in crates} <= packages
    # One TLS stack: rustls with ring, as sqlx and redis use it; no aws-lc, OpenSSL or native-tls.
    assert not packages & {"aws-lc-rs", "aws-lc-sys", "openssl", "openssl-sys", "native-tls"}
    assert {"rustls", "ring"} <= packages
    manifest = (full_dir / "Cargo.toml").read_text()
    assert "\nsqlx = {" in manifest and "\nredis = {" in manifest
    assert tomllib.loads(manifest)["features"]["default"] == [cloud]
    assert f'rust-version = "{"1.91" if cloud == "gcp" else "1.88"}"' in manifest
    backends = sorted(p.name for p in (full_dir / "src" / "secrets").iterdir())
    assert backends == [f"{cloud}.rs"]
    sources = "\n".join(p.read_text() for p in (full_dir / "src").rglob("*.rs"))
    assert (
        "aws_sdk" not in sources and "DB_SECRET_ARN" not in sources and "REDIS_AUTH_SECRET_ARN" not in sources
    )
    assert not list(full_dir.rglob("*.jinja"))


STORE_CHOICES = [
    (cloud, database, cache)
    for cloud in CLOUD_CHOICES
    for database in ("postgres", "none")
    for cache in ("redis", "none")
]


@pytest.mark.parametrize(
    ("cloud", "database", "cache"), STORE_CHOICES, ids=["-".join(choice) for choice in STORE_CHOICES]
)
def test_every_store_choice_renders_the_lock_file_cargo_keeps(
    cloud: str, database: str, cache: str, tmp_path: Path
) -> None:
    """`cargo tree --locked` fails when Cargo would change the lock file: an entry an unchosen
    store needs, one missing, or a different version (`scripts/relock` writes the templates)."""
    source = cloud_variant(cloud, language="rust", database=database, cache=cache) / "service"
    service = tmp_path / "service"
    shutil.copytree(source, service)
    run([tool("cargo"), "tree", "--locked", "--quiet", "-e", "normal,build,dev"], service)
    packages = _locked_packages(service / "Cargo.lock")
    assert ("sqlx" in packages) == (database == "postgres")
    assert ("redis" in packages) == (cache == "redis")


@pytest.mark.parametrize("cloud", SDK_CRATES)
def test_a_build_compiles_only_the_chosen_clouds_sdk(cloud: str, tmp_path: Path) -> None:
    """The lock is the same for every cloud, and what `cargo build` and `cargo test` compile
    with the default feature (the dependency graph `cargo tree` resolves for them) holds the
    chosen cloud's SDK and no other cloud's."""
    source = cloud_variant(cloud, language="rust") / "service"
    assert (source / "Cargo.lock").read_bytes() == (
        variant(language="rust") / "service" / "Cargo.lock"
    ).read_bytes()
    service = tmp_path / "service"
    shutil.copytree(source, service)
    prefix = ["--locked", "--quiet", "--prefix", "none", "--format", "{p}"]
    for edges in ("normal,build", "normal,build,dev"):
        output = run([tool("cargo"), "tree", *prefix, "-e", edges], service)
        compiled = {line.split(" ")[0] for line in output.splitlines() if line.strip()}
        for other, crates in SDK_CRATES.items():
            assert all((crate in compiled) == (other == cloud) for crate in crates), (edges, other)
        assert not compiled & {"aws-lc-rs", "aws-lc-sys", "openssl", "openssl-sys", "native-tls"}
    features = tomllib.loads((service / "Cargo.toml").read_text())["features"]
    assert features["default"] == [cloud]
    locked = _locked_packages(service / "Cargo.lock")
    for feature in SDK_CRATES:
        optional = {dep.removeprefix("dep:") for dep in features[feature]}
        assert optional <= locked, feature


def _binary(request: pytest.FixtureRequest, cloud: str) -> Path:
    return Path(request.getfixturevalue(f"{cloud}_full"))


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_variant_passes_fmt_clippy_tests_and_serves_health(
    cloud: str, request: pytest.FixtureRequest, database_url: str
) -> None:
    binary = _binary(request, cloud)
    server = Server(
        binary,
        {"SECRETS_BACKEND": cloud, "DATABASE_URL": database_url, "REDIS_URL": server_url("redis")},
    )
    try:
        status, headers, body = http_get(f"{server.base}/health")
        assert status == 200, body
        assert headers["cache-control"] == "no-store"
        assert [(c["name"], c["status"]) for c in body["checks"]] == [
            ("database", "healthy"),
            ("redis", "healthy"),
        ]
        assert server.healthcheck(server.port) == 0
    finally:
        code = server.stop()
    assert code == 0, server.log.read_text()


def _start_fails(binary: Path, env: dict[str, str]) -> str:
    """Run the binary with exactly ``env`` (plus PATH); it must exit 2. Returns its output."""
    proc = subprocess.run(
        [str(binary)],
        env={"PATH": os.environ.get("PATH", ""), "HOST": "127.0.0.1", "PORT": str(free_port()), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    return output


@pytest.mark.parametrize("cloud", OTHER_CLOUDS)
def test_cloud_missing_configuration_names_the_variable(
    cloud: str, request: pytest.FixtureRequest, database_url: str
) -> None:
    binary = _binary(request, cloud)
    redis_url = server_url("redis")
    db = urlsplit(database_url)
    deployed = {
        "SECRETS_BACKEND": cloud,
        "DB_PASSWORD_SECRET": (
            "projects/acme-prod/secrets/payments-api-prd-db-password/versions/latest"
            if cloud == "gcp"
            else "db-password"
        ),
        "DB_USER": "postgres",
        "DB_HOST": db.hostname or "127.0.0.1",
        "DB_NAME": db.path.lstrip("/"),
        "REDIS_URL": redis_url,
    }
    if cloud == "azure":
        deployed |= {
            "KEY_VAULT_URL": "https://kv-payments-prd.vault.azure.net/",
            "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        }
    required = ["DB_PASSWORD_SECRET", "DB_USER", "DB_HOST", "DB_NAME", "REDIS_URL"]
    if cloud == "azure":
        required += ["KEY_VAULT_URL", "AZURE_CLIENT_ID"]
    for name in required:
        env = {k: v for k, v in deployed.items() if k != name}
        output = _start_fails(binary, env)
        assert f"environment variable {name} is required but not set" in output, (name, output)
    output = _start_fails(binary, {**deployed, "SECRETS_BACKEND": "aws"})
    assert "SECRETS_BACKEND" in output
    if cloud == "gcp":
        output = _start_fails(binary, {**deployed, "REDIS_URL": redis_url.replace("redis://", "rediss://")})
        assert "environment variable REDIS_CA_CERT is required but not set" in output
    else:
        output = _start_fails(binary, {**deployed, "KEY_VAULT_URL": "kv-payments-prd"})
        assert "KEY_VAULT_URL" in output


def _tls_material(directory: Path) -> tuple[Path, Path, str, str]:
    """A CA, a server certificate for 127.0.0.1 it signed (files), its PEM and another CA's PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(
        name: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Certificate | None,
        signer: ec.EllipticCurvePrivateKey,
    ) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        )
        if issuer:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("memorystore-server-ca", ca_key, None, ca_key)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = certificate("another-ca", other_key, None, other_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = certificate("127.0.0.1", server_key, ca, ca_key)
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    pem = serialization.Encoding.PEM
    return cert_file, key_file, ca.public_bytes(pem).decode(), other.public_bytes(pem).decode()


def test_gcp_redis_tls_is_verified_against_redis_ca_cert(
    gcp_full: Path, database_url: str, tmp_path: Path
) -> None:
    """Memorystore-style TLS: the service trusts REDIS_CA_CERT, and only it."""
    cert_file, key_file, ca_pem, other_pem = _tls_material(tmp_path)
    tls_port = free_port()
    _, redis_proc = start_redis(
        tmp_path,
        "--tls-port", str(tls_port),
        "--tls-cert-file", str(cert_file),
        "--tls-key-file", str(key_file),
        "--tls-auth-clients", "no",
    )  # fmt: skip
    common = {
        "SECRETS_BACKEND": "gcp",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"rediss://127.0.0.1:{tls_port}/0",
        "HEALTH_CACHE_TTL_MS": "0",
    }
    try:
        for ca, expected in ((ca_pem, "healthy"), (other_pem, "unhealthy")):
            server = Server(gcp_full, {**common, "REDIS_CA_CERT": ca})
            try:
                status, _, body = http_get(f"{server.base}/health")
            finally:
                code = server.stop()
            assert code == 0, server.log.read_text()
            checks = {c["name"]: c for c in body["checks"]}
            assert checks["redis"]["status"] == expected, body
            assert status == (200 if expected == "healthy" else 503), body
            assert checks["database"]["status"] == "healthy"
    finally:
        stop(redis_proc)
