"""The full texts of the sources, as the server keeps them, for checking quotes word for word.

Where a text is comes from the server's configuration only: one directory (`--source-dir`, else
`UNIONDASH_SOURCE_DIR`), and in it the file `<source id>.txt`, or, for a source already in sources.csv, the
file name (never the folders) of its `local_copy`. The name is resolved, symbolic links included, and must
stand directly inside that directory; the file must be a regular file of at most `MAX_SOURCE_TEXT_BYTES`.
So nothing a workbook says can make the server open a file: not `/etc/passwd`, not `../../x`, not a FIFO,
not a 2 GB file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from uniondash.errors import UniondashError

ENV_SOURCE_DIR = "UNIONDASH_SOURCE_DIR"
MAX_SOURCE_TEXT_BYTES = 8 * 1024 * 1024  # a whole newspaper page is about 15 KB


class SourceTexts:
    """The source texts of one directory (or none: then no quote can be checked)."""

    def __init__(self, directory: str | os.PathLike[str] | None) -> None:
        self.directory = Path(directory).expanduser().resolve() if directory else None
        self._texts: dict[str, str | None] = {}

    @classmethod
    def configured(cls, directory: str | os.PathLike[str] | None = None) -> SourceTexts:
        """`directory` if given, else `UNIONDASH_SOURCE_DIR`, else none; an error if it is not a directory."""
        chosen = directory or os.environ.get(ENV_SOURCE_DIR) or None
        texts = cls(chosen)
        if texts.directory is not None and not texts.directory.is_dir():
            raise UniondashError(
                f"the source directory is not a directory: set --source-dir or {ENV_SOURCE_DIR} to the folder "
                "holding the sources' texts (<source id>.txt)"
            )
        return texts

    def text(self, source_id: str, local_copy: str = "") -> str | None:
        """The text of source `source_id`, or None if the directory holds none. `local_copy` is the source's
        entry in sources.csv (the data, never a workbook): only its file name is used."""
        if source_id not in self._texts:
            names = [f"{source_id}.txt", *([Path(local_copy).name] if local_copy else [])]
            self._texts[source_id] = next(
                (text for text in (self._read(name) for name in names) if text is not None), None
            )
        return self._texts[source_id]

    def _read(self, name: str) -> str | None:
        if self.directory is None or not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
            return None
        try:
            path = (self.directory / name).resolve()
        except (OSError, RuntimeError):
            return None
        if path.parent != self.directory:  # a link out of the directory
            return None
        try:
            # O_NONBLOCK: a FIFO put there opens at once instead of waiting for a writer (and is refused below).
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):  # a FIFO, a device, a folder
            os.close(handle)
            return None
        with os.fdopen(handle, "rb") as file:
            if info.st_size > MAX_SOURCE_TEXT_BYTES:
                raise UniondashError(
                    f"the source text {name} is larger than {MAX_SOURCE_TEXT_BYTES // 1024 // 1024} MB: keep only "
                    "the article's text in it"
                )
            raw = file.read(MAX_SOURCE_TEXT_BYTES + 1)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UniondashError(f"the source text {name} is not UTF-8: save it as UTF-8") from error
