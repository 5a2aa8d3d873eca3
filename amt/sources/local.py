"""The ``local`` source: the user's own audio/MIDI pairs from a directory or a zip (``data.local.path``).

Pairs are described by a MAESTRO-style csv anywhere in it (columns ``audio_filename``,
``midi_filename``, optionally ``split``, ``canonical_composer``, ``canonical_title``;
paths relative to the csv), or else matched by base name: ``a/x.wav`` pairs with
``b/x.mid``. Pieces without a split are assigned one by ``data.seed``, piece by piece,
with ``data.local.validation_share`` and ``data.local.test_share``; every split gets at
least one piece.
"""

import hashlib
import logging
import posixpath
from pathlib import Path, PurePosixPath

import pandas as pd

from amt.config.data import DataConfig
from amt.core.audio import AUDIO_EXTENSIONS
from amt.core.checks import check_unique_ids
from amt.core.constants import SPLITS
from amt.core.errors import AmtError
from amt.sources.raw import import_table
from amt.sources.stores import Store, open_store

log = logging.getLogger(__name__)

SOURCE = "local"
MIDI_EXTENSIONS = (".mid", ".midi")
PAIR_COLUMNS = ("audio_filename", "midi_filename")


def build(data: DataConfig, raw_dir: Path) -> list[dict]:
    """Write the user's pairs into ``raw_dir``; return their metadata rows."""
    store = open_store(data.local.path, "params.yaml data.local.path")
    pieces = find_pieces(store)
    if "split" not in pieces:
        pieces["split"] = assign_splits(
            list(pieces["id"]),
            data.local.validation_share,
            data.local.test_share,
            data.seed,
        )
    columns = {"audio_filename": "audio", "midi_filename": "midi"}
    return import_table(raw_dir, store, pieces.rename(columns=columns), SOURCE)


def assign_splits(ids: list[str], validation_share: float, test_share: float, seed: int) -> list[str]:
    """A split for each id: ids ranked by a seeded hash, the first ones to validation, then test.

    Ranking by hash (not shuffling the list) keeps a piece's split when others are added.
    """
    n_validation = max(1, round(validation_share * len(ids)))
    n_test = max(1, round(test_share * len(ids)))
    if len(ids) - n_validation - n_test < 1:
        raise AmtError(f"data.local.path: {len(ids)} pieces found; at least 3 are needed, one for each split")
    ranked = sorted(ids, key=lambda piece: hashlib.sha256(f"{seed}:{piece}".encode()).hexdigest())
    rank = {piece: index for index, piece in enumerate(ranked)}
    return [
        "validation" if rank[p] < n_validation else "test" if rank[p] < n_validation + n_test else "train"
        for p in ids
    ]


def _visible(store: Store) -> list[str]:
    """File names without hidden files and macOS resource forks; a name that points outside
    the store (``../x``, ``/x``: a zip-slip member) is left out with a line."""
    names = []
    for name in store.names():
        path = PurePosixPath(name)
        if ".." in path.parts or path.is_absolute():
            log.warning("%s: skipping %r, which points outside it", store.where, name)
        elif not any(part.startswith((".", "__MACOSX")) for part in path.parts):
            names.append(name)
    return names


def find_pieces(store: Store) -> pd.DataFrame:
    """The audio/MIDI pairs of ``store`` (columns id, audio_filename, midi_filename, composer,
    title, and split when a csv gives one): listed by a csv, else matched by base name."""
    pieces = _pieces_from_csv(store)
    if pieces is None:
        pieces = _pieces_by_name(store)
    check_unique_ids(zip(pieces["id"], pieces["audio_filename"], strict=True), store.where)
    return pieces


def _pieces_from_csv(store: Store) -> pd.DataFrame | None:
    """Pieces listed by the shallowest csv with audio_filename and midi_filename columns, if any."""
    names = _visible(store)
    for csv in sorted((n for n in names if n.lower().endswith(".csv")), key=lambda n: (n.count("/"), n)):
        with store.member_file(csv) as path:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        if all(column in table for column in PAIR_COLUMNS):
            return _csv_pieces(table, csv, set(names), store.where)
    return None


def _csv_pieces(table: pd.DataFrame, csv: str, names: set[str], where: str) -> pd.DataFrame:
    folder = posixpath.dirname(csv)
    for column in PAIR_COLUMNS:
        table[column] = [posixpath.normpath(posixpath.join(folder, name)) for name in table[column]]
        missing = sorted(set(table[column]) - names)
        if missing:
            raise AmtError(f"{where}/{csv}: {column} {missing[0]} not found next to it")
    if "split" in table:
        unknown = sorted(set(table["split"]) - set(SPLITS))
        if unknown:
            raise AmtError(f"{where}/{csv}: unknown split {unknown[0]!r}; use one of {', '.join(SPLITS)}")
    pieces = table.rename(columns={"canonical_composer": "composer", "canonical_title": "title"})
    pieces["id"] = [PurePosixPath(name).stem for name in pieces["audio_filename"]]
    pieces["composer"] = pieces.get("composer", "")
    pieces["title"] = pieces.get("title", pieces["id"])
    return pieces


def _pieces_by_name(store: Store) -> pd.DataFrame:
    """Audio and MIDI files paired by base name without extension."""
    names = _visible(store)
    audio = [n for n in names if PurePosixPath(n).suffix.lower() in AUDIO_EXTENSIONS]
    midi = [n for n in names if PurePosixPath(n).suffix.lower() in MIDI_EXTENSIONS]
    for files in (audio, midi):
        check_unique_ids(((PurePosixPath(n).stem, n) for n in files), store.where)
    audio_by_id = {PurePosixPath(n).stem: n for n in audio}
    midi_by_id = {PurePosixPath(n).stem: n for n in midi}
    for unpaired in sorted(set(audio_by_id).symmetric_difference(midi_by_id)):
        name = audio_by_id.get(unpaired) or midi_by_id[unpaired]
        partner = "MIDI" if unpaired in audio_by_id else "audio"
        log.warning("%s/%s: skipped, no %s file of the same base name", store.where, name, partner)
    ids = sorted(set(audio_by_id) & set(midi_by_id))
    if not ids:
        raise AmtError(
            f"{store.where}: no audio/MIDI pairs (audio {', '.join(AUDIO_EXTENSIONS)} "
            "and .mid/.midi with one base name)"
        )
    return pd.DataFrame(
        {
            "id": ids,
            "audio_filename": [audio_by_id[i] for i in ids],
            "midi_filename": [midi_by_id[i] for i in ids],
            "composer": "",
            "title": ids,
        }
    )
