"""Seeding a running server through its REST API with what the UI tests look at."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/2.0/mlflow/"
T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC


def call(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(API + path, json=body)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return dict(response.json())


def create_experiment(client: httpx.Client, name: str, **extra: Any) -> str:
    return str(call(client, "experiments/create", {"name": name, **extra})["experiment_id"])


def create_run(
    client: httpx.Client,
    experiment_id: str,
    name: str,
    *,
    start: int,
    user: str = "alice",
    tags: dict[str, str] | None = None,
) -> str:
    body = {
        "experiment_id": experiment_id,
        "run_name": name,
        "start_time": start,
        "user_id": user,
        "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
    }
    return str(call(client, "runs/create", body)["run"]["info"]["run_id"])


def log(
    client: httpx.Client,
    run_id: str,
    *,
    params: dict[str, str] | None = None,
    metrics: list[tuple[str, float, int, int]] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """``metrics``: (key, value, timestamp, step) tuples, sent 1,000 at a time."""
    points = metrics or []
    batches = [points[i : i + 1000] for i in range(0, len(points), 1000)] or [[]]
    for k, batch in enumerate(batches):
        body: dict[str, Any] = {
            "run_id": run_id,
            "metrics": [
                {"key": key, "value": value, "timestamp": ts, "step": step}
                for key, value, ts, step in batch
            ],
        }
        if k == 0:
            body["params"] = [{"key": a, "value": b} for a, b in (params or {}).items()]
            body["tags"] = [{"key": a, "value": b} for a, b in (tags or {}).items()]
        call(client, "runs/log-batch", body)


def finish(client: httpx.Client, run_id: str, end: int, status: str = "FINISHED") -> None:
    call(client, "runs/update", {"run_id": run_id, "status": status, "end_time": end})


def upload(client: httpx.Client, artifact_uri: str, path: str, content: bytes) -> None:
    assert artifact_uri.startswith("mlflow-artifacts:/"), artifact_uri
    root = artifact_uri.removeprefix("mlflow-artifacts:/").strip("/")
    response = client.put(f"/api/2.0/mlflow-artifacts/artifacts/{root}/{path}", content=content)
    assert response.status_code == 200, f"upload {path}: {response.status_code} {response.text}"


def history(key: str, start: int, steps: int, f: Any) -> list[tuple[str, float, int, int]]:
    return [(key, float(f(s)), start + 1000 * s, s) for s in range(steps)]


@dataclass
class Seeded:
    """Ids of what was created, by the names the tests use."""

    experiments: dict[str, str] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)
    artifact_uris: dict[str, str] = field(default_factory=dict)


def seed_standard(client: httpx.Client) -> Seeded:
    """Two experiments of runs (one with a nested sweep), plus a deleted experiment."""
    out = Seeded()
    alpha = create_experiment(
        client,
        "alpha-classifier",
        tags=[
            {"key": "mlflow.note.content", "value": "Baseline image classifier"},
            {"key": "mlflow.ownerEmail", "value": "alice@example.com"},
        ],
    )
    beta = create_experiment(
        client,
        "beta-regression",
        artifact_location="s3://models-bucket/beta",
        tags=[{"key": "mlflow.ownerEmail", "value": "bob@example.com"}],
    )
    gamma = create_experiment(client, "gamma-retired")
    call(client, "experiments/delete", {"experiment_id": gamma})
    out.experiments.update(alpha=alpha, beta=beta, gamma=gamma)

    specs = [
        # name, lr, batch, optimizer, final loss, status, minutes after T0
        ("baseline", "0.1", "32", "sgd", 0.50, "FINISHED", 0),
        ("tuned", "0.01", "32", "adam", 0.20, "FINISHED", 10),
        ("wide", "0.01", "64", "adam", 0.25, "FINISHED", 20),
        ("diverged", "1.0", "32", "sgd", 3.00, "FAILED", 30),
    ]
    for name, lr, batch, optimizer, final, status, minutes in specs:
        start = T0 + minutes * 60_000
        run_id = create_run(
            client,
            alpha,
            name,
            start=start,
            user="alice" if name != "wide" else "carol",
            tags={
                "mlflow.source.name": "/home/alice/project/train.py",
                "mlflow.source.type": "LOCAL",
                "mlflow.source.git.commit": "3f2c9e1d0b8a7c6e5f4d3c2b1a0f9e8d7c6b5a49",
            },
        )
        points = history("loss", start, 50, lambda s, f=final: f + (2.0 - f) * (49 - s) / 49)
        points += history("accuracy", start, 50, lambda s, f=final: min(0.99, (1 - f / 4) * s / 49))
        log(
            client,
            run_id,
            params={"lr": lr, "batch_size": batch, "optimizer": optimizer},
            metrics=points,
            tags={"team": "vision"},
        )
        finish(client, run_id, start + 5 * 60_000 + minutes * 1000, status)
        out.runs[name] = run_id

    sweep_start = T0 + 40 * 60_000
    sweep = create_run(client, alpha, "sweep", start=sweep_start)
    log(client, sweep, params={"search": "grid"}, metrics=[("best_loss", 0.3, sweep_start, 0)])
    out.runs["sweep"] = sweep
    for k, lr in enumerate(("0.3", "0.03", "0.003")):
        child = create_run(
            client,
            alpha,
            f"trial-{k}",
            start=sweep_start + (k + 1) * 1000,
            tags={"mlflow.parentRunId": sweep},
        )
        log(client, child, params={"lr": lr}, metrics=[("loss", 0.3 + k / 10, sweep_start, 0)])
        finish(client, child, sweep_start + 60_000)
        out.runs[f"trial-{k}"] = child
    finish(client, sweep, sweep_start + 120_000)

    baseline = out.runs["baseline"]
    call(
        client,
        "runs/log-inputs",
        {
            "run_id": baseline,
            "datasets": [
                {
                    "dataset": {
                        "name": "cifar10-train",
                        "digest": "a1b2c3d4",
                        "source_type": "http",
                        "source": '{"url": "https://example.com/cifar10.tar.gz"}',
                        "schema": '{"mlflow_colspec": [{"name": "image", "type": "binary"}]}',
                    },
                    "tags": [{"key": "mlflow.data.context", "value": "training"}],
                }
            ],
        },
    )
    call(
        client,
        "runs/log-model",
        {
            "run_id": baseline,
            "model_json": json.dumps(
                {
                    "artifact_path": "model",
                    "flavors": {"python_function": {}, "sklearn": {}},
                    "utc_time_created": "2023-11-14 22:20:00.000000",
                    "run_id": baseline,
                }
            ),
        },
    )
    call(
        client,
        "runs/set-tag",
        {"run_id": baseline, "key": "mlflow.note.content", "value": "First try, plain SGD."},
    )
    # An MLflow 3 logged model whose source is the run.
    call(
        client,
        "logged-models",
        {
            "experiment_id": alpha,
            "name": "classifier",
            "model_type": "sklearn",
            "source_run_id": baseline,
        },
    )

    for k in range(3):
        start = T0 + (50 + k) * 60_000
        run_id = create_run(client, beta, f"ridge-{k}", start=start, user="bob")
        log(
            client,
            run_id,
            params={"alpha": str(10**-k)},
            metrics=[("rmse", 1.0 / (k + 1), start, 0), ("r2", 0.5 + k / 10, start, 0)],
        )
        finish(client, run_id, start + 30_000)
        out.runs[f"ridge-{k}"] = run_id
    return out


def run_info(client: httpx.Client, run_id: str) -> dict[str, Any]:
    response = client.get(API + "runs/get", params={"run_id": run_id})
    assert response.status_code == 200, response.text
    return dict(response.json()["run"]["info"])


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A valid PNG of a blue square (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + b"\x1f\x5f\xbf" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


ARTIFACTS: dict[str, bytes] = {
    "model/MLmodel": b"artifact_path: model\nflavors:\n  python_function:\n    loader_module: x\n",
    "model/requirements.txt": b"scikit-learn==1.5.0\nnumpy\n",
    "metrics.json": b'{"accuracy": 0.875, "classes": ["cat", "dog"]}',
    "predictions.csv": b'id,label,score\n1,cat,0.9\n2,dog,0.75\n3,"cat, maybe",0.51\n',
    "config.yaml": b"optimizer: sgd\nlr: 0.1\nlayers:\n  - 64\n  - 32\n",
    "plots/loss.png": tiny_png(),
    "notes.txt": b"Trained on 4 GPUs.\nNo augmentation.\n",
    "weights.bin": bytes(range(256)) * 4,
}


def seed_artifacts(client: httpx.Client, run_id: str) -> None:
    uri = run_info(client, run_id)["artifact_uri"]
    for path, content in ARTIFACTS.items():
        upload(client, uri, path, content)


def bulk_runs(store_uri: str, experiment_id: str, count: int) -> None:
    """Many runs at once, written straight into the server's database in one transaction.

    Creating thousands of runs one request at a time would take most of a test's budget;
    the UI reads them back like any others.
    """
    import uuid

    import sqlalchemy as sa

    from trackbook.store.schema import latest_metrics, metrics, params, runs, tags

    engine = sa.create_engine(store_uri)
    run_rows, tag_rows, param_rows, metric_rows = [], [], [], []
    for k in range(count):
        run_id = uuid.uuid4().hex
        start = T0 + k * 1000
        run_rows.append(
            {
                "run_uuid": run_id,
                "experiment_id": int(experiment_id),
                "name": f"bulk-{k:05d}",
                "user_id": "loader",
                "status": "FINISHED",
                "start_time": start,
                "end_time": start + 1000,
                "artifact_uri": f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts",
                "lifecycle_stage": "active",
                "deleted_time": None,
            }
        )
        tag_rows.append({"run_uuid": run_id, "key": "mlflow.runName", "value": f"bulk-{k:05d}"})
        param_rows.append({"run_uuid": run_id, "key": "index", "value": str(k)})
        metric_rows.append(
            {
                "run_uuid": run_id,
                "key": "score",
                "step": 0,
                "timestamp": start,
                "value": float(k),
                "kind": 0,
            }
        )
    with engine.begin() as conn:
        conn.execute(runs.insert(), run_rows)
        conn.execute(tags.insert(), tag_rows)
        conn.execute(params.insert(), param_rows)
        conn.execute(metrics.insert(), metric_rows)
        conn.execute(latest_metrics.insert(), metric_rows)
    engine.dispose()
