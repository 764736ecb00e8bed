// evmatch.integrity: what S3 reports for an object (ETag, Content-MD5, an
// additional checksum) and whether an object matches what S3 reported.

#include "evmatch/integrity.h"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>

#include "bindings.h"
#include "common.h"

namespace evmatch_python {
namespace {

namespace ei = evmatch::integrity;

// An object given as a path (str or os.PathLike) or as bytes-like data.
class Object {
 public:
  explicit Object(py::handle source) {
    if (PyObject_CheckBuffer(source.ptr())) {
      data_.emplace(source);
    } else {
      static const py::handle fspath =
          py::object(py::module_::import("os").attr("fspath")).release();
      path_ = fspath(source).cast<std::string>();  // TypeError for anything else
    }
  }

  // Runs HashFile or HashBytes (or the Verify pair) with the GIL released.
  template <typename OnFile, typename OnBytes>
  auto Visit(const OnFile& on_file, const OnBytes& on_bytes) const {
    py::gil_scoped_release release;
    return data_ ? on_bytes(data_->view()) : on_file(path_);
  }

 private:
  std::optional<JsonText> data_;
  std::string path_;
};

ei::Algorithm ParseAlgorithm(std::string_view name) {
  absl::StatusOr<ei::Algorithm> algorithm = ei::ParseAlgorithm(name);
  if (!algorithm.ok()) Raise(algorithm.status());
  return *algorithm;
}

py::dict Checksum(py::handle source, std::string_view algorithm_name, uint64_t part_size,
                  std::optional<std::string_view> type_name, unsigned threads) {
  const ei::Algorithm algorithm = ParseAlgorithm(algorithm_name);
  ei::UploadOptions options{.algorithm = algorithm, .part_size = part_size, .threads = threads};
  if (type_name) {
    if (*type_name != "COMPOSITE" && *type_name != "FULL_OBJECT") {
      throw py::value_error("checksum_type must be \"COMPOSITE\" or \"FULL_OBJECT\"");
    }
    options.type =
        *type_name == "COMPOSITE" ? ei::ChecksumType::kComposite : ei::ChecksumType::kFullObject;
  }
  const Object object(source);
  absl::StatusOr<ei::UploadReport> report =
      object.Visit([&](const std::string& path) { return ei::ReportFile(path, options); },
                   [&](std::string_view data) { return ei::ReportBytes(data, options); });
  if (!report.ok()) Raise(report.status());

  py::dict out;
  out["ETag"] = "\"" + report->etag + "\"";
  if (report->content_md5) out["ContentMD5"] = *report->content_md5;
  if (report->checksum) {
    out[py::str("Checksum" + std::string(ei::AlgorithmName(algorithm)))] = *report->checksum;
    out["ChecksumType"] =
        report->checksum_type == ei::ChecksumType::kComposite ? "COMPOSITE" : "FULL_OBJECT";
  }
  if (report->parts > 0) out["PartsCount"] = report->parts;
  out["ContentLength"] = report->content_length;
  return out;
}

ei::Verification Verify(py::handle source, std::string_view etag,
                        std::optional<std::pair<std::string, std::string>> checksum,
                        uint64_t part_size, std::string_view sse, unsigned threads) {
  ei::VerifyOptions options{.part_size = part_size, .threads = threads};
  if (sse == "none") {
    options.encryption = ei::Encryption::kNone;
  } else if (sse == "s3") {
    options.encryption = ei::Encryption::kSseS3;
  } else if (sse == "kms") {
    options.encryption = ei::Encryption::kSseKms;
  } else if (sse == "c") {
    options.encryption = ei::Encryption::kSseC;
  } else {
    throw py::value_error("sse must be \"none\", \"s3\", \"kms\" or \"c\"");
  }
  if (checksum) {
    const ei::Algorithm algorithm = ParseAlgorithm(checksum->first);
    if (algorithm == ei::Algorithm::kMd5) {
      throw py::value_error("the checksum is one of CRC32, CRC32C, CRC64NVME, SHA1, SHA256");
    }
    options.checksum = std::make_pair(algorithm, checksum->second);
  }
  const Object object(source);
  absl::StatusOr<ei::Verification> v =
      object.Visit([&](const std::string& path) { return ei::VerifyFile(path, etag, options); },
                   [&](std::string_view data) { return ei::VerifyBytes(data, etag, options); });
  if (!v.ok()) Raise(v.status());
  return *std::move(v);
}

const char* VerdictName(ei::Verdict verdict) {
  switch (verdict) {
    case ei::Verdict::kMatch:
      return "match";
    case ei::Verdict::kMismatch:
      return "mismatch";
    case ei::Verdict::kCannotTell:
      return "cannot_tell";
  }
  return "";
}

}  // namespace

void AddIntegrity(py::module_& parent) {
  py::module_ module = parent.def_submodule("integrity", "S3 object integrity.");
  py::class_<ei::Verification>(module, "Verification", R"doc(
The answer of verify(): `verdict` is "match", "mismatch" or "cannot_tell";
`reason` is one line a user can act on; `part_size` is the part size that
reproduced a multipart ETag (0 otherwise). True only for a match.)doc")
      .def_property_readonly("verdict",
                             [](const ei::Verification& v) { return VerdictName(v.verdict); })
      .def_readonly("reason", &ei::Verification::reason)
      .def_readonly("part_size", &ei::Verification::part_size)
      .def("__bool__", [](const ei::Verification& v) { return v.verdict == ei::Verdict::kMatch; })
      .def("__repr__", [](const ei::Verification& v) {
        return std::string("<evmatch.integrity.Verification ") + VerdictName(v.verdict) + ": " +
               v.reason + ">";
      });

  module.def("checksum", &Checksum, py::arg("source"), py::arg("algorithm"), py::kw_only(),
             py::arg("part_size") = 0, py::arg("checksum_type") = py::none(),
             py::arg("threads") = 1, R"doc(
What S3 reports for an object uploaded from `source` (a path, str or
os.PathLike, or the bytes themselves), as a dict with S3's field names, the
same as `evmatch checksum` prints: ETag (quoted), ContentMD5 (single part),
Checksum<ALGORITHM> and ChecksumType (unless the algorithm is MD5),
PartsCount (multipart) and ContentLength.

`algorithm` is MD5, SHA1, SHA256, CRC32, CRC32C or CRC64NVME (any case).
part_size > 0 is a multipart upload in parts of that size; checksum_type
("COMPOSITE" or "FULL_OBJECT") defaults to S3's for the algorithm. Parts are
hashed on `threads` threads (0: one per core), without the GIL. A type or
part size S3 refuses raises AwsError or ValueError with S3's reason;
FileNotFoundError and PermissionError as for open().)doc");
  module.def("verify", &Verify, py::arg("source"), py::arg("etag"), py::kw_only(),
             py::arg("checksum") = py::none(), py::arg("part_size") = 0, py::arg("sse") = "none",
             py::arg("threads") = 1, R"doc(
Whether `source` (a path or the bytes) is the object S3 reported with `etag`
(quoted or not) and, optionally, `checksum`: a pair (algorithm, value) such as
("CRC32C", "yZRlqg==-3"), composite or full-object. `part_size` is the
upload's part size when known (else the common ones are tried); `sse` is
"none", "s3", "kms" or "c" (SSE-KMS and SSE-C ETags are not MD5s). Returns a
Verification; raises ValueError for a malformed ETag or checksum.)doc");
}

}  // namespace evmatch_python
