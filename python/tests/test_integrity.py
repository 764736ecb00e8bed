"""evmatch.integrity gives the answers `evmatch checksum` and `evmatch verify` give."""

import json
import pathlib
import random
import subprocess

import pytest

import evmatch

integrity = pytest.importorskip("evmatch.integrity")

MIB = 1 << 20


@pytest.fixture
def object_file(tmp_path):
    rng = random.Random(3)
    data = rng.randbytes(11 * MIB + 5)
    path = tmp_path / "object.bin"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("algorithm,part_size,checksum_type", [
    ("md5", 0, None),
    ("CRC32", 0, None),
    ("crc32c", 5 * MIB, None),
    ("crc32c", 5 * MIB, "FULL_OBJECT"),
    ("crc64nvme", 8 * MIB, None),
    ("sha256", 5 * MIB, "COMPOSITE"),
    ("SHA1", 0, None),
])
def test_checksum_equals_the_cli(cli, object_file, algorithm, part_size, checksum_type):
    path, data = object_file
    command = [cli, "checksum", str(path), "--algorithm", algorithm]
    if part_size:
        command += ["--part-size", str(part_size)]
    if checksum_type:
        command += ["--type", checksum_type.lower().replace("_", "-")]
    printed = json.loads(subprocess.run(command, check=True, capture_output=True,
                                        text=True).stdout)
    options = {"part_size": part_size, "checksum_type": checksum_type}
    assert integrity.checksum(path, algorithm, **options) == printed
    assert integrity.checksum(str(path), algorithm, threads=2, **options) == printed
    assert integrity.checksum(data, algorithm, **options) == printed
    assert integrity.checksum(memoryview(data), algorithm, **options) == printed


def test_known_values():
    assert integrity.checksum(b"data", "crc32") == {
        "ETag": '"8d777f385d3dfec8815d20f7496026dc"', "ContentMD5": "jXd/OF09/siBXSD3SWAm3A==",
        "ChecksumCRC32": "rfPzYw==", "ChecksumType": "FULL_OBJECT", "ContentLength": 4}


def test_verify(object_file):
    path, data = object_file
    report = integrity.checksum(data, "crc32c", part_size=5 * MIB)
    etag = report["ETag"]
    for source in (path, data):
        v = integrity.verify(source, etag, checksum=("CRC32C", report["ChecksumCRC32C"]))
        assert v and v.verdict == "match" and v.part_size == 5 * MIB
        assert "ETag matches" in v.reason
    changed = bytearray(data)
    changed[7] ^= 1
    v = integrity.verify(bytes(changed), etag, part_size=5 * MIB)
    assert not v and v.verdict == "mismatch"
    v = integrity.verify(b"data", "8d777f385d3dfec8815d20f7496026dc", sse="kms")
    assert v.verdict == "cannot_tell"
    with pytest.raises(ValueError):
        integrity.verify(b"data", "not an etag")
    with pytest.raises(ValueError):
        integrity.verify(b"data", "8d777f385d3dfec8815d20f7496026dc", sse="aes")


def test_errors():
    with pytest.raises(FileNotFoundError):
        integrity.checksum(pathlib.Path("/nonexistent/evmatch/object"), "md5")
    with pytest.raises(ValueError):
        integrity.checksum(b"x", "md6")
    with pytest.raises(ValueError):
        integrity.checksum(b"x" * (6 * MIB), "md5", part_size=1024)  # parts under 5 MiB
    with pytest.raises(evmatch.AwsError) as raised:
        integrity.checksum(b"x", "crc64nvme", part_size=5 * MIB, checksum_type="COMPOSITE")
    assert raised.value.code == "InvalidRequest"
    with pytest.raises(TypeError):
        integrity.checksum(12, "md5")
