"""Data home, download with checksum verification, and atomic writes."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["get_data_home", "fetch_file", "sha256sum"]

#: Environment variable that points at the data home.
DATA_ENV = "SKLEARN_LEAFS_DATA"


def get_data_home(data_home=None):
    """Return the folder where sklearn-leafs keeps fetched data.

    ``data_home`` if given, else the ``SKLEARN_LEAFS_DATA`` environment
    variable, else ``~/sklearn_leafs_data``. The layout below it mirrors the
    reference data folder (``leaf-vasylenko2024/leaf.csv`` and so on), so a
    checkout of that folder works with no download.

    Examples
    --------
    >>> str(get_data_home("/tmp/leafs-data"))
    '/tmp/leafs-data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or Path.home() / "sklearn_leafs_data"
    return Path(data_home).expanduser()


def sha256sum(path):
    """Hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_file(relative_path, url, sha256, data_home=None, download_if_missing=True):
    """Return the local path of a data file, downloading it if missing.

    The download goes to a temporary file in the target folder, is checked
    against ``sha256`` and then renamed into place, so an interrupted or
    corrupted download never leaves a bad file behind.

    Parameters
    ----------
    relative_path : str
        Path below the data home, e.g. ``"leaf-vasylenko2024/leaf.csv"``.
    url : str
        Where to download the file from.
    sha256 : str or None
        Expected hex digest of the file (``None`` skips the check).
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``OSError`` instead of downloading.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> home = tempfile.mkdtemp()
    >>> fetch_file("x.csv", "http://127.0.0.1:9/x.csv", None, home,
    ...            download_if_missing=False)
    Traceback (most recent call last):
    ...
    OSError: x.csv is not in data_home=... and download_if_missing=False
    """
    home = get_data_home(data_home)
    path = home / relative_path
    if path.is_file():
        return path
    if not download_if_missing:
        raise OSError(
            f"{relative_path} is not in data_home={home} and download_if_missing=False"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    shutil.copyfileobj(response, out)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise OSError(
                    f"could not download {url} into data_home={home} ({exc}). "
                    f"If you are offline, place the file at {path} or set "
                    f"{DATA_ENV} to a folder that has it."
                ) from exc
        if sha256 is not None:
            got = sha256sum(tmp)
            if got != sha256:
                raise OSError(
                    f"checksum mismatch for {url}: expected sha256 {sha256}, "
                    f"got {got}; the file was not saved"
                )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
