"""Where a run's bytes live: a local directory, or any fsspec URL (``memory://``, ``s3://``…).

Both keep the same layout (``<root>/<run id>/<file>``, ``<root>/CURRENT``) and the same promise: a
reader sees a complete run or none.

- A local directory writes a run into a hidden staging directory, flushes it, renames it into place
  (atomic on one file system) and swaps the pointer with ``os.replace``.
- An object store has no atomic rename, so a run's files go under its own prefix and its manifest
  LAST: a run without a manifest is incomplete and never listed. The pointer is one small object
  written whole.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from dashboard.runs.model import CURRENT_POINTER, MANIFEST_FILE, RUN_ID_PATTERN

logger = logging.getLogger(__name__)


class RunFiles(Protocol):
    """The byte layer of a run store; every name is a validated run id and a known file name."""

    @property
    def location(self) -> str: ...

    def run_ids(self) -> list[str]:
        """The ids of the complete runs (those with a manifest), in no order."""
        ...

    def read(self, run_id: str, name: str) -> bytes:
        """The file's bytes; ``FileNotFoundError`` when it is not there."""
        ...

    def exists(self, run_id: str, name: str) -> bool: ...

    def write_run(self, run_id: str, files: Mapping[str, bytes], manifest: bytes) -> None:
        """Publishes the run's files and then its manifest; a failure leaves no visible run."""
        ...

    def read_pointer(self) -> str | None: ...

    def write_pointer(self, text: str) -> None: ...


class LocalRunFiles:
    """Runs in a local directory: staging directory, fsync, rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        return str(self.root)

    def run_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return [
            path.name
            for path in self.root.iterdir()
            if RUN_ID_PATTERN.match(path.name) and (path / MANIFEST_FILE).is_file()
        ]

    def read(self, run_id: str, name: str) -> bytes:
        return (self.root / run_id / name).read_bytes()

    def exists(self, run_id: str, name: str) -> bool:
        return (self.root / run_id / name).is_file()

    def write_run(self, run_id: str, files: Mapping[str, bytes], manifest: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{run_id}"
        try:
            staging.mkdir()
            for name, data in {**files, MANIFEST_FILE: manifest}.items():
                _write_synced(staging / name, data)
            staging.rename(self.root / run_id)
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def read_pointer(self) -> str | None:
        try:
            return (self.root / CURRENT_POINTER).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def write_pointer(self, text: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f".{CURRENT_POINTER}.{os.getpid()}.{threading.get_ident()}"
        _write_synced(temp, text.encode("utf-8"))
        temp.replace(self.root / CURRENT_POINTER)
        _fsync_dir(self.root)


class FsspecRunFiles:
    """Runs under an fsspec URL: each run under its own prefix, the manifest written last."""

    def __init__(self, url: str) -> None:
        import fsspec  # only a store on a URL needs it

        fs, path = fsspec.core.url_to_fs(url)
        self.fs: Any = fs
        self.root = str(path).rstrip("/")
        self.url = url

    @property
    def location(self) -> str:
        return self.url

    def _path(self, *parts: str) -> str:
        return "/".join((self.root, *parts))

    def run_ids(self) -> list[str]:
        # One listing for every manifest, not one request per run (a request is costly on S3).
        found = self.fs.glob(self._path("*", MANIFEST_FILE))
        ids = (str(path).rstrip("/").split("/")[-2] for path in found)
        return [run_id for run_id in ids if RUN_ID_PATTERN.match(run_id)]

    def read(self, run_id: str, name: str) -> bytes:
        return bytes(self.fs.cat_file(self._path(run_id, name)))

    def exists(self, run_id: str, name: str) -> bool:
        return bool(self.fs.isfile(self._path(run_id, name)))

    def write_run(self, run_id: str, files: Mapping[str, bytes], manifest: bytes) -> None:
        try:
            for name, data in files.items():
                self.fs.pipe_file(self._path(run_id, name), data)
            self.fs.pipe_file(self._path(run_id, MANIFEST_FILE), manifest)
        except BaseException:
            # Without its manifest the run is invisible anyway; removing the rest is tidiness.
            with contextlib.suppress(Exception):
                self.fs.rm(self._path(run_id), recursive=True)
            raise

    def read_pointer(self) -> str | None:
        try:
            return bytes(self.fs.cat_file(self._path(CURRENT_POINTER))).decode("utf-8")
        except FileNotFoundError:
            return None

    def write_pointer(self, text: str) -> None:
        self.fs.pipe_file(self._path(CURRENT_POINTER), text.encode("utf-8"))


def run_files(location: str | Path) -> RunFiles:
    """The byte layer for a local directory, a ``file://`` URL (the same directory code, with its
    atomic rename) or any other fsspec URL."""
    if isinstance(location, Path):
        return LocalRunFiles(location)
    if location.startswith("file://"):
        return LocalRunFiles(Path(location.removeprefix("file://")).expanduser())
    if "://" in location:
        return FsspecRunFiles(location)
    return LocalRunFiles(Path(location).expanduser())


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
