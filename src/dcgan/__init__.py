"""dcgan: a faithful, fast reproduction of Radford, Metz & Chintala (2015), "DCGAN".

Submodules mirror the paper: ``models`` (§3), ``training`` (§4), ``data``,
``evaluation`` (§5 and sample quality), ``experiments`` (§6), ``dedup`` (§4.1.1).
"""

__version__ = "0.1.0"


class DcganError(Exception):
    """A user-facing error: bad option, bad file, bad input. The CLI prints it without a traceback."""
