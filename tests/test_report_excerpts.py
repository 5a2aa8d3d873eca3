from amt.analysis.errors import analyse
from amt.core.notes import make_notes
from amt.report.excerpts import WINDOW_SECONDS, choose_excerpts

REF = make_notes([(t, t + 0.5, 60, 80) for t in (1.0, 6.0, 7.0, 8.0)])


def test_excerpts_go_where_the_models_disagree_most_one_per_piece():
    good = analyse([("x", REF, REF), ("y", REF, REF)])
    bad = analyse([("x", REF, REF[:1]), ("y", REF, REF[1:])])  # x misses 6-8 s, y misses 1 s
    excerpts = choose_excerpts({"good": good, "bad": bad})
    assert [(e.piece, e.start) for e in excerpts] == [("x", WINDOW_SECONDS), ("y", 0.0)]
    assert excerpts[0].reason == "errors here: good 0, bad 3"


def test_models_that_agree_everywhere_give_no_excerpt():
    same = analyse([("x", REF, REF[:2])])
    assert choose_excerpts({"a": same, "b": same}) == []
    assert [e.piece for e in choose_excerpts({"a": same})] == ["x"]
    assert choose_excerpts({"a": analyse([("x", REF, REF)])}) == []
