"""Cells and tables as the report writes them: scores, durations, counts, markdown pipe tables."""

import pandas as pd


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table; pipes inside cells are escaped."""
    rows = [list(table.columns), ["---"] * len(table.columns), *table.astype(str).values.tolist()]
    return "\n".join("| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows)


def format_score(f1: float, precision: float, recall: float) -> str:
    if pd.isna(f1):
        return "–"
    return f"{f1:.3f} ({precision:.2f}/{recall:.2f})"


def count(value) -> str:
    if pd.isna(value):
        return "–"
    return f"{value / 1e6:.2f} M" if value >= 1e5 else f"{int(value):,}"


def format_duration(seconds: float) -> str:
    if pd.isna(seconds):
        return "–"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
