"""DVC stage `download`: build the raw layout (FLAC + MIDI + metadata.csv) for data.source."""

from amt.core.constants import RAW_DIR
from amt.core.stage import run_stage
from amt.sources import build_raw


def main(params: dict) -> None:
    path = build_raw(params, RAW_DIR)
    print(f"download: wrote {path}")


if __name__ == "__main__":
    run_stage("download", main)
