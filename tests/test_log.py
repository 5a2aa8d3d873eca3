import logging

import pytest

from amt.cli import main as amt_main
from amt.core.log import configure, inherit


@pytest.fixture(autouse=True)
def restore_amt_logger():
    logger = logging.getLogger("amt")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:], logger.level = handlers, level


def test_lines_name_the_command_and_levels_other_than_info(capsys):
    configure("train")
    log = logging.getLogger("amt.training.run")
    log.info("step %d done", 3)
    log.warning("odd")
    log.debug("hidden")
    assert capsys.readouterr().err.splitlines() == ["amt train: step 3 done", "amt train: warning: odd"]
    assert inherit() == ("train", 0)


def test_quiet_keeps_warnings_and_verbose_adds_detail(capsys):
    configure("transcribe", -1)
    logging.getLogger("amt.x").info("progress")
    logging.getLogger("amt.x").error("bad")
    assert capsys.readouterr().err == "amt transcribe: error: bad\n"
    configure("transcribe", 1)
    logging.getLogger("amt.x").debug("detail")
    assert capsys.readouterr().err == "amt transcribe: debug: detail\n"


def test_the_amt_command_takes_v_and_q(capsys):
    assert amt_main(["-q", "profile", "debug"]) == 0
    assert inherit() == ("profile", -1)
    assert "-S" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        amt_main(["-q", "-v", "profile", "debug"])
