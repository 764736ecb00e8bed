// Shared by the files of the _evmatch extension: Python values as JSON text,
// and failed statuses as Python exceptions.
//
// The extension uses only evmatch's public API. Every function here expects
// the GIL to be held.

#ifndef EVMATCH_PYTHON_COMMON_H_
#define EVMATCH_PYTHON_COMMON_H_

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "evmatch/evmatch.h"

namespace evmatch_python {

namespace py = pybind11;

// The UTF-8 JSON text a Python argument stands for: a `str` as its UTF-8
// encoding, a bytes-like object (bytes, bytearray, memoryview) as its bytes,
// read in place, and any other value (dict, list, number, ...) as
// `json.dumps` writes it. The text stays valid while this object lives.
// Raises TypeError for a value that is none of these and ValueError for a
// float JSON cannot carry (NaN, infinity).
class JsonText {
 public:
  explicit JsonText(py::handle value);
  JsonText(JsonText&& other) noexcept;
  JsonText& operator=(JsonText&&) = delete;
  JsonText(const JsonText&) = delete;
  ~JsonText();

  std::string_view view() const { return view_; }

 private:
  py::object owner_;    // the str or the serialised text the view points into
  Py_buffer buffer_{};  // a bytes-like object, held while the view is used
  bool has_buffer_ = false;
  std::string_view view_;
};

// Creates the exception classes and adds them to `module`: Error, and under
// it InvalidEventPatternError, InvalidEventError and AwsError (each also a
// ValueError).
void AddExceptions(py::module_& module);

// Raises the Python exception for a failed `status`:
//   a pattern error  -> InvalidEventPatternError (reason, json_pointer,
//                       offset, rule_name, code)
//   an event error   -> InvalidEventError (reason, offset, code)
//   an AWS answer    -> AwsError (code: AWS's error code)
//   NotFound         -> FileNotFoundError, PermissionDenied -> PermissionError
//   InvalidArgument  -> ValueError, anything else -> Error (code)
[[noreturn]] void Raise(const absl::Status& status);

// Raises `instance`, an exception object.
[[noreturn]] void RaiseObject(py::object instance);

// The InvalidEventPatternError for a pattern `status`, not raised.
py::object PatternErrorObject(const absl::Status& status);

// The InvalidEventError a Match call answering `status` raises; `offset` is
// the event's byte offset in its input.
py::object MatchErrorObject(evmatch::MatchStatus status, size_t offset);

// Adds a rules argument to `rules`: a mapping from rule name to a pattern or
// a list of patterns (each as JsonText reads it), or the text of a rules
// document. With `errors == nullptr` the first invalid pattern raises and
// nothing more is added; otherwise every invalid pattern appends its status
// and the valid ones are added.
void AddRules(py::handle value, evmatch::RuleSet& rules, std::vector<absl::Status>* errors);

}  // namespace evmatch_python

#endif  // EVMATCH_PYTHON_COMMON_H_
