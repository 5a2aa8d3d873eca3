"""``references``: the published systems the references stage scores on the test split."""

from amt.config.reader import Reader
from amt.core.errors import AmtError

# name -> (PyPI package, loader in amt.references: module:function)
REFERENCE_SYSTEMS = {
    "transkun": ("transkun", "amt.references.transkun_system:load"),
    "basic-pitch": ("basic-pitch", "amt.references.basic_pitch_system:load"),
}


def checked_reference(name: str, key: str) -> str:
    """``name`` if it is a reference system (``key``: where it was named), else an AmtError."""
    if name not in REFERENCE_SYSTEMS:
        raise AmtError(f"{key}: unknown reference system {name!r}; use one of {', '.join(REFERENCE_SYSTEMS)}")
    return name


def read_references(read: Reader) -> list[str]:
    """The systems named by ``references`` (none by default), each known, none twice."""
    names = read.names("references", [], "reference system names")
    for name in names:
        checked_reference(name, f"{read.source}: references")
    if len(set(names)) < len(names):
        raise read.fail("references", "a list of different reference systems", names)
    return names
