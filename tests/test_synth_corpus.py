import warnings

import numpy as np
import pytest

from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.core.notes import ONSET, PITCH
from amt.sources.synth import corpus
from amt.sources.synth.corpus import Work, catalogue, excerpt
from amt.sources.synth.pieces import GENERATED, play
from amt.sources.synth.plan import CORPUS, PieceSpec
from amt.sources.synth.soundfonts import piano_presets


def test_catalogue_groups_movements_and_versions_into_works():
    works = {work.key: work for work in catalogue()}
    assert len(works["beethoven/opus18no1"].files) == 4
    assert works["bach/bwv248.23"].files == ("bach/bwv248.23-2.mxl", "bach/bwv248.23-s.mxl")
    assert works["schumann_robert/opus48no2"].files == (
        "schumann_robert/dichterliebe_no2.xml",
        "schumann_robert/opus48no2.mxl",
    )
    assert "bach/bwv846" in works and "joplin/maple_leaf_rag" in works
    assert len({work.composer for work in works.values()}) >= 20
    assert not any(file.endswith((".abc", ".rntxt")) for work in works.values() for file in work.files)


def test_excerpt_is_a_piano_reduction_of_about_the_asked_length():
    score = excerpt(Work("bach/bwv846", "J. S. Bach", ("bach/bwv846.mxl",)), np.random.default_rng(0), 12.0)
    assert score is not None and len(score.notes) > 20
    assert score.notes[:, ONSET].max() < 12.0 and score.notes[:, ONSET].min() >= 0.1
    assert score.notes[:, PITCH].min() >= MIN_MIDI and score.notes[:, PITCH].max() <= MAX_MIDI
    assert len(score.changes) and len(score.phrases)


def test_badly_formed_repeats_are_read_straight_through():
    """This mazurka's repeats make music21's MIDI export fail; read once through it works."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="music21 corpus")
        score = excerpt(
            Work("chopin/mazurka06", "Chopin", ("chopin/mazurka06-2.krn",)), np.random.default_rng(1), 10.0
        )
    assert score is not None and len(score.notes) > 20


@pytest.fixture
def broken_corpus(tmp_path, monkeypatch):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.xml").write_text("<score-partwise><part id='P1'><measure>")
    monkeypatch.setattr(corpus, "corpus_root", lambda: tmp_path)
    return Work("bad/broken", "Nobody", ("bad/broken.xml",))


def test_parse_failure_is_skipped_with_a_warning(broken_corpus, caplog):
    assert excerpt(broken_corpus, np.random.default_rng(0), 10.0) is None
    assert "bad/broken.xml: skipped" in caplog.text


def test_a_piece_whose_works_all_fail_is_generated_instead(broken_corpus, caplog):
    spec = PieceSpec(
        "train-000", "train", CORPUS, (broken_corpus,), (21, 40), piano_presets("TimGM6mb")[0], False, 0
    )
    played = play(spec, 5.0)
    messages = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("skipped" in m for m in messages) and any(
        "generating the piece instead" in m for m in messages
    )
    assert played.composer == GENERATED and len(played.performance.notes)
