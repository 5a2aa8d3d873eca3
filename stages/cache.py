"""DVC stage `cache`: turn every raw piece into a pianoroll npz plus a manifest."""

import logging

from amt.config import Config
from amt.core.constants import CACHE_DIR, RAW_DIR
from amt.core.stage import run_stage
from amt.data.cache import build_cache

log = logging.getLogger("amt.stages")


def main(config: Config) -> None:
    log.info("wrote %s", build_cache(RAW_DIR, CACHE_DIR, workers=config.data.workers))


if __name__ == "__main__":
    run_stage("cache", main)
