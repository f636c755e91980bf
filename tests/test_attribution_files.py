"""Fault injection: hostile and damaged classifier files are one line, exit 2, never a traceback.

Each crafted file is loaded through :func:`load_classifier` (one
ProvenanceError line) and through ``provenance attribute`` (exit status 2,
one line on stderr, no traceback). A valid file is loaded by the same helpers
first, so the checks cannot pass by refusing everything.
"""

from __future__ import annotations

import json
import pickle
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio

from detector.attribution import (
    MAX_EXPANSION,
    TRUSTED_TYPES,
    load_classifier,
    save_classifier,
    storage,
    train,
)
from detector.cli import main
from detector.errors import ProvenanceError
from detector.features import FeatureOptions, Features
from tests.test_attribution import synth


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, Any]:
    """A real classifier file, its loaded state, and a corpus file to attribute."""
    folder = tmp_path_factory.mktemp("files")
    corpus = synth(3, 24)
    clf, _ = train(
        corpus,
        channels="lexical,style",
        n_folds=3,
        options=FeatureOptions(cache_dir=folder / "cache"),
    )
    path = save_classifier(clf, folder / "valid.skops")
    data = folder / "data.csv"
    corpus.df.to_csv(data, index=False)
    return {"path": path, "blob": path.read_bytes(), "data": data, "folder": folder}


def state_of(valid: dict[str, Any]) -> dict[str, Any]:
    return sio.loads(valid["blob"], trusted=TRUSTED_TYPES)


def write_state(tmp_path: Path, state: dict[str, Any], name: str = "crafted.skops") -> Path:
    path = tmp_path / name
    path.write_bytes(sio.dumps(state, compression=zipfile.ZIP_DEFLATED))
    return path


def refused(path: Path, valid: dict[str, Any], capsys, match: str) -> str:
    """Assert one ProvenanceError line from the library and exit 2 with one line from the CLI."""
    with pytest.raises(ProvenanceError) as exc:
        load_classifier(path)
    message = str(exc.value)
    assert "\n" not in message and match in message, message
    assert str(path) in message
    code = main(["attribute", str(path), str(valid["data"]), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("provenance: error:"), err
    assert "Traceback" not in err and match in err
    return message


def test_the_valid_file_loads(valid, capsys):
    clf = load_classifier(valid["path"])
    assert clf.models == ["alpha", "beta", "gamma"]
    assert main(["attribute", str(valid["path"]), str(valid["data"]), "--no-progress"]) == 0
    capsys.readouterr()


# ------------------------------------------------------------------ archives
def _bomb_member(archive: zipfile.ZipFile, name: str, megabytes: int) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        chunk = b"\0" * 1024**2
        for _ in range(megabytes):
            member.write(chunk)


def test_decompression_bomb_is_refused_before_skops_reads_it(valid, tmp_path, capsys, monkeypatch):
    path = tmp_path / "bomb.skops"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(valid["path"]) as real:
            for info in real.infolist():
                archive.writestr(info.filename, real.read(info.filename))
        _bomb_member(archive, "0.npy", 100)
    assert path.stat().st_size < 1024**2  # a small file ...
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert declared > 100 * 1024**2  # ... that would decompress past 100 MiB
    calls: list[str] = []
    monkeypatch.setattr(sio, "get_untrusted_types", lambda **kw: calls.append("types") or [])
    monkeypatch.setattr(sio, "loads", lambda *a, **kw: calls.append("loads"))
    refused(path, valid, capsys, "decompression bomb")
    assert calls == []  # refused from the zip directory alone


def test_bomb_in_the_schema_member_is_refused(valid, tmp_path, capsys):
    path = tmp_path / "schema-bomb.skops"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _bomb_member(archive, "schema.json", 80)
    refused(path, valid, capsys, "decompression bomb")


def test_expansion_limit_scales_with_the_file(valid):
    # a real classifier expands about 1.5 times; the limit is MAX_EXPANSION times the file
    declared = sum(i.file_size for i in zipfile.ZipFile(valid["path"]).infolist())
    assert declared < MAX_EXPANSION * len(valid["blob"])
    storage.check_archive(valid["blob"], "x")  # no error


def _terms_bomb(valid: dict[str, Any], path: Path, declared_mib: float) -> Path:
    """Field case 13: the terms member rewritten as one two-letter line repeated (``ab``),
    declaring ``declared_mib``; every declared size within the archive limits."""
    with zipfile.ZipFile(valid["path"]) as real:
        schema = json.loads(real.read("schema.json"))
        member = schema["content"]["terms_utf8"]["file"]
        n = int(declared_mib * 1024**2) // 3 * 3
        header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({n},), }}"
        header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
        npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
        with zipfile.ZipFile(path, "w") as out:
            for info in real.infolist():
                data = npy + b"ab\n" * (n // 3) if info.filename == member else real.read(info)
                out.writestr(info.filename, data, zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def test_a_terms_bomb_within_the_size_limits_is_refused_with_bounded_memory(
    valid, tmp_path, capsys
):
    """Issue 24, field case 13: the terms were split into Python strings before their number
    was checked (a 0.11 MiB file took 2 GB); now they are counted in their bytes first, so
    loading allocates a small multiple of what the archive declares, itself bounded by the
    file size (or the floor for a small file)."""
    import tracemalloc

    path = _terms_bomb(valid, tmp_path / "terms-bomb.skops", 7)  # under the 8 MiB floor
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert declared < storage.EXPANSION_FLOOR_BYTES and path.stat().st_size < 1024**2 / 4
    storage.check_archive(path.read_bytes(), "x")  # the archive limits let it through ...
    tracemalloc.start()
    try:
        with pytest.raises(ProvenanceError, match=r"2,446,678 terms for an n-gram block"):
            load_classifier(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # ... and what is read stays near what is declared: 2.4M Python strings took ~150 MB
    assert peak < 4 * storage.EXPANSION_FLOOR_BYTES, f"{peak / 1024**2:.0f} MiB"
    refused(path, valid, capsys, "terms for an n-gram block")
    # the same bomb at the old limits (50 times the file, a 64 MiB floor) is refused unread
    big = _terms_bomb(valid, tmp_path / "floor.skops", 60)
    refused(big, valid, capsys, "decompression bomb")


def test_a_file_cannot_claim_more_terms_than_its_size_holds(valid, tmp_path, capsys, monkeypatch):
    clf = load_classifier(valid["path"])
    assert len(clf.terms_) * storage.MIN_BYTES_PER_TERM < len(valid["blob"])  # a real file fits
    monkeypatch.setattr(storage, "MIN_BYTES_PER_TERM", len(valid["blob"]))  # one term at most
    refused(valid["path"], valid, capsys, "a file this size holds at most 1")


def test_lying_member_size_cannot_inflate(valid, tmp_path, capsys):
    """A member declaring fewer bytes than it holds: zipfile stops at the declared size."""
    blob = bytearray(valid["blob"])
    with zipfile.ZipFile(valid["path"]) as real:
        info = max(real.infolist(), key=lambda i: i.file_size)
    # patch the declared size in the local header and the central directory
    struct.pack_into("<I", blob, info.header_offset + 22, 10)
    central = blob.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", blob, central + 28)[0]
        if bytes(blob[central + 46 : central + 46 + name_len]).decode() == info.filename:
            struct.pack_into("<I", blob, central + 24, 10)
            break
        central = blob.find(b"PK\x01\x02", central + 4)
    path = tmp_path / "lying.skops"
    path.write_bytes(bytes(blob))
    assert zipfile.ZipFile(path).getinfo(info.filename).file_size == 10
    refused(path, valid, capsys, "not a provenance classifier")


def test_too_many_members_are_refused(valid, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(storage, "MAX_MEMBERS", 20)
    path = tmp_path / "many.skops"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(21):
            archive.writestr(f"{i}.npy", b"")
    refused(path, valid, capsys, "members")


def test_oversized_file_is_refused_unread(valid, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(storage, "MAX_FILE_BYTES", 1000)
    refused(valid["path"], valid, capsys, "larger than any classifier")


def test_truncated_zip(valid, tmp_path, capsys):
    path = tmp_path / "truncated.skops"
    path.write_bytes(valid["blob"][: len(valid["blob"]) // 2])
    refused(path, valid, capsys, "not a skops archive")


def test_broken_schema_json(valid, tmp_path, capsys):
    path = tmp_path / "schema.skops"
    with zipfile.ZipFile(path, "w") as archive, zipfile.ZipFile(valid["path"]) as real:
        for info in real.infolist():
            data = b'{"__class__": "dict", "content": {' if info.filename == "schema.json" else None
            archive.writestr(info.filename, data or real.read(info.filename))
    refused(path, valid, capsys, "not a skops archive")


def test_pickle_file_runs_nothing(valid, tmp_path, capsys):
    sentinel = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
            return (Path.touch, (sentinel,))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Payload()))
    refused(path, valid, capsys, "not a skops archive")
    assert not sentinel.exists()


def test_skops_file_with_untrusted_types(valid, tmp_path, capsys):
    path = write_state(tmp_path, {"format": "provenance-attribution-classifier", "x": Features})
    refused(path, valid, capsys, "outside the trusted list")


# ------------------------------------------------------------------ inconsistent contents
def _params(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(state["params_json"])


def _set_params(state: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    params = _params(state)
    change(params)
    state["params_json"] = json.dumps(params)


def _svm(state: dict[str, Any], channel: str) -> Any:
    return state["pipelines"][channel].named_steps["svm"]


def _drop_class(p: dict[str, Any]) -> None:
    p["classes"] = p["classes"][:-1]


def _widen_style(p: dict[str, Any]) -> None:
    p["blocks"][1][1] += 1


def _unknown_channel(p: dict[str, Any]) -> None:
    p["blocks"][1][0] = "vibes"


def _swap_blocks(p: dict[str, Any]) -> None:
    p["blocks"].reverse()


def _drop_param(p: dict[str, Any]) -> None:
    del p["classes"]


def _short_style_names(p: dict[str, Any]) -> None:
    p["feature_names"]["style"] = p["feature_names"]["style"][:-1]


def _narrow_coef(s: dict[str, Any]) -> None:
    svm = _svm(s, "style")
    svm.coef_ = svm.coef_[:, :-1]


def _nan_coef(s: dict[str, Any]) -> None:
    _svm(s, "lexical").coef_[0, 0] = np.nan


def _short_idf(s: dict[str, Any]) -> None:
    scaler = s["pipelines"]["lexical"].named_steps["blocks"]
    scaler.idf_["lexical"] = scaler.idf_["lexical"][:-1]


def _combiner_shape(s: dict[str, Any]) -> None:
    s["combiner"].coef_ = s["combiner"].coef_[:, :-1]


def _relabel_svm(s: dict[str, Any]) -> None:
    _svm(s, "style").classes_ = np.array(["alpha", "beta", "omega"])


def _short_terms(s: dict[str, Any]) -> None:
    terms = bytes(s["terms_utf8"]).decode().split("\n")[:-1]
    s["terms_utf8"] = np.frombuffer("\n".join(terms).encode(), dtype=np.uint8)


def _bad_utf8(s: dict[str, Any]) -> None:
    raw = s["terms_utf8"].copy()  # as many terms as the block, one byte not UTF-8
    raw[0] = 0xFF
    s["terms_utf8"] = raw


def _rename_pipeline(s: dict[str, Any]) -> None:
    s["pipelines"] = {"identity": s["pipelines"]["style"], "lexical": s["pipelines"]["lexical"]}


def _swap_steps(s: dict[str, Any]) -> None:
    s["pipelines"]["style"] = s["pipelines"]["lexical"]


def _meta_models(s: dict[str, Any]) -> None:
    meta = json.loads(s["metadata_json"])
    meta["models"] = ["alpha", "beta"]
    s["metadata_json"] = json.dumps(meta)


def _meta_thresholds(s: dict[str, Any]) -> None:
    meta = json.loads(s["metadata_json"])
    meta["open_set"]["thresholds"]["alpha"] = 7
    s["metadata_json"] = json.dumps(meta)


def _meta_quantiles(s: dict[str, Any]) -> None:
    meta = json.loads(s["metadata_json"])
    meta["open_set"]["quantiles"]["*"] = meta["open_set"]["quantiles"]["*"][::-1]
    s["metadata_json"] = json.dumps(meta)


INCONSISTENT: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "params_json broken": (lambda s: s.update(params_json="{broken"), "not valid JSON"),
    "metadata_json broken": (lambda s: s.update(metadata_json='{"a": '), "not valid JSON"),
    "metadata_json not an object": (lambda s: s.update(metadata_json="[]"), "not a JSON object"),
    "params_json not text": (lambda s: s.update(params_json=np.zeros(3)), "not text"),
    "missing combiner": (lambda s: s.pop("combiner"), "missing member(s) combiner"),
    "missing terms": (lambda s: s.pop("terms_utf8"), "missing member(s) terms_utf8"),
    "missing params key": (lambda s: _set_params(s, _drop_param), "lacks classes"),
    "classes mismatch": (lambda s: _set_params(s, _drop_class), "classes"),
    "block wider than model": (lambda s: _set_params(s, _widen_style), "style"),
    "unknown channel": (lambda s: _set_params(s, _unknown_channel), "'vibes' is not a channel"),
    "blocks out of order": (lambda s: _set_params(s, _swap_blocks), "out of order"),
    "feature names short": (lambda s: _set_params(s, _short_style_names), "feature names"),
    "coefficients narrower": (_narrow_coef, "coefficients: shape"),
    "NaN coefficients": (_nan_coef, "NaN"),
    "idf short": (_short_idf, "idf: shape"),
    "combiner shape": (_combiner_shape, "combiner coefficients"),
    "svm classes differ": (_relabel_svm, "classes differ"),
    "terms short": (_short_terms, "terms for an n-gram block"),
    "terms not UTF-8": (_bad_utf8, "not UTF-8"),
    "pipelines renamed": (_rename_pipeline, "not those of the blocks"),
    "pipeline of another block": (_swap_steps, "scaler's block"),
    "metadata models differ": (_meta_models, "metadata's models"),
    "abstain threshold not a probability": (_meta_thresholds, "abstain threshold"),
    "quantiles falling": (_meta_quantiles, "quantiles"),
    "version not a number": (lambda s: s.update(format_version="one"), "not a version"),
}


@pytest.mark.parametrize("fault", list(INCONSISTENT))
def test_inconsistent_file_is_one_line(fault, valid, tmp_path, capsys):
    change, match = INCONSISTENT[fault]
    state = state_of(valid)
    change(state)
    path = write_state(tmp_path, state)
    message = refused(path, valid, capsys, match)
    assert "damaged or inconsistent classifier file" in message


def test_format_from_the_future(valid, tmp_path, capsys):
    state = state_of(valid)
    state["format_version"] = 99
    refused(write_state(tmp_path, state), valid, capsys, "newer than this provenance")


def test_other_skops_file(valid, tmp_path, capsys):
    path = write_state(tmp_path, {"something": 1})
    refused(path, valid, capsys, "not one provenance train wrote")
