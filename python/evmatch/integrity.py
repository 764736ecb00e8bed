"""S3 object integrity: ETags and checksums as S3 computes and reports them.

    from evmatch import integrity

    integrity.checksum("photo.jpg", "CRC64NVME")
    # {'ETag': '"..."', 'ContentMD5': '...', 'ChecksumCRC64NVME': '...', ...}
    integrity.verify("backup.tar", '"...-12"', checksum=("CRC32C", "...-12"))

A source is a path (str or os.PathLike) or the object's bytes. Errors S3 would
answer with a code raise evmatch.AwsError (`code`: "InvalidDigest", ...).
"""

from evmatch import _evmatch

if not hasattr(_evmatch, "integrity"):  # built with EVMATCH_BUILD_INTEGRITY=OFF
    raise ImportError(
        "this evmatch was built without its integrity module (EVMATCH_BUILD_INTEGRITY)"
    )

Verification = _evmatch.integrity.Verification
checksum = _evmatch.integrity.checksum
verify = _evmatch.integrity.verify

__all__ = ["Verification", "checksum", "verify"]

for _name in __all__:
    globals()[_name].__module__ = "evmatch.integrity"
del _name
