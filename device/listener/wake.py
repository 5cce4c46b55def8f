"""Wake word detection with openWakeWord's models.

openWakeWord's models give one score per model per 80 ms frame; they run here
through device.listener.wakeword (onnxruntime directly, the same numbers as the
openwakeword package, without importing it). earmuff decides on top of that
with a WakeRule per model: a threshold, a patience (that many consecutive
frames at or over the threshold) and a refractory time (no second detection
of the same word right after the first), optionally gated by the Silero VAD
that ships with openwakeword 0.4.0. The benchmark replays recorded score
streams through the same WakeRule, so what it measures is what runs.

Where a word has a verifier (device/listener/verifier.py: shipped for the built-in
words, plus household members' personal ones), a VerifiedRule decides: base
scores at or above `verifier_confident` (by default the word's own threshold)
wake as without a verifier, and the verifier's score on the embeddings the
base model saw, under the verifier's threshold and patience, can add wakes
below that. By default, then, the verifier cannot cost a wake: trained on
espeak-ng voices, it turned away most takes of other voices when it judged
them all (issue 21; docs/measured.md has the figures).

In a quiet room the models do not run at all: the quiet-room gate
(device/listener/quiet.py) rests them while no frame is louder than the noise
floor, and catches their features up when one is, so every score it lets
through is the score they would have given anyway.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device.config import WakeSettings
from device.listener.audio import FRAME_SAMPLES, FRAME_SECONDS
from device.listener.quiet import QuietGate
from device.listener.verifier import WINDOW_FRAMES, Verifier, verifiers_for, with_threshold
from device.listener.wakeword.models import ModelFileError, builtin_wake_models

log = logging.getLogger(__name__)


class WakeError(Exception):
    """A wake word model cannot be found or loaded."""


def builtin_models() -> dict[str, Path]:
    """Wake word models shipped inside the openwakeword wheel, by short name."""
    try:
        return builtin_wake_models()
    except ModelFileError as e:
        raise WakeError(str(e)) from None


def resolve_model(spec: str) -> tuple[str, Path]:
    """A built-in name ("hey_jarvis") or a path to an .onnx model -> (name, path)."""
    if spec.endswith(".onnx") or "/" in spec:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise WakeError(f"wake word model {spec!r}: no such file")
        return path.stem, path
    models = builtin_models()
    if spec not in models:
        raise WakeError(f"unknown wake word {spec!r} (built in: {', '.join(models)}; or give a path to an .onnx model)")
    return spec, models[spec]


@dataclass(frozen=True)
class Detection:
    wakeword: str
    time: float  # seconds from the start of the stream, at the end of the deciding frame
    score: float


class WakeRule:
    """Decides, frame by frame, whether one model's scores make a wake."""

    def __init__(self, threshold: float, patience: int, refractory_s: float):
        self.threshold = threshold
        self.patience = patience
        self.refractory_frames = int(round(refractory_s / FRAME_SECONDS))
        self.reset()

    def reset(self) -> None:
        self._run = 0
        self._quiet_until = -1

    def update(self, frame_index: int, score: float, voiced: bool = True) -> bool:
        self._run = self._run + 1 if (score >= self.threshold and voiced) else 0
        if self._run >= self.patience and frame_index >= self._quiet_until:
            self.quiet(frame_index)
            return True
        return False

    def quiet(self, frame_index: int) -> None:
        """A wake at this frame: start counting afresh after the refractory time."""
        self._run = 0
        self._quiet_until = frame_index + self.refractory_frames


class VerifiedRule:
    """The wake rule of a word with a verifier: the verifier judges only base scores below `confident`.

    Two rules run side by side: the verifier's, on the effective score (the
    verifier's where the base score reached its gate), and the base rule, on
    base scores at or above `confident`. Either one wakes. So a base score that
    high wakes as it would without a verifier: the verifier can rescue quiet
    takes below it, and turn away near misses only in the band below it.
    With `confident` at the base threshold the verifier cannot cost a wake the
    base rule would have made; above every score (2.0) it judges them all.
    """

    def __init__(self, base: WakeRule, verified: WakeRule, confident: float):
        self.base, self.verified, self.confident = base, verified, confident
        self.woken_by = ""  # "base" or "verifier": which rule made the last wake

    def reset(self) -> None:
        self.base.reset()
        self.verified.reset()

    def update(self, frame_index: int, base_score: float, effective_score: float, voiced: bool = True) -> bool:
        by_base = self.base.update(frame_index, base_score if base_score >= self.confident else 0.0, voiced)
        by_verifier = self.verified.update(frame_index, effective_score, voiced)
        if by_base or by_verifier:
            self.woken_by = "base" if by_base else "verifier"
            self.base.quiet(frame_index)
            self.verified.quiet(frame_index)
            return True
        return False


class VadGate:
    """Silero VAD (bundled with openwakeword) as a gate on wake decisions.

    Like openWakeWord's own gate, it looks at the VAD scores 0.32-0.56 s
    before the current frame: the model fires after the wake word has ended,
    so the speech to look for is just behind us. Loaded only when enabled.
    """

    def __init__(self, threshold: float, threads: int = 1):
        from device.listener.wakeword.vad import SileroVad

        self.threshold = threshold
        self.vad = SileroVad(threads)
        self.recent: deque[float] = deque(maxlen=8)

    def score(self, frame: np.ndarray) -> float:
        """Run the VAD on one frame and return the gate's current score."""
        self.recent.append(self.vad.predict(frame, frame_size=640))
        window = list(self.recent)[-7:-4]
        return max(window) if window else 0.0

    def reset(self) -> None:
        self.vad.reset_states()
        self.recent.clear()


class WakeDetector:
    """Streaming wake word detector for several models at once.

    The speech embeddings the models score (one per 80 ms) stay available
    through recent_embeddings(), for later stages that look at the same audio.
    """

    def __init__(self, settings: WakeSettings, models: list[str] | None = None,
                 verifiers: dict[str, Verifier] | None = None, state_dir: Path | None = None):
        from device.listener.wakeword.scorer import WakeScorer

        specs = list(models or settings.models)
        resolved = dict(resolve_model(spec) for spec in specs)
        if len(resolved) < len(specs):
            raise WakeError(f"wake word models {specs}: the same name twice")
        self.names = list(resolved)
        try:
            self.scorer = WakeScorer(resolved, threads=settings.onnx_threads)
        except ModelFileError as e:
            raise WakeError(str(e)) from None
        except Exception as e:  # onnxruntime refuses a file that is not a model it can run
            raise WakeError(f"cannot load wake word models {specs}: {e}") from e
        for spec, model in zip(specs, self.scorer.models, strict=True):
            if model.classes != 1:
                raise WakeError(f"{spec!r} is a multi-class model, not a wake word (one score per frame)")
        self.rules = {}
        for spec, name in zip(specs, self.names, strict=True):
            threshold, patience, refractory = settings.for_model(spec)
            self.rules[name] = WakeRule(threshold, patience, refractory)
        self.vad = VadGate(settings.vad_threshold, settings.onnx_threads) if settings.vad_threshold > 0 else None
        self.frame_index = -1
        if verifiers is None:
            verifiers = verifiers_for(self.names, state_dir) if settings.verifier else {}
        self._use_verifiers(verifiers, settings)
        self.rest_when_quiet = settings.rest_when_quiet
        self.quiet = self._quiet_gate()
        self.scored = False  # whether the models scored the last frame (not, while the quiet gate rests)
        self.last_scores: dict[str, float] = {}  # the base scores of the last frame (0 while resting)

    def _quiet_gate(self) -> QuietGate | None:
        """The gate holds, and catches up, as many embeddings as any later stage reads."""
        if not self.rest_when_quiet:
            return None
        windows = [model.frames for model in self.scorer.models] + ([WINDOW_FRAMES] if self.verifiers else [])
        return QuietGate(max(windows), FRAME_SECONDS)

    def scores(self, frame: np.ndarray) -> dict[str, float]:
        """Raw openWakeWord scores for one 80 ms frame, by wake word name."""
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(f"expected a frame of {FRAME_SAMPLES} samples, got {frame.shape}")
        self.frame_index += 1
        return self.scorer.predict(frame)

    def recent_embeddings(self, frames: int = 16) -> np.ndarray:
        """The last `frames` (at most 120) speech embeddings, shape (frames, 96), newest last.

        After a frame that made a detection, the last 16 are what the models
        scored (weather looks at 22). They start as embeddings of silence.
        """
        return self.scorer.features.window(frames)[0]

    def process(self, frame: np.ndarray) -> list[Detection]:
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(f"expected a frame of {FRAME_SAMPLES} samples, got {frame.shape}")
        self.scored = self.quiet is None or self.quiet.admit(frame)
        if self.scored:
            if self.quiet is not None and (missed := self.quiet.missed()):
                self.scorer.catch_up(missed, embeddings=self.quiet.hold)
            scores = self.scores(frame)
        else:  # a quiet room: nothing for the models to hear in this frame's window
            self.frame_index += 1
            self.scorer.rest()
            scores = dict.fromkeys(self.names, 0.0)
        self.last_scores = scores
        voiced = True
        if self.vad is not None:
            voiced = self.vad.score(frame) >= self.vad.threshold
        time = round((self.frame_index + 1) * FRAME_SECONDS, 3)
        detections = []
        for name, rule in self.rules.items():
            if (verifier := self.verifiers.get(name)) is None:
                if rule.update(self.frame_index, scores[name], voiced):
                    detections.append(Detection(name, time, scores[name]))
                continue
            verified = 0.0  # the verifier looks only where the base score reached its gate
            if scores[name] >= verifier.gate:
                verified = verifier.rescore(scores[name], self.recent_embeddings(WINDOW_FRAMES))
            if rule.update(self.frame_index, scores[name], verified, voiced):
                detections.append(Detection(name, time, scores[name] if rule.woken_by == "base" else verified))
        return detections

    def reset(self) -> None:
        """Forget all audio and scores, e.g. after an utterance.

        While the listener transcribes, frames go to Vosk, not here; without this
        the detector would resume on the wake word it last heard and fire again.
        """
        self.scorer.reset()
        for rule in self.rules.values():
            rule.reset()
        if self.vad is not None:
            self.vad.reset()
        if self.quiet is not None:
            self.quiet.forget()

    # --- the verifier stage (device/listener/verifier.py) ---

    def _use_verifiers(self, verifiers: dict, settings: WakeSettings) -> None:
        """Where a word has a verifier, a VerifiedRule decides: the base rule on
        confident base scores, the verifier's threshold and patience below them."""
        self.verifiers = dict(verifiers)
        for name, verifier in self.verifiers.items():
            if (threshold := settings.verifier_threshold_for(name)) is not None:
                verifier = self.verifiers[name] = with_threshold(verifier, threshold)
            refractory = settings.for_model(name)[2]
            self.rules[name] = VerifiedRule(self.rules[name], WakeRule(verifier.threshold, verifier.patience,
                                                                       refractory),
                                            settings.verifier_confident_for(name))

    def restart(self) -> None:
        """Start a new, unrelated stream (the next file): reset, and time from zero."""
        self.reset()
        self.frame_index = -1
        self.quiet = self._quiet_gate()  # a new room, as far as the gate knows
