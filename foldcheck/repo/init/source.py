"""Where pre-commit would get foldcheck in the ``python`` and ``remote`` hook modes, from this
installation's package metadata; refused with what to do when it cannot.

``python`` has pre-commit pip-install ``foldcheck==VERSION`` into an environment of its own,
which only an index that serves that version can satisfy. pip records a ``direct_url.json``
(PEP 610) for whatever it installed from a path, a URL or a VCS checkout, and none for an
index: with one, no index is known to serve this foldcheck, and every commit would fail
installing it. ``remote`` has pre-commit clone foldcheck's repository at the release tag, so
the metadata must name the repository.
"""

from __future__ import annotations

import json
from importlib import metadata

from foldcheck.errors import InputError
from foldcheck.repo.init.precommit import HookMode, project_url


def installed_from() -> str | None:
    """The path or URL this foldcheck was installed from; None when from an index."""
    try:
        text = metadata.distribution("foldcheck").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return "this source tree (foldcheck is not installed)"
    if text is None:
        return None
    try:
        url = json.loads(text).get("url")
    except (ValueError, AttributeError):
        url = None
    return str(url) if url else "a local path or URL"


def hook_source_url(mode: HookMode, version: str) -> str | None:
    """The repository URL for ``remote``; None for the other modes. An InputError when
    pre-commit could not get foldcheck this way."""
    if mode == "python":
        source = installed_from()
        if source is not None:
            raise InputError(
                f"--hook python: pre-commit would install foldcheck=={version} from a package "
                f"index, and this foldcheck came from {source}, which no index is known to "
                "serve; use --hook system (the default), which runs this installation"
            )
        return None
    if mode != "remote":
        return None
    try:
        meta = metadata.metadata("foldcheck")
    except metadata.PackageNotFoundError:
        return None
    return project_url(meta.get_all("Project-URL") or [], (meta.get_all("Home-page") or [None])[0])
