import pytest

from amt.core.errors import AmtError
from amt.sources import SOURCES, build_raw, builder
from tests.conftest import data_config


def test_every_source_has_a_builder():
    assert all(callable(builder(name)) for name in SOURCES)


def test_unknown_source_names_the_parameter_and_the_choices(tmp_path):
    with pytest.raises(AmtError, match=r"unknown data.source 'youtube'; use one of synth, maestro, local"):
        build_raw(data_config({"data": {"source": "youtube"}}), tmp_path)
    assert not any(tmp_path.iterdir())
