"""The verifier: a second, small model that checks a wake before it counts.

openWakeWord's base models fire on near misses ("hey jars", "a lexicon") and
miss quiet or noisy takes. A verifier looks at the same openWakeWord
embeddings the base model saw (the last 16 frames of 96 numbers, 1.28 s, at
the frame the base score rose) and gives its own probability that the wake
phrase is in them. This is the approach of openWakeWord's custom verifier
models, kept readable with numpy alone: no scikit-learn on the device.

How a detector uses one (the effective score, as openWakeWord 0.4.0 does it):
when the base score reaches `gate` (set low, so the verifier also rescues
quiet takes), the verifier's score replaces the base score; below the gate the
frame cannot wake. The wake rule then compares the effective score with
`threshold`.

The weights are a small network (standardise, then none or one ReLU hidden
layer, then a logistic output) in an .npz file. `train` fits one in numpy, so
the same code trains the shipped verifiers (benchmarks/verifier_train.py) and a
household's personal ones on the device (device/listener/enroll.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

WINDOW_FRAMES = 16  # embedding frames the built-in wake word models (and so the verifiers) look at
EMBEDDING_DIM = 96
PACKAGE_DIR = Path(__file__).resolve().parent / "data" / "verifiers"
_TINY = np.finfo(np.float32).tiny  # the smallest normal float32; anything nearer zero is subnormal
PERSONAL_FLOOR = 0.5  # a personal verifier counts where the shipped one scores at least this (benchmarks/wake.py)


class VerifierError(Exception):
    """A verifier file cannot be read or does not fit."""


@dataclass
class Verifier:
    wakeword: str
    mean: np.ndarray  # (16 * 96,) standardisation of the flattened window
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]  # (weights, bias) per layer; ReLU between, sigmoid last
    gate: float = 0.1  # base score at which the verifier is asked
    threshold: float = 0.5  # verifier score that makes a wake
    patience: int = 1  # ... on this many frames in a row
    info: dict[str, str] = field(default_factory=dict)  # who / what it was trained on, for `enroll --list`

    @classmethod
    def load(cls, path: Path | str) -> Verifier:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as f:
                n_layers = int(f["n_layers"])
                layers = [(_flush(f[f"w{i}"]), _flush(f[f"b{i}"])) for i in range(n_layers)]
                info = {str(k): str(v) for k, v in zip(f["info_keys"], f["info_values"], strict=True)}
                verifier = cls(str(f["wakeword"]), f["mean"].astype(np.float32), f["scale"].astype(np.float32),
                               layers, float(f["gate"]), float(f["threshold"]),
                               int(f["patience"]) if "patience" in f else 1, info)
        except (OSError, KeyError, ValueError) as e:
            raise VerifierError(f"verifier {path}: cannot read it ({e})") from e
        if verifier.mean.shape != (WINDOW_FRAMES * EMBEDDING_DIM,) or layers[0][0].shape[0] != verifier.mean.shape[0]:
            raise VerifierError(f"verifier {path}: expects {layers[0][0].shape[0]} inputs, "
                                f"not {WINDOW_FRAMES} x {EMBEDDING_DIM} embeddings")
        return verifier

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"w{i}": w for i, (w, _) in enumerate(self.layers)} | {
            f"b{i}": b for i, (_, b) in enumerate(self.layers)}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, wakeword=self.wakeword, mean=self.mean, scale=self.scale, n_layers=len(self.layers),
                 gate=self.gate, threshold=self.threshold, patience=self.patience,
                 info_keys=np.array(list(self.info), dtype=str),
                 info_values=np.array(list(self.info.values()), dtype=str), **arrays)
        tmp.rename(path)
        return path

    def score(self, embeddings: np.ndarray) -> float:
        """Probability that the wake phrase ends in this window: embeddings (16, 96), oldest first."""
        return float(self.score_many(np.asarray(embeddings)[None])[0])

    def score_many(self, windows: np.ndarray) -> np.ndarray:
        """score() for a batch of windows (n, 16, 96)."""
        if windows.shape[1:] != (WINDOW_FRAMES, EMBEDDING_DIM):
            raise ValueError(f"expected windows of {WINDOW_FRAMES} x {EMBEDDING_DIM} embeddings, got {windows.shape}")
        x = (windows.reshape(len(windows), -1).astype(np.float32) - self.mean) / self.scale
        return _forward(self.layers, x)[-1][:, 0]

    def rescore(self, base_score: float, embeddings: np.ndarray) -> float:
        """The effective score for one frame: the verifier's if the base model reached the gate, else 0."""
        return self.score(embeddings) if base_score >= self.gate else 0.0

    def rescore_many(self, base_scores: np.ndarray, windows: np.ndarray) -> np.ndarray:
        """rescore() for a batch of frames."""
        return np.where(np.asarray(base_scores) >= self.gate, self.score_many(windows), 0.0)


class VerifierGroup:
    """Several verifiers for one wake word, the shipped one and each enrolled person's: a wake if any accepts.

    Each member's score is shifted on the logit scale so that its own
    threshold lands on 0.5; the group's score is the highest of those. A
    personal verifier, trained on one voice and a minute of talk, knows little
    of near misses, so it only counts where the shipped verifier leans the same
    way (its score at least PERSONAL_FLOOR): it rescues the owner's takes the
    shipped verifier finds borderline, not ones it rejects outright.
    """

    threshold = 0.5

    def __init__(self, members: list[Verifier]):
        self.members = members
        self.shipped = [v for v in members if "person" not in v.info]
        self.personal = [v for v in members if "person" in v.info]
        self.gate = min(v.gate for v in (self.shipped or members))
        self.patience = min(v.patience for v in members)

    def score(self, embeddings: np.ndarray) -> float:
        return self.rescore(1.0, embeddings)

    def rescore(self, base_score: float, embeddings: np.ndarray) -> float:
        return float(self.rescore_many(np.array([base_score]), np.asarray(embeddings)[None])[0])

    def rescore_many(self, base_scores: np.ndarray, windows: np.ndarray) -> np.ndarray:
        base_scores = np.asarray(base_scores)
        parts, agree = [], np.ones(len(windows)) if not self.shipped else np.zeros(len(windows))
        for v in self.shipped:
            p = np.where(base_scores >= v.gate, v.score_many(windows), 0.0)
            parts.append(np.where(base_scores >= v.gate, _shift(p, v.threshold), 0.0))
            agree = np.maximum(agree, np.where(base_scores >= v.gate, _shift(p, PERSONAL_FLOOR), 0.0))
        for v in self.personal:
            mine = np.where(base_scores >= v.gate, _shift(v.score_many(windows), v.threshold), 0.0)
            parts.append(np.minimum(mine, agree))
        return np.max(parts, axis=0)


def with_threshold(verifier: Verifier | VerifierGroup, threshold: float) -> Verifier | VerifierGroup:
    """A copy at the owner's sensitivity ([wake] verifier_threshold): a group's members all move with it
    (enrolled verifiers are fine-tuned copies of the shipped one, on its scale)."""
    if isinstance(verifier, VerifierGroup):
        return VerifierGroup([replace(member, threshold=threshold) for member in verifier.members])
    return replace(verifier, threshold=threshold)


def describe(verifier: Verifier | VerifierGroup | None) -> str:
    """For `earmuff status`: "off", "shipped", or "shipped + enrolled: ann, bo"."""
    if verifier is None:
        return "off"
    members = verifier.members if isinstance(verifier, VerifierGroup) else [verifier]
    people = [m.info["person"] for m in members if "person" in m.info]
    shipped = "shipped" if len(people) < len(members) else ""
    return " + ".join(filter(None, [shipped, f"enrolled: {', '.join(people)}" if people else ""]))


def _shift(p, threshold: float):
    """p moved on the logit scale so that `threshold` becomes 0.5."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    logit = np.log(p / (1 - p)) - np.log(threshold / (1 - threshold))
    return 1 / (1 + np.exp(-logit))


def personal_dir(state_dir: Path | str, wakeword: str) -> Path:
    return Path(state_dir) / "verifiers" / wakeword


def verifiers_for(wakewords: list[str], state_dir: Path | str | None = None) -> dict[str, Verifier | VerifierGroup]:
    """The verifiers a detector uses by default: shipped ones and, from state_dir, enrolled ones.

    A word with neither gets none (it wakes on its base score, as before).
    """
    out = {}
    for word in wakewords:
        members = []
        if (path := builtin_verifier(word)) is not None:
            members.append(Verifier.load(path))
        if state_dir is not None and personal_dir(state_dir, word).is_dir():
            members += [Verifier.load(p) for p in sorted(personal_dir(state_dir, word).glob("*.npz"))]
        if members:
            out[word] = members[0] if len(members) == 1 else VerifierGroup(members)
    return out


def builtin_verifier(wakeword: str) -> Path | None:
    """The verifier shipped for a built-in wake word, if there is one."""
    path = PACKAGE_DIR / f"{wakeword}.npz"
    return path if path.is_file() else None


def builtin_hard_negatives(wakeword: str) -> np.ndarray | None:
    """Windows (n, 16, 96) the shipped verifier was hardest pressed on, for personal verifiers to learn from."""
    path = PACKAGE_DIR / f"{wakeword}-hard-negatives.npy"
    return np.load(path).astype(np.float32) if path.is_file() else None


def _forward(layers, x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer; the last is the sigmoid output (n, 1)."""
    out = [x]
    for i, (w, b) in enumerate(layers):
        z = out[-1] @ w + b
        out.append(np.maximum(z, 0) if i < len(layers) - 1 else 1 / (1 + np.exp(-np.clip(z, -30, 30))))
    return out


def train(windows: np.ndarray, labels: np.ndarray, wakeword: str, *, hidden: int = 0, weights=None,
          l2: float = 1e-3, epochs: int = 40, batch: int = 256, lr: float = 1e-3, seed: int = 0,
          start: Verifier | None = None) -> Verifier:
    """Fit a verifier on windows (n, 16, 96) with labels 1 (wake phrase) / 0, by Adam on the log loss.

    Classes are weighted to count equally (times `weights`, if given); l2 keeps
    the weights small, which is what lets it carry over to unseen voices.
    With `start`, it fine-tunes a copy of that verifier instead (its size and
    standardisation), and l2 pulls the weights towards start's rather than
    towards zero: what it knew (near misses in many voices) stays unless the
    new data argue against it.
    """
    rng = np.random.default_rng(seed)
    x = windows.reshape(len(windows), -1).astype(np.float32)
    y = labels.astype(np.float32)[:, None]
    if start is not None:
        mean, scale = start.mean.copy(), start.scale.copy()
        layers = [(w.copy(), b.copy()) for w, b in start.layers]
        anchors = [w.copy() for w, _ in start.layers]
    else:
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-3
        sizes = [x.shape[1]] + ([hidden] if hidden else []) + [1]
        layers = [(rng.standard_normal((a, b)).astype(np.float32) * float(np.sqrt(2 / a / (1 + (b == 1)))),
                   np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        anchors = [np.zeros_like(w) for w, _ in layers]
    x = (x - mean) / scale
    sample_w = np.where(y[:, 0] > 0, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9)).astype(np.float32)
    if weights is not None:
        sample_w *= np.asarray(weights, np.float32)
    moments = [[np.zeros_like(p) for p in layer] for layer in layers], [[np.zeros_like(p) for p in layer]
                                                                         for layer in layers]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch):
            idx = order[first:first + batch]
            acts = _forward(layers, x[idx])
            delta = (acts[-1] - y[idx]) * sample_w[idx, None] / len(idx)  # d loss / d logit
            step += 1
            for i in range(len(layers) - 1, -1, -1):
                w, b = layers[i]
                grads = (acts[i].T @ delta + l2 * (w - anchors[i]), delta.sum(axis=0))
                if i:
                    delta = (delta @ w.T) * (acts[i] > 0)
                for j, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
                    m, v = moments[0][i][j], moments[1][i][j]
                    m *= 0.9
                    m += 0.1 * grad
                    v *= 0.999
                    v += 0.001 * grad**2
                    param -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        for group in (layers, *moments):  # no subnormal numbers (see _flush), in place: the last epoch's
            for pair in group:                # pass leaves the returned weights clean too
                for a in pair:
                    a[np.abs(a) < _TINY] = 0
    return Verifier(wakeword, mean.astype(np.float32), scale.astype(np.float32), layers)


def _flush(a) -> np.ndarray:
    """float32 with subnormal values set to zero.

    Training decays the weights of units that never fire towards zero; once
    they are subnormal, a matrix product on x86 takes 45 times as long
    (260 us instead of 6 per call, measured), for no difference in any score.
    """
    a = np.asarray(a, np.float32)
    return np.where(np.abs(a) < _TINY, np.float32(0), a)
