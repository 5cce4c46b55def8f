"""Where openWakeWord's model files are, and onnxruntime sessions for a small device.

The models stay inside the installed openwakeword 0.4.0 wheel, under the
licence they ship with (the code Apache 2.0, the pre-trained models CC BY-NC-SA
4.0); earmuff does not copy them. The package is found with importlib's
finder, which reads the file system and runs none of its code.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

# onnxruntime's official Linux wheels from 1.29 on carry Microsoft's 1DS telemetry:
# importing onnxruntime writes a persistent device id and a queue of events (OS, CPU,
# executable path, network type) under ~/.cache/Microsoft/DeveloperTools/.onnxruntime
# and another id in $TMPDIR/.ses, and it tries to upload them. setup.py keeps
# onnxruntime below 1.29; this is the documented opt-out for an onnxruntime installed
# some other way. onnxruntime reads it once, on import (only session() below imports
# it), so it is set here; "1" whatever the caller's environment says.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

# Feature models, the VAD, and "timer", a multi-class intent model (which timer
# length was asked for), are not wake words.
NOT_WAKE_WORDS = {"melspectrogram", "embedding_model", "silero_vad", "timer"}
# onnxruntime's CPU memory arena: on, by measurement (see session(); benchmarks/footprint.py --arena).
ARENA = True


class ModelFileError(Exception):
    """openwakeword's model files are not where openwakeword 0.4.0 puts them."""


def model_dir() -> Path:
    """openwakeword's resources/models directory, found without importing openwakeword."""
    spec = importlib.util.find_spec("openwakeword")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("openwakeword is not installed; it provides the wake word models "
                             "(pip install openwakeword==0.4.0)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources" / "models"
    if not (folder / "melspectrogram.onnx").is_file():
        raise ModelFileError(f"no models in {folder}: earmuff needs openwakeword 0.4.0, which ships them "
                             "in its wheel (pip install openwakeword==0.4.0)")
    return folder


def model_file(name: str) -> Path:
    """One of the shipped models by file stem: melspectrogram, embedding_model, silero_vad."""
    path = model_dir() / f"{name}.onnx"
    if not path.is_file():
        raise ModelFileError(f"{path} is missing from the openwakeword package (reinstall openwakeword==0.4.0)")
    return path


def builtin_wake_models() -> dict[str, Path]:
    """The wake word models in the wheel by short name: alexa_v0.1.onnx -> "alexa"."""
    found = {}
    for path in sorted(model_dir().glob("*.onnx")):
        name = re.sub(r"_v\d[\d.]*$", "", path.stem)  # "hey_marvin_v0.1" -> "hey_marvin"; "silero_vad" stays
        if name not in NOT_WAKE_WORDS:
            found[name] = path
    return found


def session(path: Path | str, threads: int = 1):
    """An onnxruntime session sized for a Pi: `threads` intra-op threads, one inter-op, sequential.

    These models are small and run on 80 ms of audio at a time: more threads
    only add wake-ups, and onnxruntime's default (a thread per core) would
    compete with Vosk and the rest of the device. The memory arena and full
    graph optimisation stay on, by measurement (hey_jarvis path, x86_64):
    without the arena, 1.4 MB more RSS and no faster; basic optimisation
    saves 2 MB but costs a quarter more CPU per frame.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = ARENA
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
