"""Optional noise suppression and automatic gain before the wake word (and Vosk).

WebRTC's audio processing (webrtc-noise-gain, what the Home Assistant voice
satellites use) on 10 ms chunks of 16 kHz int16 audio: noise suppression
level 0-4 and automatic gain 0-31 dBFS (0 = off). It keeps its own state from
chunk to chunk, so one NoiseFrontEnd serves one audio stream: the listener
makes a new one each time the microphone opens. `[audio] noise_suppression`
and `auto_gain_dbfs` turn it on; it is off by default because
benchmarks/frontend.py found it does not help (docs/measured.md has the figures).
"""

from __future__ import annotations

import numpy as np

from device.config import AudioSettings

CHUNK = 160  # 10 ms at 16 kHz, the only size WebRTC processes
INSTALL_HINT = "pip install webrtc-noise-gain (or earmuff's [frontend] extra)"


class FrontEndError(Exception):
    """The front end is configured but cannot run."""


class NoiseFrontEnd:
    def __init__(self, noise_suppression: int = 2, auto_gain: int = 0):
        if not 0 <= noise_suppression <= 4 or not 0 <= auto_gain <= 31:
            raise FrontEndError(f"noise suppression {noise_suppression} (0-4) or auto gain {auto_gain} (0-31 dBFS) "
                                "out of range")
        try:
            from webrtc_noise_gain import AudioProcessor
        except ImportError as e:
            raise FrontEndError(f"the noise front end needs webrtc-noise-gain ({e}): {INSTALL_HINT}") from e
        self.noise_suppression, self.auto_gain = noise_suppression, auto_gain
        self._processor = AudioProcessor(auto_gain, noise_suppression)

    def process(self, audio: np.ndarray) -> np.ndarray:
        """Processed int16 audio; any whole number of 10 ms chunks (an 80 ms frame is 8)."""
        if len(audio) % CHUNK:
            raise ValueError(f"the front end takes whole 10 ms chunks ({CHUNK} samples), got {len(audio)} samples")
        audio = np.ascontiguousarray(audio, np.int16)
        out = [self._processor.Process10ms(audio[i:i + CHUNK].tobytes()).audio for i in range(0, len(audio), CHUNK)]
        return np.frombuffer(b"".join(out), np.int16)


def from_settings(audio: AudioSettings) -> NoiseFrontEnd | None:
    """The front end `[audio]` asks for, or None when it is off. FrontEndError if it cannot run."""
    if not audio.front_end:
        return None
    return NoiseFrontEnd(audio.noise_suppression, audio.auto_gain_dbfs)


def problem(audio: AudioSettings) -> str | None:
    """Why the configured front end cannot run (for `config check` and `doctor`), or None."""
    try:
        from_settings(audio)
    except FrontEndError as e:
        return str(e)
    return None
