"""The backup file: an uncompressed tar holding ``manifest.json`` and the database copy.

Members are written with mode 0600, no owner names and the backup's own time, and the file
appears under its final name only once complete (written aside, then linked into place without
overwriting anything). Reading copies out exactly the two expected members, never extracting
names from the archive onto the disk.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from pathlib import Path

from .errors import BackupError

MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"database.sqlite3", "database.pgdump"}
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def write(output: Path, manifest: dict, database_file: Path) -> None:
    if output.exists():
        raise BackupError(f"{output} already exists; choose a new file name.")
    if not output.parent.is_dir():
        raise BackupError(f"The directory {output.parent} does not exist.")
    descriptor, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    partial = Path(partial)  # mkstemp: mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
            with database_file.open("rb") as database:
                member = _member(manifest["database"]["member"], database_file.stat().st_size)
                tar.addfile(member, database)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(partial, output)
        except FileExistsError:
            raise BackupError(f"{output} already exists; choose a new file name.") from None
        except OSError:
            os.replace(partial, output)  # a file system without hard links
    finally:
        partial.unlink(missing_ok=True)


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def read_manifest(path: Path) -> dict:
    with _open(path) as tar:
        return _manifest(tar, path)


def extract_database(path: Path, manifest: dict, destination: Path) -> None:
    """Copy the database member to ``destination`` (mode 0600)."""
    name = manifest["database"]["member"]
    with _open(path) as tar:
        member = _regular_member(tar, name, path)
        source = tar.extractfile(member)
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            try:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise BackupError(f"{path} is damaged ({exc}).") from None


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    try:
        return tarfile.open(path, mode="r:*")  # also reads a backup gzipped afterwards
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(f"{path} is not a Therapy Notes backup (not a tar file).") from None


def _manifest(tar: tarfile.TarFile, path: Path) -> dict:
    member = _regular_member(tar, MANIFEST, path)
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (ValueError, tarfile.TarError, OSError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise BackupError(f"The manifest of {path} cannot be read ({reason}).") from None
    database = manifest.get("database") if isinstance(manifest, dict) else None
    if not isinstance(database, dict) or database.get("member") not in DATABASE_MEMBERS:
        raise BackupError(f"The manifest of {path} does not name a database copy.")
    return manifest


def _regular_member(tar: tarfile.TarFile, name: str, path: Path) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{path} has no {name}: it is not a complete backup.") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is damaged ({exc}).") from None
    if not member.isfile():
        raise BackupError(f"{path}: {name} is not a regular file.")
    return member
