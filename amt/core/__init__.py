"""What every part of amt shares: constants, errors, params, audio and MIDI I/O, devices, tracking."""
