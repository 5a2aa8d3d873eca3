"""DVC stage `cache`: turn every raw piece into a pianoroll npz plus a manifest."""

from amt.core.constants import CACHE_DIR, RAW_DIR
from amt.core.params import data_workers
from amt.core.stage import run_stage
from amt.data.cache import build_cache


def main(params: dict) -> None:
    path = build_cache(RAW_DIR, CACHE_DIR, workers=data_workers(params))
    print(f"cache: wrote {path}")


if __name__ == "__main__":
    run_stage("cache", main)
