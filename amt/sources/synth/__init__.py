"""The offline ``synth`` source: corpus and generated piano music, performed and rendered.

``plan`` decides every piece from the params; ``pieces`` makes one (score ->
performance -> FluidSynth -> room and microphone -> FLAC + MIDI). Pieces are independent
and seeded by id, so they are made in a process pool in any order with the same result.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from amt.config.data import DataConfig
from amt.core.atomic import remove_stale_temps
from amt.core.log import configure, inherit
from amt.sources.synth.pieces import make
from amt.sources.synth.plan import plan_pieces


def _worker_init(log_settings: tuple[str, int] | None) -> None:
    import torch

    torch.set_num_threads(1)  # one process per core already
    if log_settings is not None:
        configure(*log_settings)


def build(data: DataConfig, raw_dir: Path) -> list[dict]:
    """Make every planned piece under ``raw_dir``; return their metadata rows in plan order."""
    raw_dir = Path(raw_dir)
    max_seconds, acoustics, workers = data.synth.max_seconds, data.synth.acoustics, data.workers
    specs = plan_pieces(data)
    if raw_dir.exists():
        remove_stale_temps(raw_dir)
    if workers == 1:
        return [
            make(spec, raw_dir, max_seconds, acoustics) for spec in tqdm(specs, desc="synth", unit="piece")
        ]
    rows: dict[str, dict] = {}
    # spawn, not fork: the parent may hold torch and FluidSynth state that must not be shared
    with ProcessPoolExecutor(
        workers, multiprocessing.get_context("spawn"), initializer=_worker_init, initargs=(inherit(),)
    ) as pool:
        futures = {pool.submit(make, spec, raw_dir, max_seconds, acoustics): spec for spec in specs}
        for future in tqdm(as_completed(futures), total=len(futures), desc="synth", unit="piece"):
            rows[futures[future].id] = future.result()
    return [rows[spec.id] for spec in specs]
