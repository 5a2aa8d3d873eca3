"""Published systems scored on the same data (runs tagged ``reference``): a table of their
own, beside the trained models and never ranked with them."""

import pandas as pd

from amt.report.real import PREFIX, real_sets
from amt.report.tables import format_score, markdown_table

INTRO = (
    "## Reference systems\n\nPublished pretrained transcribers scored on the same test split "
    "(and labelled sets) with the same metrics; not trained here, not ranked with the models above:"
)


def split_references(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trained models' runs, reference systems' runs)."""
    is_reference = runs["reference"].notna() if "reference" in runs else pd.Series(False, index=runs.index)
    return runs[~is_reference], runs[is_reference]


def reference_table(references: pd.DataFrame) -> pd.DataFrame:
    """One row per reference run: system, version, data, its test scores and labelled sets' note F1."""
    table = pd.DataFrame(
        {
            "system": references["reference"],
            "version": references["reference_version"],
            "data": references["data_fingerprint"],
            "test note F1 (P/R)": [
                format_score(*row)
                for row in references[["note_f1", "note_precision", "note_recall"]].itertuples(index=False)
            ],
            "test frame F1": references["frame_f1"].map("{:.3f}".format),
            "test note-with-offset F1": references["note_offset_f1"].map("{:.3f}".format),
        }
    )
    for name in real_sets(references):
        table[f"{name} note F1"] = references[f"{PREFIX}{name}/note_f1"].map(
            lambda value: "–" if pd.isna(value) else f"{value:.3f}"
        )
    return table.reset_index(drop=True)


def reference_markdown(references: pd.DataFrame | None, current: str | None = None) -> list[str]:
    """The section as markdown lines (only the current data's runs when ``current``); none
    when there is no reference run."""
    if references is None:
        return []
    if current is not None:
        references = references[references["data_fingerprint"] == current]
    if references.empty:
        return []
    return [INTRO, "", markdown_table(reference_table(references)), ""]
