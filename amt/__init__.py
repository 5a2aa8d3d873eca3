"""amt: automatic polyphonic piano transcription, from audio to piano rolls and MIDI."""

__version__ = "0.1.0"
