"""sfizz rendering of performed notes and pedal through an SFZ instrument, 16 kHz mono.

The same events FluidSynth plays (``amt.sources.synth.render``: notes and pedal on the
64-sample grid) go to sfizz with their exact sample offset inside each block, so a note
labelled at ``t`` starts at sample ``t * SAMPLE_RATE``. The instrument is loaded once per
process, every sample whole in memory (the SFZ's ``hint_ram_based``: nothing streams from
disk while rendering), and silenced between pieces, so a piece renders the same in any
process whatever came before.
"""

import functools

import numpy as np
from pysfizz import _sfizz

from amt.core.constants import SAMPLE_RATE, SUSTAIN_CC
from amt.core.errors import AmtError

BLOCK = 1024  # samples per sfizz call; events inside a block keep their own offset
VOICES = 512  # never steal a voice: a stolen voice is a labelled note gone silent
NOTE_ON, NOTE_OFF = "note_on", "note_off"


@functools.cache
def _sampler(path: str) -> _sfizz.Synth:
    synth = _sfizz.Synth(SAMPLE_RATE, BLOCK)
    synth.set_num_voices(VOICES)
    synth.enable_freewheeling()
    if not synth.load_sfz_file(path) or not synth.get_num_regions():
        raise AmtError(
            f"{path}: sfizz cannot load this SFZ instrument; fetch it again: bash scripts/setup.sh"
        )
    return synth


def render(events: list[tuple[int, str, int, int]], path: str, n_samples: int) -> np.ndarray:
    """``events`` — (sample, kind, key, value), kind ``note_on``, ``note_off`` or ``pedal``,
    in playing order — played by the SFZ instrument at ``path``: float32 mono."""
    synth = _sampler(path)
    synth.all_sound_off()
    synth.cc(0, SUSTAIN_CC, 0)
    blocks, pending = [], iter(events)
    event = next(pending, None)
    for start in range(0, n_samples, BLOCK):
        while event is not None and event[0] < start + BLOCK:
            sample, kind, key, value = event
            if kind == NOTE_ON:
                synth.note_on(sample - start, key, value)
            elif kind == NOTE_OFF:
                synth.note_off(sample - start, key, 0)
            else:
                synth.cc(sample - start, SUSTAIN_CC, value)
            event = next(pending, None)
        left, right = synth.render_block()
        blocks.append((np.asarray(left) + np.asarray(right)) / 2)
    return np.concatenate(blocks)[:n_samples].astype(np.float32)
