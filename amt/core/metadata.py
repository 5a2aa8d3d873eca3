"""The raw layout's ``metadata.csv``: one row per piece, MAESTRO-like columns.

Every data source ends in ``<raw>/metadata.csv`` plus, per piece, ``<raw>/<audio_filename>``
(16 kHz mono FLAC) and ``<raw>/<midi_filename>``.
"""

from pathlib import Path

import pandas as pd

from amt.core import atomic
from amt.core.constants import SPLITS
from amt.core.errors import AmtError

METADATA_FILE = "metadata.csv"
COLUMNS = (
    "id",
    "split",
    "composer",
    "title",
    "source",
    "soundfont",
    "preset",
    "duration",
    "audio_filename",
    "midi_filename",
    "audio_sha256",
    "midi_sha256",
)


def validate(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check columns, unique ids, known splits and non-empty splits; return ``table`` in column order."""
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise AmtError(f"{where}: missing columns {', '.join(missing)}")
    duplicated = table["id"][table["id"].duplicated()].unique()
    if len(duplicated):
        raise AmtError(f"{where}: duplicate piece id {duplicated[0]!r}; every piece needs its own id")
    unknown = sorted(set(table["split"]) - set(SPLITS))
    if unknown:
        raise AmtError(f"{where}: unknown split {unknown[0]!r}; use one of {', '.join(SPLITS)}")
    for split in SPLITS:
        if not (table["split"] == split).any():
            raise AmtError(
                f"{where}: the {split} split has zero pieces; add pieces or change the sizes in params.yaml"
            )
    return table.loc[:, list(COLUMNS)].sort_values(["split", "id"]).reset_index(drop=True)


def write_metadata(raw_dir: str | Path, rows: list[dict]) -> Path:
    """Validate ``rows`` and write ``metadata.csv`` atomically; return its path."""
    path = Path(raw_dir) / METADATA_FILE
    table = validate(pd.DataFrame(rows, columns=list(COLUMNS)), str(path))
    atomic.write_text(path, table.to_csv(index=False))
    return path


def read_metadata(raw_dir: str | Path) -> pd.DataFrame:
    """Read and validate ``metadata.csv`` of a raw directory."""
    path = Path(raw_dir) / METADATA_FILE
    if not path.exists():
        raise AmtError(f"{path}: not found; run the download stage first (dvc repro download)")
    return validate(pd.read_csv(path, keep_default_na=False), str(path))
