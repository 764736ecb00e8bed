# Type stubs for evmatch.integrity.
import os
from typing import Literal, Optional, Union

Source = Union[str, os.PathLike[str], bytes, bytearray, memoryview]

class Verification:
    """verify()'s answer; true only for a match."""

    @property
    def verdict(self) -> Literal["match", "mismatch", "cannot_tell"]: ...
    @property
    def reason(self) -> str: ...
    @property
    def part_size(self) -> int: ...
    def __bool__(self) -> bool: ...

def checksum(
    source: Source,
    algorithm: str,
    *,
    part_size: int = 0,
    checksum_type: Optional[Literal["COMPOSITE", "FULL_OBJECT"]] = None,
    threads: int = 1,
) -> dict[str, Union[str, int]]: ...
def verify(
    source: Source,
    etag: str,
    *,
    checksum: Optional[tuple[str, str]] = None,
    part_size: int = 0,
    sse: Literal["none", "s3", "kms", "c"] = "none",
    threads: int = 1,
) -> Verification: ...
