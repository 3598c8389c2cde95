"""The image pipeline: sizes, variants, metadata, bad images and the cache, on small generated
images so the whole file runs in a few seconds."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from conftest import BuiltSite, build_site, make_vault, png
from PIL import Image, ImageCms
from test_syntax import elements, target_of

from garden.errors import ConfigError, OutputError
from garden.images import ImageInfo, display_size, variant_widths
from garden.images.process import TaskResult


def site(tmp_path: Path, files: dict[str, str | bytes]) -> BuiltSite:
    return build_site(make_vault(tmp_path / "vault", files), tmp_path / "site")


def images_of(built: BuiltSite, page: str) -> list[dict[str, str]]:
    return elements(built.article(page), "img")


def srcset(built: BuiltSite, page: str, img: dict[str, str]) -> dict[int, Path]:
    """Declared width → the OUT file, for every candidate in ``img``'s srcset."""
    found = {}
    for candidate in img["srcset"].split(", "):
        url, width = candidate.rsplit(" ", 1)
        found[int(width[:-1])] = target_of(built, page, url)
    return found


def jpeg(width: int, height: int, *, exif: Image.Exif | None = None, icc: bytes = b"") -> bytes:
    img = Image.new("RGB", (width, height), (200, 60, 30))
    img.paste((30, 60, 200), (0, 0, width // 2, height // 4))  # a mark to see the rotation
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif or Image.Exif(), icc_profile=icc or None)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Sizes and variants
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("real", "asked", "shown", "widths"),
    [
        ((2000, 1000), (480, None), (480, 240), (480, 960)),  # sized: 1x and 2x
        ((2000, 1000), (None, 100), (200, 100), (200, 400)),  # height only
        ((2000, 1000), (None, None), (736, 368), (736, 1472)),  # unsized: the content column
        ((600, 300), (480, None), (480, 240), (480, 600)),  # 2x would upscale: the original
        ((300, 150), (480, None), (480, 240), (300,)),  # smaller than asked: never upscaled
        ((300, 150), (None, None), (300, 150), (300,)),
    ],
)
def test_display_size_and_variant_widths(
    real: tuple[int, int],
    asked: tuple[int | None, int | None],
    shown: tuple[int, int],
    widths: tuple[int, ...],
) -> None:
    info = ImageInfo(real[0], real[1], "PNG")
    assert display_size(info, asked[0], asked[1], 736) == shown
    assert variant_widths(shown[0], real[0]) == widths


def test_sized_unsized_and_small_images_in_a_page(tmp_path: Path) -> None:
    built = site(
        tmp_path,
        {
            "N.md": "![[big.png|480]]\n\n![[big.png]]\n\n![[small.png|480]]\n",
            "big.png": png(2000, 1000),
            "small.png": png(300, 150),
        },
    )
    sized, unsized, small = images_of(built, "N.html")
    for img, size, widths in (
        (sized, (480, 240), [480, 960]),
        (unsized, (736, 368), [736, 1472]),
        (small, (480, 240), [300]),
    ):
        assert (int(img["width"]), int(img["height"])) == size
        assert img["decoding"] == "async"
        files = srcset(built, "N.html", img)
        assert sorted(files) == widths
        for width, path in files.items():
            with Image.open(path) as served:
                assert served.format == "WEBP"
                assert served.width == width
        assert target_of(built, "N.html", img["src"]) == files[widths[0]]
    assert "loading" not in sized  # the first image of the page is wanted at once
    assert unsized["loading"] == small["loading"] == "lazy"
    assert not [f for f in built.files() if f.endswith(".png")]  # originals are not published


def test_content_width_from_config(tmp_path: Path) -> None:
    built = site(
        tmp_path,
        {"N.md": "![[big.png]]\n", "big.png": png(2000, 1000), "garden.yaml": "content_width: 500"},
    )
    [img] = images_of(built, "N.html")
    assert (img["width"], sorted(srcset(built, "N.html", img))) == ("500", [500, 1000])


def test_svg_is_copied_as_is_with_its_size(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" stroke-width="3"></svg>'
    built = site(tmp_path, {"N.md": "![[d.svg]]\n\n![[d.svg|50]]\n", "d.svg": svg})
    plain, sized = images_of(built, "N.html")
    assert (plain["width"], plain["height"]) == ("200", "100")
    assert (sized["width"], sized["height"]) == ("50", "25")
    assert target_of(built, "N.html", plain["src"]).read_bytes() == svg


# --------------------------------------------------------------------------------------------
# Pixels and metadata
# --------------------------------------------------------------------------------------------
def _exif_rotated_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.0)  # latitude
    gps[3], gps[4] = "E", (2.0, 17.0, 40.0)  # longitude
    return exif


def test_exif_orientation_applied_and_gps_removed(tmp_path: Path) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    built = site(
        tmp_path,
        {
            "N.md": "![[photo.jpg|100]]\n",
            "photo.jpg": jpeg(400, 200, exif=_exif_rotated_with_gps(), icc=icc),
        },
    )
    [img] = images_of(built, "N.html")
    assert (img["width"], img["height"]) == ("100", "200")  # portrait once rotated
    for path in srcset(built, "N.html", img).values():
        data = path.read_bytes()
        with Image.open(path) as served:
            assert served.height == 2 * served.width
            assert not served.getexif()
            assert "exif" not in served.info and "xmp" not in served.info
            assert served.info.get("icc_profile") == icc  # colours stay right
            # The blue mark (top-left of the stored image) is top-right once rotated.
            r, _, b = served.convert("RGB").getpixel((served.width - 2, 2))
            assert b > 150 and r < 100
        assert b"PhoneMaker" not in data and b"GPS" not in data


def test_keep_metadata_keeps_exif_with_orientation_reset(tmp_path: Path) -> None:
    built = site(
        tmp_path,
        {
            "N.md": "![[photo.jpg|100]]\n",
            "photo.jpg": jpeg(400, 200, exif=_exif_rotated_with_gps()),
            "garden.yaml": "keep_metadata: true",
        },
    )
    [img] = images_of(built, "N.html")
    with Image.open(target_of(built, "N.html", img["src"])) as served:
        exif = served.getexif()
        assert exif[0x010F] == "PhoneMaker"
        assert exif.get(0x0112, 1) == 1  # already applied: a viewer must not rotate it again
        assert exif.get_ifd(0x8825)[1] == "N"


def test_transparency_survives(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    rgba.paste((10, 200, 10, 255), (100, 50, 300, 150))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    built = site(tmp_path, {"N.md": "![[t.png|100]]\n", "t.png": buf.getvalue()})
    [img] = images_of(built, "N.html")
    for path in srcset(built, "N.html", img).values():
        with Image.open(path) as served:
            assert served.mode == "RGBA"
            assert served.getpixel((0, 0))[3] == 0
            assert served.getpixel((served.width // 2, served.height // 2))[3] == 255


def test_animated_gif_stays_an_animated_gif(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (200, 100), (i * 80, 40, 200 - i * 60)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    built = site(tmp_path, {"N.md": "![[a.gif|50]]\n\n![[a.gif|200]]\n", "a.gif": buf.getvalue()})
    small, full = images_of(built, "N.html")
    for img, widths in ((small, [50, 100]), (full, [200])):
        files = srcset(built, "N.html", img)
        assert sorted(files) == widths
        for width, path in files.items():
            with Image.open(path) as served:
                assert served.format == "GIF"
                assert served.n_frames == 3 and served.width == width
    # Shown at its own size, the GIF is served byte for byte.
    assert srcset(built, "N.html", full)[200].read_bytes() == buf.getvalue()


def test_an_animation_too_long_to_resize_is_published_as_it_is(tmp_path: Path) -> None:
    """A screen recording of hundreds of frames is not resized (all its frames at once would
    take too much memory) nor replaced by a placeholder: the page shows the file itself, at the
    size the embed asks for."""
    frames = [Image.new("RGB", (600, 400), (i % 250, 40, 90)) for i in range(200)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    built = site(tmp_path, {"N.md": "![[rec.gif|300]]\n", "rec.gif": buf.getvalue()})
    assert built.warnings() == []
    [img] = images_of(built, "N.html")
    assert "srcset" not in img and (img["width"], img["height"]) == ("300", "200")
    assert target_of(built, "N.html", img["src"]).read_bytes() == buf.getvalue()
    assert not elements(built.article("N.html"), "span", class_="image-error")


# --------------------------------------------------------------------------------------------
# Bad images: a warning naming the file and the note, a placeholder, and the build goes on
# --------------------------------------------------------------------------------------------
def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (valid CRC), with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


BAD_IMAGES = {
    "empty.png": b"",
    "garbage.jpg": b"this is not a JPEG at all" * 10,
    "bomb.png": _png_claiming(60000, 60000),
    "truncated.jpg": jpeg(640, 480)[:700],
    "half.png": png(300, 200)[:-40],  # no IEND, data cut short
}


@pytest.mark.parametrize("name", sorted(BAD_IMAGES))
def test_bad_image_warns_shows_a_placeholder_and_the_build_goes_on(
    tmp_path: Path, name: str
) -> None:
    built = site(
        tmp_path,
        {
            "Notes/N.md": f"Before.\n\n![[{name}|120]]\n\nAfter [[Other]].\n",
            "Other.md": "![[fine.png|100]]\n",
            name: BAD_IMAGES[name],
            "fine.png": png(300, 150),
        },
    )
    [warning] = built.warnings("image")
    assert (warning.path, warning.line) == ("Notes/N.md", 3)
    assert name in warning.message and "placeholder" in warning.message
    page = built.article("Notes/N.html")
    assert "After" in page
    placeholders = elements(page, "span", class_="image-error")
    if placeholders:  # refused from its header: a placeholder in the text
        assert name in page
    else:  # found broken while decoding: a placeholder picture where the image goes
        [img] = images_of(built, "Notes/N.html")
        for path in srcset(built, "Notes/N.html", img).values():
            with Image.open(path) as drawn:
                assert drawn.width <= 240
    [fine] = images_of(built, "Other.html")
    assert target_of(built, "Other.html", fine["src"]).is_file()


def test_a_bad_image_is_not_decoded_again(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v", {"N.md": "![[t.jpg|100]]\n", "t.jpg": BAD_IMAGES["truncated.jpg"]}
    )
    first = build_site(vault, tmp_path / "site")
    second = build_site(vault, tmp_path / "site")
    assert first.result.images.decoded == 1 and second.result.images.decoded == 0
    assert [w.message for w in first.warnings("image")] == [
        w.message for w in second.warnings("image")
    ]


# --------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------
def test_rebuild_decodes_nothing_and_a_change_decodes_one(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "A.md": "![[a.png|100]] ![[b.jpg]]\n",
        "B.md": "![[a.png|100]] ![[c.png|50]]\n",
        "a.png": png(400, 200),
        "b.jpg": jpeg(900, 600),
        "c.png": png(200, 100, (1, 2, 3)),
    }
    vault = make_vault(tmp_path / "v", files)
    out = tmp_path / "site"
    cold = build_site(vault, out)
    assert cold.result.images.decoded == 3
    before = {f: (out / f).read_bytes() for f in cold.files()}
    warm = build_site(vault, out)
    assert warm.result.images.decoded == 0
    assert {f: (out / f).read_bytes() for f in warm.files()} == before
    (vault / "c.png").write_bytes(png(200, 100, (9, 9, 9)))
    changed = build_site(vault, out)
    assert changed.result.images.decoded == 1
    # The changed image has new names (content-hashed): a browser never shows the old one.
    assert len(set(changed.files()) - set(before)) == 2


def test_deleted_image_drops_its_variants(tmp_path: Path, user_cache: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {
            "A.md": "![[a.png|100]]\n",
            "B.md": "![[b.png|100]]\n",
            "a.png": png(400, 200),
            "b.png": png(400, 200, (5, 5, 5)),
        },
    )
    out = tmp_path / "site"
    first = build_site(vault, out)
    assert [f for f in first.files() if f.startswith("b-")]
    store = user_cache / "images" / "store"
    cached = sorted(p.name for p in store.rglob("*.webp"))
    assert len(cached) == 4
    for path in store.rglob("*"):  # old enough to be collected
        os.utime(path, (1, 1))
    (vault / "b.png").unlink()
    (vault / "B.md").write_text("No image now.\n")
    second = build_site(vault, out)
    assert not [f for f in second.files() if f.startswith("b-")]
    assert len(sorted(p.name for p in store.rglob("*.webp"))) == 2  # a's two remain


def test_image_used_only_by_a_draft_is_never_processed(tmp_path: Path) -> None:
    built = site(
        tmp_path,
        {
            "Public.md": "Hello.\n",
            "Draft.md": "---\ndraft: true\n---\n![[secret.png|100]]\n![[shown.png|100]]\n",
            "Shown.md": "![[shown.png|100]]\n",
            "secret.png": png(400, 200),
            "shown.png": png(400, 200, (200, 40, 40)),
        },
    )
    assert built.result.images.decoded == 1  # shown.png only
    assert not [f for f in built.files() if "secret" in f]
    assert [f for f in built.files() if f.startswith("shown-")]


def test_cache_folder_is_configurable_and_refused_inside_out_or_vault(
    tmp_path: Path, user_cache: Path
) -> None:
    files: dict[str, str | bytes] = {"N.md": "![[a.png|100]]\n", "a.png": png(400, 200)}
    vault = make_vault(tmp_path / "v", {**files, "garden.yaml": "cache_dir: ../c\n"})
    build_site(vault, tmp_path / "site")
    assert list((tmp_path / "c").rglob("*.webp"))  # relative to the config file
    assert not user_cache.exists()
    for bad in (tmp_path / "site" / "cache", tmp_path / "v" / "cache"):
        (vault / "garden.yaml").write_text(f"cache_dir: {bad}\n")
        with pytest.raises(OutputError, match="cache folder"):
            build_site(vault, tmp_path / "site")


def test_image_quality_must_be_a_percentage(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"N.md": "x", "garden.yaml": "image_quality: 0\n"})
    with pytest.raises(ConfigError, match="image_quality"):
        build_site(vault, tmp_path / "site")


# --------------------------------------------------------------------------------------------
# Work started early: workers before parse, tasks planned before render
# --------------------------------------------------------------------------------------------
def test_planned_tasks_are_exactly_the_variants_the_build_makes(tmp_path: Path) -> None:
    from garden.build import StageTimer, load_config, read_vault
    from garden.diagnostics import Reporter
    from garden.images import ImageCache, ImageSettings, Workers, plan_tasks
    from garden.places import cache_root, site_cache
    from garden.publish import filter_published

    files: dict[str, str | bytes] = {
        "A.md": "![[a.png]] ![[b.jpg|320]] [[c.png]]\n",  # c.png is only linked: no variant
        "B.md": "![[b.jpg]]\n\n![alt|100](a.png)\n",
        "Draft.md": "---\ndraft: true\n---\n![[d.png]]\n",  # never published: never decoded
        "a.png": png(1600, 800),
        "b.jpg": jpeg(900, 600),
        "c.png": png(500, 100),
        "d.png": png(300, 300),
    }
    vault = make_vault(tmp_path / "v", files)
    out = tmp_path / "site"
    config, _ = load_config(vault, None)
    read = read_vault(vault, config, Reporter(), StageTimer({}))
    assert read is not None
    everything = read.everything
    published, _ = filter_published(everything)
    cache = ImageCache(site_cache(cache_root(), vault, out))
    tasks = plan_tasks(published, cache, ImageSettings())
    planned = {o.dest.name: (o.width, o.height) for t in tasks for o in t.outputs}
    a_sizes = [(100, 50), (200, 100), (736, 368), (1472, 736)]
    b_sizes = [(320, 213), (640, 427), (736, 491), (900, 600)]
    assert sorted(planned.values()) == sorted(a_sizes + b_sizes)
    assert {t.source.name for t in tasks} == {"a.png", "b.jpg"}
    assert not cache.used  # planning names nothing the site will keep

    with Workers(2) as workers:
        workers.submit(tasks)
        results = list(workers.results())
    assert [r.decoded for _, r in results] == [1, 1]
    built = build_site(vault, out)
    assert built.result.images.decoded == 0  # all made while "rendering"
    store = {p.name for p in cache.store.rglob("*.webp")}
    assert store == set(planned)
    again = ImageCache(site_cache(cache_root(), vault, out))
    assert plan_tasks(published, again, ImageSettings()) == []


def test_workers_report_every_task_and_run_in_process_with_one_job(tmp_path: Path) -> None:
    from garden.images.process import Output, Task, Workers

    sources = []
    for i in range(3):
        sources.append(tmp_path / f"{i}.png")
        sources[-1].write_bytes(png(200 + i, 100))
    (tmp_path / "bad.png").write_bytes(b"not an image")

    def task(source: Path) -> Task:
        return Task(
            source, 1, (Output(50, 25, "WEBP", tmp_path / f"{source.stem}.webp"),), 80, False
        )

    for jobs in (1, 2):
        with Workers(jobs) as workers:
            assert (workers._pool is None) == (jobs == 1)
            workers.submit([task(s) for s in sources])
            workers.submit([task(tmp_path / "bad.png")])
            assert workers.pending() == 4
            results = {t.source.name: r for t, r in workers.results()}
            assert workers.pending() == 0
        assert sorted(results) == ["0.png", "1.png", "2.png", "bad.png"]
        assert results["bad.png"].error.startswith("cannot be decoded")
        assert all(results[f"{i}.png"] == TaskResult(1) for i in range(3))
        for i in range(3):
            assert Image.open(tmp_path / f"{i}.webp").size == (50, 25)
            (tmp_path / f"{i}.webp").unlink()


def test_planning_many_images_probes_them_on_threads_alike(tmp_path: Path) -> None:
    from garden.build import StageTimer, load_config, read_vault
    from garden.diagnostics import Reporter
    from garden.images import ImageCache, ImageSettings, plan_tasks
    from garden.places import cache_root, site_cache
    from garden.publish import filter_published

    files: dict[str, str | bytes] = {f"i{i}.png": png(100 + i, 50) for i in range(24)}
    files["A.md"] = "\n".join(f"![[i{i}.png|{40 + i}]]" for i in range(24)) + "\n"
    vault = make_vault(tmp_path / "v", files)
    config, _ = load_config(vault, None)
    read = read_vault(vault, config, Reporter(), StageTimer({}))
    assert read is not None
    everything = read.everything
    published, _ = filter_published(everything)
    cache = ImageCache(site_cache(cache_root(), vault, tmp_path / "site"))
    tasks = plan_tasks(published, cache, ImageSettings())
    widths = {t.source.name: sorted(o.width for o in t.outputs) for t in tasks}
    assert widths == {f"i{i}.png": [40 + i, min(80 + 2 * i, 100 + i)] for i in range(24)}
