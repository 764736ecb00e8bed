"""S3 event notifications: configurations validated and routed as S3 does.

    from evmatch import s3

    config = s3.NotificationConfiguration(body)    # raises evmatch.AwsError
    for routed in config.route_message(sqs_message_body):
        print(routed["key"], routed["configurations"])

Keys in records are URL-encoded (encode_key / decode_key); filters compare
the encoded form, as S3 does.
"""

from evmatch import _evmatch

if not hasattr(_evmatch, "s3"):  # built with EVMATCH_BUILD_S3=OFF
    raise ImportError("this evmatch was built without its S3 module (EVMATCH_BUILD_S3)")

Configuration = _evmatch.s3.Configuration
NotificationConfiguration = _evmatch.s3.NotificationConfiguration
compare_sequencers = _evmatch.s3.compare_sequencers
decode_key = _evmatch.s3.decode_key
encode_key = _evmatch.s3.encode_key
event_names = _evmatch.s3.event_names
records = _evmatch.s3.records

__all__ = [
    "Configuration",
    "NotificationConfiguration",
    "compare_sequencers",
    "decode_key",
    "encode_key",
    "event_names",
    "records",
]

for _name in __all__:
    globals()[_name].__module__ = "evmatch.s3"
del _name
