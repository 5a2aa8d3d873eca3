"""amt transcribe: audio files in, MIDI, piano rolls and a resynthesis out."""
