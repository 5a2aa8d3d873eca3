"""amt evaluate: any model scored on labelled recordings (audio + MIDI pairs), real ones included."""
