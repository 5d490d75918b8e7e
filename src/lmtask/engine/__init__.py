"""The engine under the prompt methods: prompt building, label scoring with a shared-prefix
KV cache, calibration, the one batched generation loop, in-context example selection, and
the training loop (transformers ``Trainer``) under the trained methods."""
