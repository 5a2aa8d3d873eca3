from pathlib import Path

import pytest

from amt.report.results import (
    RESULTS_BEGIN,
    RESULTS_END,
    RESULTS_FILE,
    machine,
    read_stage_times,
    readme_with_results,
)


def test_the_readme_shows_the_committed_results_block():
    readme = Path("README.md").read_text()
    block = readme.split(RESULTS_BEGIN, 1)[1].split(RESULTS_END, 1)[0].strip()
    assert block == (Path("reports") / RESULTS_FILE).read_text().strip(), (
        "README's results differ from reports/results.md: run python scripts/readme_results.py"
    )


def test_the_block_is_replaced_and_nothing_else():
    readme = f"# amt\n\nbefore\n\n{RESULTS_BEGIN}\nold numbers\n{RESULTS_END}\n\nafter\n"
    updated = readme_with_results(readme, "| new | table |\n")
    assert updated == f"# amt\n\nbefore\n\n{RESULTS_BEGIN}\n| new | table |\n{RESULTS_END}\n\nafter\n"
    assert readme_with_results(updated, "| new | table |") == updated
    with pytest.raises(ValueError, match="markers"):
        readme_with_results("# no markers\n", "x")


def test_stage_times_are_read_from_the_main_jobs_lines(tmp_path):
    path = tmp_path / "stage_times.txt"
    path.write_text("download+cache 189 s\ntrain+evaluate onf 1103 s\nnot a time\nreport 17 s\n")
    assert read_stage_times(path) == [("download+cache", 189), ("train+evaluate onf", 1103), ("report", 17)]
    assert read_stage_times(tmp_path / "missing.txt") == []


def test_the_machine_is_named_with_its_cores():
    assert "cores" in machine()
