"""Training: the model-agnostic trainer (BPTT and truncated BPTT), checkpoints, live runs, distributed
training and provenance."""
