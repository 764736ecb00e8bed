#!/usr/bin/env bash
# `evmatch checksum` and `evmatch verify` on the AWS-recorded 3-part object
# (SPEC D.2/D.4: two parts of 5,242,881 'a', then 10 'a'). Output, stderr
# and exit codes. Usage: integrity_cli_test.sh EVMATCH_BINARY
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

obj="$work/object"
head -c 10485772 /dev/zero | tr '\0' a >"$obj"
printf data >"$work/data"
etag=4d45984fc3feb2ac9b22683c49674b56-3

expect "single-part crc32" 0 \
  '{"ETag":"\"8d777f385d3dfec8815d20f7496026dc\"","ContentMD5":"jXd/OF09/siBXSD3SWAm3A==","ChecksumCRC32":"rfPzYw==","ChecksumType":"FULL_OBJECT","ContentLength":4}' "" -- \
  checksum --algorithm crc32 "$work/data"
expect "multipart crc32 composite" 0 \
  "{\"ETag\":\"\\\"$etag\\\"\",\"ChecksumCRC32\":\"5FRUiw==-3\",\"ChecksumType\":\"COMPOSITE\",\"PartsCount\":3,\"ContentLength\":10485772}" "" -- \
  checksum --algorithm crc32 --part-size 5242881 "$obj"
expect "multipart crc32c full-object, 2 threads" 0 \
  "{\"ETag\":\"\\\"$etag\\\"\",\"ChecksumCRC32C\":\"eTdAQA==\",\"ChecksumType\":\"FULL_OBJECT\",\"PartsCount\":3,\"ContentLength\":10485772}" "" -- \
  checksum --algorithm CRC32C --part-size 5242881 --type full-object --threads 2 "$obj"
expect "multipart crc64nvme defaults to full-object" 0 \
  "{\"ETag\":\"\\\"$etag\\\"\",\"ChecksumCRC64NVME\":\"ZMNX55lZurA=\",\"ChecksumType\":\"FULL_OBJECT\",\"PartsCount\":3,\"ContentLength\":10485772}" "" -- \
  checksum --algorithm crc64nvme --part-size 5242881 "$obj"
expect "crc64nvme composite refused" 2 '' \
  'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.' -- \
  checksum --algorithm crc64nvme --part-size 5242881 --type composite "$obj"
expect "part size too small" 2 '' 'S3 refuses a part size of 1048576 bytes' -- \
  checksum --algorithm md5 --part-size 1MiB "$obj"
expect "unknown algorithm" 2 '' "Unknown checksum algorithm 'crc16'" -- \
  checksum --algorithm crc16 "$obj"

expect "verify: inferred part size cannot tell" 2 \
  "cannot tell: none of the part sizes tried (5242880 bytes) reproduces the ETag; give the upload's part size" "" -- \
  verify "$obj" --etag "$etag"
expect "verify: match with part size and checksum" 0 \
  'match: ETag matches with parts of 5242881 bytes; SHA256 matches' "" -- \
  verify "$obj" --etag "\"$etag\"" --part-size 5242881 \
  --checksum-sha256 '9o++y6AejqboiJ7MZCx0fahK2Vu5YC/qnNhhYsCLciI=-3'
expect "verify: checksum mismatch" 1 \
  'mismatch: CRC32 of the object in 3 parts is 5FRUiw==-3 or 5FRUiw== or qSEQSA==, S3 reports 5FRUiw==-2' "" -- \
  verify "$obj" --etag "$etag" --part-size 5242881 --checksum-crc32 '5FRUiw==-2'
expect "verify: single-part mismatch" 1 \
  'mismatch: MD5 of the object is 8d777f385d3dfec8815d20f7496026dc, the ETag is 00000000000000000000000000000000' "" -- \
  verify "$work/data" --etag 00000000000000000000000000000000
expect "verify: SSE-KMS cannot tell" 2 \
  'cannot tell: the ETag of an SSE-KMS or SSE-C object is not the MD5 of its bytes' "" -- \
  verify "$work/data" --etag 8d777f385d3dfec8815d20f7496026dc --sse kms
expect "verify: missing file" 2 '' 'cannot tell: cannot open' -- \
  verify "$work/missing" --etag 8d777f385d3dfec8815d20f7496026dc
expect "verify: no etag" 2 '' '--etag is required' -- verify "$work/data"

finish integrity_cli_test
