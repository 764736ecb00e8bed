"""evmatch.s3 gives the answers `evmatch s3 ...` gives."""

import json
import subprocess

import pytest

import evmatch
from conftest import REPO

s3 = pytest.importorskip("evmatch.s3")

EXAMPLE = REPO / "examples" / "s3-notifications"


def test_route_message_equals_the_cli(cli):
    config = s3.NotificationConfiguration((EXAMPLE / "notification.json").read_text())
    routed = []
    for line in (EXAMPLE / "messages.ndjson").read_text().splitlines():
        routed += config.route_message(line)
    printed = subprocess.run(
        [cli, "s3", "route", "--config", str(EXAMPLE / "notification.json"),
         "--events", str(EXAMPLE / "messages.ndjson")],
        check=True, capture_output=True, text=True).stdout.splitlines()
    expected = [json.loads(line) for line in printed]
    for entry in expected:
        del entry["line"]
    assert routed == expected
    assert [r["configurations"] for r in routed] == [["thumbnails"], [], ["audit-deletes"], []]


def test_configuration_objects():
    config = s3.NotificationConfiguration(json.loads((EXAMPLE / "notification.json").read_text()))
    assert config.eventbridge is True
    [thumbnails, audit] = config.configurations
    assert (thumbnails.id, thumbnails.type, thumbnails.prefix, thumbnails.suffix) == (
        "thumbnails", "queue", "photos/", ".jpg")
    assert thumbnails.arn == "arn:aws:sqs:us-east-1:123456789012:thumbnail-jobs"
    assert thumbnails.events == ["s3:ObjectCreated:*"]
    assert (audit.id, audit.type) == ("audit-deletes", "lambda")
    assert config.route("ObjectCreated:Put", "photos/a.jpg").id == "thumbnails"
    assert config.route("ObjectCreated:Put", "videos/a.jpg") is None
    assert config.route("ObjectRemoved:Delete", "anything").id == "audit-deletes"
    assert config.route("NotAnEvent", "photos/a.jpg") is None
    assert thumbnails.matches("ObjectCreated:Copy", "photos/x.jpg")
    pattern = thumbnails.eventbridge_pattern("media")
    assert evmatch.test_event_pattern(pattern, {
        "source": "aws.s3", "detail-type": "Object Created",
        "detail": {"bucket": {"name": "media"}, "object": {"key": "photos/red flower.jpg"}}})


def test_invalid_configurations_raise_s3_errors():
    overlapping = {"QueueConfigurations": [
        {"Id": "a", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"]},
        {"Id": "b", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:Put"]},
    ]}
    with pytest.raises(evmatch.AwsError) as raised:
        s3.NotificationConfiguration(overlapping)
    assert raised.value.code == "InvalidArgument"
    assert str(raised.value).startswith("InvalidArgument: Configuration is ambiguously defined.")
    with pytest.raises(evmatch.AwsError) as raised:
        s3.event_names("s3:TestEvent")
    assert raised.value.code == "InvalidArgument"
    with pytest.raises(ValueError):
        s3.NotificationConfiguration("{not json")


def test_records_keys_and_sequencers():
    line = (EXAMPLE / "messages.ndjson").read_text().splitlines()[0]
    [record] = s3.records(line.encode())
    assert record["shape"] == "notification"
    assert record["key"] == "photos/red+flower.jpg"
    assert record["size"] == 1024
    assert record["bucket"] == "media"
    assert s3.decode_key(record["key"]) == "photos/red flower.jpg"
    assert s3.encode_key("photos/red flower.jpg") == record["key"]
    assert s3.encode_key("a+b/é") == "a%2Bb/%C3%A9"
    raw = s3.decode_key("%FF%41")  # not UTF-8: surrogate escapes keep the bytes
    assert raw.encode("utf-8", "surrogateescape") == b"\xffA"
    with pytest.raises(ValueError):
        s3.decode_key("bad%4")
    assert s3.event_names("s3:ObjectRestore:*") == [
        "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete"]
    assert s3.compare_sequencers("0055AED6DCD90281E5", "0055aed6dcd90281e6") < 0
    assert s3.compare_sequencers("0055AED6DCD9028", "0055AED6DCD90280") == 0
    with pytest.raises(ValueError):
        s3.records('{"neither": 1}')
