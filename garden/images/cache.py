"""The image cache: variants on disk, named by their key (content hash + parameters), outside OUT.

Where (``places.SiteCache``)::

    <cache folder>/images/store/ab/abcdef….webp   a variant; ….err when its source cannot be
                                                  decoded
    <cache folder>/sites/<site>/images.json       what one site used last build, and the header
                                                  facts of its images keyed by (size, mtime,
                                                  inode), so a rebuild with no image change
                                                  opens no image at all

The store is shared by every site built with the same cache folder (it is content-addressed); a
store file no site's manifest names is deleted after a build, so deleting an image drops its
variants.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from garden.images.probe import ImageInfo, probe_image
from garden.places import SiteCache

# Bump when probe_image reads a file differently: facts recorded by an older probe are dropped.
PROBE_VERSION = 3  # 3: an animation's frames


class ImageCache:
    """Paths in the store, and the per-site manifest with its header-facts index."""

    def __init__(self, site: SiteCache) -> None:
        self.site = site
        self.store = site.image_store
        self.manifest_path = site.images_manifest
        self._probes: dict[str, list[Any]] = {}
        self._old_probes: dict[str, list[Any]] = {}
        self.used: set[str] = set()  # store file names this build needs
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if data.get("probe_version") == PROBE_VERSION:
                self._old_probes = dict(data.get("probes", {}))

    def path(self, key: str, ext: str, *, use: bool = True) -> Path:
        """Where the store keeps ``key``; ``use`` records that this build's site needs it."""
        name = key + ext
        if use:
            self.used.add(name)
        return self.store / key[:2] / name

    def probe(self, path: Path) -> ImageInfo:
        """``probe_image``, answered from the last build's facts when the file's size, mtime
        and inode are unchanged."""
        try:
            st = path.stat()
        except OSError:
            return probe_image(path)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self._probes.get(str(path))  # probed already in this build
        if known is None or known[:3] != stamp:
            known = self._old_probes.get(str(path))
        info = None
        if known is not None and known[:3] == stamp:
            with contextlib.suppress(TypeError, IndexError):  # written by another version
                info = ImageInfo(**known[3])
        if info is None:
            info = probe_image(path)
        self._probes[str(path)] = [*stamp, info.as_dict()]
        return info

    def save(self) -> None:
        """Record what this build used, then delete store files no site's manifest names. A
        site that never had images gets no cache folder at all."""
        if not self.used and not self.manifest_path.exists():
            return
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        data = {"probe_version": PROBE_VERSION, "probes": self._probes, "used": sorted(self.used)}
        _write_atomic(self.manifest_path, json.dumps(data).encode("utf-8"))
        keep: set[str] = set()
        for manifest in self.site.manifests():
            try:
                keep.update(json.loads(manifest.read_text(encoding="utf-8")).get("used", ()))
            except (OSError, ValueError):
                return  # a manifest being written by another build: prune next time
        if not self.store.is_dir():
            return
        # A build of another site sharing this cache may be making entries its manifest does not
        # name yet: only entries untouched for an hour are garbage.
        cutoff = time.time() - 3600
        for shard in self.store.iterdir():
            for entry in shard.iterdir():
                if entry.name in keep:
                    continue
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        entry.unlink()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
