"""openWakeWord's models, run straight on onnxruntime.

openWakeWord 0.4.0 ships its ONNX models inside its wheel: a melspectrogram
front end, Google's speech embedding, the wake word classifiers and Silero
VAD. `import openwakeword` would also import its verifier trainer and with it
scipy, scikit-learn and tqdm (about 100 MB the listener never uses), so
earmuff finds the model files without importing the package and reproduces
its streaming pipeline here; tests/test_wakeword_oracle.py holds it to
openwakeword's own scores.

  models.py    where the model files are; onnxruntime sessions for a small device
  features.py  FeatureStream: melspectrogram frames and embeddings, as openwakeword's AudioFeatures
  scorer.py    WakeScorer: per-model scores per chunk, as openwakeword's Model.predict
  vad.py       SileroVad, as openwakeword's VAD
"""
