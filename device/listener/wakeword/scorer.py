"""Per-model wake word scores for a stream of audio, as openwakeword's Model.predict gives them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device.listener.wakeword.features import CHUNK, FeatureStream
from device.listener.wakeword.models import model_file, session

# openwakeword reports 0 while a model's score history holds fewer than five
# entries. It appends each model's score once for itself and once more for
# every model after it in the same call, so with n models the k-th (from 0)
# gains n - k entries per call and is 0 while calls * (n - k) < 5.
WARM_UP_ENTRIES = 5


class WakeModel:
    """One wake word classifier: a window of embeddings in, one score out."""

    def __init__(self, name: str, path: Path, threads: int = 1):
        self.name = name
        self.path = path
        self.session = session(path, threads)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        shape = inputs[0].shape
        if len(shape) != 3 or not isinstance(shape[1], int) or len(outputs[0].shape) != 2:
            raise ValueError(f"{path} does not take a window of embeddings (input shape {shape})")
        self.input_name = inputs[0].name
        self.frames = shape[1]  # embeddings it looks at: 16 (1.28 s) for most
        self.classes = outputs[0].shape[1]

    def score(self, window: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: window})[0]


class WakeScorer:
    """Several wake word models over one shared FeatureStream.

    `predict(audio)` returns what openwakeword.Model(wakeword_model_paths=...).predict
    returns for the same audio, without VAD, noise suppression or verifiers: for
    each model the score of its newest window; for a chunk of several 80 ms, the
    highest over the windows it completed; 0 for a model's first calls (up to five;
    see WARM_UP_ENTRIES).
    Single-output models only (a multi-class one is refused by WakeDetector).
    """

    def __init__(self, models: dict[str, Path], threads: int = 1):
        self.features = FeatureStream(session(model_file("melspectrogram"), threads),
                                      session(model_file("embedding_model"), threads))
        self.models = [WakeModel(name, path, threads) for name, path in models.items()]
        self.calls = 0

    def predict(self, audio: np.ndarray) -> dict[str, float]:
        self.features.push(audio)
        windows = max(len(audio) // CHUNK, 1)
        scores = {}
        for k, model in enumerate(self.models):
            score = max(model.score(self.features.window(model.frames, back))[0, 0]
                        for back in range(windows - 1, -1, -1))
            warming_up = self.calls * (len(self.models) - k) < WARM_UP_ENTRIES
            scores[model.name] = 0.0 if warming_up else float(score)
        self.calls += 1
        return scores

    def rest(self) -> None:
        """A frame the models did not score (the quiet-room gate): it still counts towards the warm-up."""
        self.calls += 1

    def catch_up(self, frames: list[np.ndarray], embeddings: int) -> None:
        """The features of frames that were not scored, so that the next scores are as if they had been.

        Only the last `embeddings` frames are embedded: the earlier ones are the
        melspectrogram context those need, and nothing reads their embeddings.
        """
        for i, frame in enumerate(frames):
            self.features.push(frame, embed=i >= len(frames) - embeddings)

    def reset(self) -> None:
        self.features.reset()
        self.calls = 0
