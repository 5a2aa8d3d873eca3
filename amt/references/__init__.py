"""Published transcribers scored beside the four models as reference rows (never ranked with
them): Transkun and basic-pitch, their pretrained weights from their PyPI wheels."""
