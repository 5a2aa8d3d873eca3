"""Training: settings from params.yaml, the trainer, resuming, the run loop, processes and sizing."""
