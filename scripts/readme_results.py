"""Copy the report's results block (reports/results.md) into README.md between its markers.

scripts/main.sh runs this after the report; tests/test_readme.py fails when the two differ.
"""

import sys
from pathlib import Path

from amt.core import atomic
from amt.core.constants import REPORTS_DIR
from amt.report.results import RESULTS_FILE, readme_with_results

README = Path("README.md")


def main() -> int:
    results = Path(REPORTS_DIR) / RESULTS_FILE
    if not results.is_file():
        print(f"readme: {results} not found; build the report first (dvc repro report)", file=sys.stderr)
        return 1
    atomic.write_text(README, readme_with_results(README.read_text(), results.read_text()))
    print(f"readme: {README} shows {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
