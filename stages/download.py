"""DVC stage `download`: build the raw layout (FLAC + MIDI + metadata.csv) for data.source."""

import logging

from amt.config import Config
from amt.core.constants import RAW_DIR
from amt.core.stage import run_stage
from amt.sources import build_raw

log = logging.getLogger("amt.stages")


def main(config: Config) -> None:
    log.info("wrote %s", build_raw(config.data, RAW_DIR))


if __name__ == "__main__":
    run_stage("download", main)
