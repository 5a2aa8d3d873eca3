"""The ``maestro`` source: pieces of MAESTRO v3.0.0, from a local copy of its zip or read remotely.

``data.maestro.subset`` picks the pieces: ``maestro_small`` is the homework's selection
(100 train and 50 test pieces, listed with MAESTRO v2 paths in the bundled
``amt/sources/maestro_small_v2020.json``) plus 20 pieces of MAESTRO's own validation split,
chosen with ``data.seed``; ``all`` is the whole dataset with MAESTRO's splits; any other
value is the path of a json file in the bundled file's format. ``data.maestro.max_pieces``
caps each split. Without a local archive only the members those pieces need are fetched
(see amt.sources.remote_zip), into ``<raw_dir>/../downloads/maestro``, which survives
DVC re-running the stage.
"""

import json
import logging
from importlib import resources
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from amt.config.data import DataConfig, MaestroConfig
from amt.core.checks import check_unique_ids
from amt.core.errors import AmtError
from amt.sources.raw import import_table
from amt.sources.remote_zip import RemoteZipStore
from amt.sources.stores import Store, ZipStore

log = logging.getLogger(__name__)

SOURCE = "maestro"
SMALL_SUBSET = "maestro_small"
SMALL_SUBSET_FILE = "maestro_small_v2020.json"
ALL = "all"
VALIDATION_PIECES = 20  # taken from MAESTRO's validation split for maestro_small
METADATA_MEMBERS = ("maestro-v3.0.0.csv", "maestro-v3.0.0.json")
METADATA_COLUMNS = ("canonical_composer", "canonical_title", "split", "audio_filename", "midi_filename")


def build(data: DataConfig, raw_dir: Path) -> list[dict]:
    """Write the selected MAESTRO pieces into ``raw_dir``; return their metadata rows."""
    raw_dir = Path(raw_dir)
    store = open_archive(data.maestro, raw_dir.parent / "downloads" / SOURCE)
    table = read_metadata(store)
    pieces = select(
        table,
        data.maestro.subset,
        data.maestro.max_pieces,
        data.seed,
    )
    missing = sorted(set(pieces["audio_member"]).union(pieces["midi_member"]) - set(store.names()))
    if missing:
        raise AmtError(f"{store.where}: no member {missing[0]}; is this the MAESTRO v3.0.0 archive?")
    columns = {
        "audio_member": "audio",
        "midi_member": "midi",
        "canonical_composer": "composer",
        "canonical_title": "title",
    }
    return import_table(raw_dir, store, pieces.rename(columns=columns), SOURCE)


def open_archive(maestro: MaestroConfig, downloads: Path) -> Store:
    """The local copy of the archive when ``data.maestro.archive`` names one that exists, else the URL."""
    archive = maestro.archive
    if archive and Path(archive).is_file():
        return ZipStore(Path(archive))
    if archive:
        log.warning("%s: not found; reading the members needed from data.maestro.url instead", archive)
    return RemoteZipStore(maestro.url, downloads)


def read_metadata(store: Store) -> pd.DataFrame:
    """MAESTRO's metadata table, its file names turned into member names, plus ``id`` and ``key``.

    ``key`` is the audio file's name, which (unlike its year folder) is stable across
    MAESTRO versions; ``id`` is that name without its extension.
    """
    found = [name for name in store.names() if PurePosixPath(name).name in METADATA_MEMBERS]
    if not found:
        raise AmtError(f"{store.where}: no {' or '.join(METADATA_MEMBERS)} member; is this MAESTRO v3.0.0?")
    member = min(found, key=lambda name: (not name.endswith(".csv"), name))
    with store.member_file(member) as path:
        table = pd.read_csv(path) if member.endswith(".csv") else pd.DataFrame(json.loads(path.read_text()))
    missing = [column for column in METADATA_COLUMNS if column not in table.columns]
    if missing:
        raise AmtError(f"{store.where}:{member}: missing columns {', '.join(missing)}")
    root = PurePosixPath(member).parent
    table["audio_member"] = [str(root / name) for name in table["audio_filename"]]
    table["midi_member"] = [str(root / name) for name in table["midi_filename"]]
    table["key"] = [PurePosixPath(name).name for name in table["audio_filename"]]
    table["id"] = [PurePosixPath(name).stem for name in table["audio_filename"]]
    check_unique_ids(zip(table["id"], table["audio_filename"], strict=True), f"{store.where}:{member}")
    return table


def select(table: pd.DataFrame, subset: str, max_pieces: int | None, seed: int) -> pd.DataFrame:
    """The pieces of ``subset`` (see the module's docstring), at most ``max_pieces`` per split."""
    if subset == ALL:
        chosen = table
    else:
        source, rows = _subset_rows(subset)
        chosen = _match(table, rows, source)
        validation = table[(table["split"] == "validation") & ~table["key"].isin(chosen["key"])]
        chosen = pd.concat([chosen, cap(validation, VALIDATION_PIECES, seed)])
    return pd.concat(
        [cap(group, max_pieces, seed) for _, group in chosen.groupby("split")], ignore_index=True
    )


def cap(pieces: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """At most ``limit`` of ``pieces``, chosen with ``seed``, in id order."""
    pieces = pieces.sort_values("id")
    if limit is None or len(pieces) <= limit:
        return pieces
    keep = np.random.default_rng(seed).choice(len(pieces), size=limit, replace=False)
    return pieces.iloc[np.sort(keep)]


def _subset_rows(subset: str) -> tuple[str, list[dict]]:
    if subset == SMALL_SUBSET:
        resource = resources.files("amt.sources") / SMALL_SUBSET_FILE
        return f"amt/sources/{SMALL_SUBSET_FILE}", json.loads(resource.read_text())
    path = Path(subset)
    if not path.is_file():
        raise AmtError(
            f"params.yaml: data.maestro.subset {subset!r} is neither {SMALL_SUBSET}, {ALL} nor a json file"
        )
    try:
        return str(path), json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise AmtError(f"{path}: not valid JSON ({error})") from None


def _match(table: pd.DataFrame, rows: list[dict], source: str) -> pd.DataFrame:
    """The metadata rows of the subset's pieces, matched by audio file name, with the subset's splits."""
    try:
        wanted = pd.DataFrame({"key": [PurePosixPath(r["audio_filename"]).name for r in rows]})
        wanted["split"] = [r["split"] for r in rows]
    except (KeyError, TypeError):
        raise AmtError(f"{source}: expected a list of objects with audio_filename and split") from None
    unknown = sorted(set(wanted["key"]) - set(table["key"]))
    if unknown:
        raise AmtError(f"{source}: piece {unknown[0]} is not in MAESTRO v3.0.0's metadata")
    return wanted.merge(table.drop(columns="split"), on="key", how="left")
