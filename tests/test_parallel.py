import os
import signal
import tempfile

import pytest
import torch
import torch.distributed as dist

from amt.training import parallel


def rank_and_sum(group: parallel.Group, value: float) -> tuple[int, float]:
    total = torch.tensor([value * (group.rank + 1)])
    dist.all_reduce(total)
    return group.rank, total.item()


def fail_in_rank_1(group: parallel.Group, how: str) -> None:
    if group.rank == 1:
        if how == "exit":
            os._exit(3)
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise ValueError("rank 1 failed")
    dist.barrier()


def agree_on(group: parallel.Group, stop_rank: int) -> tuple[dict, str | None]:
    losses = {"loss": float(group.rank), "lr": 0.5}
    return group.agree(losses, "SIGTERM" if group.rank == stop_rank else None)


def test_launch_returns_rank_0s_result_from_processes_that_talk():
    assert parallel.launch(2, "cpu", rank_and_sum, 1.5) == (0, 4.5)


def test_processes_agree_on_mean_losses_and_on_a_stop_any_of_them_received():
    assert parallel.launch(2, "cpu", agree_on, 1) == ({"loss": 0.5, "lr": 0.5}, "SIGTERM")
    assert parallel.launch(2, "cpu", agree_on, -1) == ({"loss": 0.5, "lr": 0.5}, None)


@pytest.mark.parametrize(
    ("how", "error", "message"),
    [
        ("raise", ValueError, "rank 1 failed"),
        ("exit", parallel.Died, r"^training process 1 of 2 died \(exit code 3\)$"),
        ("kill", parallel.Died, r"^training process 1 of 2 died \(killed by SIGKILL\)$"),
    ],
)
def test_a_failing_process_fails_the_launch(how, error, message):
    with pytest.raises(error, match=message):
        parallel.launch(2, "cpu", fail_in_rank_1, how)


def test_one_process_needs_no_group():
    assert parallel.SINGLE.agree({"loss": 1.0}, "SIGINT") == ({"loss": 1.0}, "SIGINT")
    state = torch.get_rng_state()
    parallel.SINGLE.reseed(0, 5)
    assert torch.equal(torch.get_rng_state(), state)


def test_the_leaders_solo_work_borrows_every_processs_threads_and_gives_them_back():
    threads = torch.get_num_threads()
    with pytest.raises(KeyError), parallel.Group(0, 3).all_threads():
        assert torch.get_num_threads() == 3 * threads
        raise KeyError
    assert torch.get_num_threads() == threads
    with parallel.SINGLE.all_threads():
        assert torch.get_num_threads() == threads


def test_a_launch_leaves_no_folder_in_the_temporary_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert parallel.launch(2, "cpu", rank_and_sum, 1.0) == (0, 3.0)
    assert list(tmp_path.iterdir()) == []
