"""The labelled recordings of a folder or zip: audio/MIDI pairs, as the ``local`` source finds them."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from amt.sources.local import find_pieces
from amt.sources.stores import Store, open_store


@dataclass(frozen=True)
class Pair:
    """One recording and the MIDI of what was played, as member names of their store."""

    id: str
    audio: str
    midi: str


@dataclass
class LabelledSet:
    """A folder or zip of pairs, named after it (``real_piano_dev``), with its pairs."""

    name: str
    store: Store
    pairs: list[Pair]

    @contextlib.contextmanager
    def files(self, pair: Pair) -> Iterator[tuple[Path, Path]]:
        """Local paths of a pair's audio and MIDI (extracted while in use from a zip)."""
        with self.store.member_file(pair.audio) as audio, self.store.member_file(pair.midi) as midi:
            yield audio, midi


def open_set(
    path: str | Path, argument: str = "amt evaluate's PATH", split: str | None = None
) -> LabelledSet:
    """The pairs at ``path``: listed by a csv with audio_filename and midi_filename, else
    matched by base name; files without a partner are skipped, each named on a line. With
    ``split``, only the pairs the csv puts in that split (a pipeline's data/raw), named after it."""
    store = open_store(path, argument)
    pieces = find_pieces(store)
    if split is not None:
        pieces = pieces[pieces["split"] == split] if "split" in pieces else pieces.iloc[:0]
    pairs = [Pair(*row) for row in pieces[["id", "audio_filename", "midi_filename"]].itertuples(index=False)]
    return LabelledSet(split or PurePosixPath(Path(path).name).stem, store, pairs)
