// Python values as JSON text; statuses as Python exceptions.

#include "common.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "evmatch/aws_error.h"

namespace evmatch_python {
namespace {

// The classes AddExceptions created; they live as long as the interpreter.
struct ExceptionClasses {
  PyObject* error = nullptr;
  PyObject* pattern = nullptr;
  PyObject* event = nullptr;
  PyObject* aws = nullptr;
};
ExceptionClasses exceptions;

PyObject* NewException(py::module_& module, const char* name, PyObject* bases, const char* doc) {
  const std::string qualified = std::string("evmatch.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (type == nullptr) throw py::error_already_set();
  module.add_object(name, py::handle(type));  // the module keeps a reference too
  return type;
}

// `type(message)` with the given attributes set.
py::object Instance(PyObject* type, std::string_view message,
                    std::initializer_list<std::pair<const char*, py::object>> attributes) {
  py::object instance =
      py::reinterpret_borrow<py::object>(type)(py::str(message.data(), message.size()));
  for (const auto& [name, value] : attributes) instance.attr(name) = value;
  return instance;
}

py::str CodeName(absl::StatusCode code) { return py::str(absl::StatusCodeToString(code)); }

py::str Text(std::string_view text) { return py::str(text.data(), text.size()); }

}  // namespace

JsonText::JsonText(py::handle value) {
  if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
    if (data == nullptr) throw py::error_already_set();  // lone surrogates
    owner_ = py::reinterpret_borrow<py::object>(value);
    view_ = std::string_view(data, static_cast<size_t>(size));
    return;
  }
  if (PyObject_CheckBuffer(value.ptr())) {
    if (PyObject_GetBuffer(value.ptr(), &buffer_, PyBUF_SIMPLE) != 0) {
      throw py::error_already_set();  // not contiguous
    }
    has_buffer_ = true;
    view_ =
        std::string_view(static_cast<const char*>(buffer_.buf), static_cast<size_t>(buffer_.len));
    return;
  }
  // Held for the life of the interpreter: a static py::object would be
  // released after the interpreter finalised.
  static const py::handle dumps = py::object(py::module_::import("json").attr("dumps")).release();
  py::object text = dumps(value, py::arg("ensure_ascii") = false, py::arg("allow_nan") = false,
                          py::arg("separators") = py::make_tuple(",", ":"));
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  owner_ = std::move(text);
  view_ = std::string_view(data, static_cast<size_t>(size));
}

JsonText::JsonText(JsonText&& other) noexcept
    : owner_(std::move(other.owner_)),
      buffer_(other.buffer_),
      has_buffer_(other.has_buffer_),
      view_(other.view_) {
  other.has_buffer_ = false;
}

JsonText::~JsonText() {
  if (has_buffer_) PyBuffer_Release(&buffer_);
}

void AddExceptions(py::module_& module) {
  exceptions.error =
      NewException(module, "Error", PyExc_Exception,
                   "Base class of evmatch's errors. `code` names the canonical status code\n"
                   "(\"INVALID_ARGUMENT\", \"RESOURCE_EXHAUSTED\", \"DATA_LOSS\", ...).");
  py::tuple value_error =
      py::make_tuple(py::handle(exceptions.error), py::handle(PyExc_ValueError));
  exceptions.pattern =
      NewException(module, "InvalidEventPatternError", value_error.ptr(),
                   "An event pattern EventBridge would refuse. str(error) and `reason` are AWS's\n"
                   "reason text; `json_pointer` (RFC 6901) and `offset` (bytes) locate it in the\n"
                   "pattern text (in a rules document: in the document); `rule_name` names the\n"
                   "rule (\"\" for a lone pattern); `code` is \"INVALID_ARGUMENT\", or\n"
                   "\"RESOURCE_EXHAUSTED\" for a limit.");
  exceptions.event =
      NewException(module, "InvalidEventError", value_error.ptr(),
                   "An event that is not a JSON object EventBridge would accept: malformed JSON,\n"
                   "invalid UTF-8, not an object, too large or too deep. `reason` says which;\n"
                   "`offset` is a byte offset into the event (into the input for NDJSON).");
  exceptions.aws = NewException(
      module, "AwsError", value_error.ptr(),
      "A request AWS would refuse with a named error. `code` is AWS's error code\n"
      "(\"InvalidDigest\", \"BadDigest\", \"InvalidArgument\", ...); str(error) reads\n"
      "\"<code>: <AWS's text>\".");
}

void RaiseObject(py::object instance) {
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
  throw py::error_already_set();
}

py::object PatternErrorObject(const absl::Status& status) {
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(status);
  if (!error) return py::none();
  return Instance(exceptions.pattern, error->reason,
                  {{"reason", Text(error->reason)},
                   {"json_pointer", Text(error->json_pointer)},
                   {"offset", py::int_(error->offset)},
                   {"rule_name", Text(error->rule_name)},
                   {"code", CodeName(status.code())}});
}

py::object MatchErrorObject(evmatch::MatchStatus status, size_t offset) {
  const absl::Status as_status = evmatch::ToStatus(status);
  return Instance(exceptions.event, std::string(as_status.message()),
                  {{"reason", py::str(evmatch::MatchStatusName(status))},
                   {"offset", py::int_(offset)},
                   {"code", CodeName(as_status.code())}});
}

void Raise(const absl::Status& status) {
  if (evmatch::GetPatternError(status)) RaiseObject(PatternErrorObject(status));
  if (std::optional<evmatch::EventError> event = evmatch::GetEventError(status)) {
    RaiseObject(Instance(exceptions.event, std::string(status.message()),
                         {{"reason", Text(event->reason)},
                          {"offset", py::int_(event->offset)},
                          {"code", CodeName(status.code())}}));
  }
  if (std::optional<evmatch::AwsError> aws = evmatch::GetAwsError(status)) {
    RaiseObject(
        Instance(exceptions.aws, std::string(status.message()), {{"code", py::str(aws->code)}}));
  }
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      PyErr_SetString(PyExc_FileNotFoundError, message.c_str());
      throw py::error_already_set();
    case absl::StatusCode::kPermissionDenied:
      PyErr_SetString(PyExc_PermissionError, message.c_str());
      throw py::error_already_set();
    case absl::StatusCode::kInvalidArgument:
      PyErr_SetString(PyExc_ValueError, message.c_str());
      throw py::error_already_set();
    default:
      RaiseObject(Instance(exceptions.error, message, {{"code", CodeName(status.code())}}));
  }
}

void AddRules(py::handle value, evmatch::RuleSet& rules, std::vector<absl::Status>* errors) {
  auto add = [&](const std::string& name, py::handle pattern) {
    JsonText text(pattern);
    absl::Status status = rules.Add(name, text.view());
    if (status.ok()) return;
    if (errors == nullptr) Raise(status);
    errors->push_back(std::move(status));
  };
  if (PyDict_Check(value.ptr())) {
    for (const auto& [key, patterns] : py::reinterpret_borrow<py::dict>(value)) {
      if (!PyUnicode_Check(key.ptr())) throw py::type_error("rule names must be str");
      const std::string name = key.cast<std::string>();
      if (PyList_Check(patterns.ptr()) || PyTuple_Check(patterns.ptr())) {
        if (py::len(patterns) == 0) {
          throw py::value_error("rule '" + name + "' has an empty list of patterns");
        }
        for (py::handle pattern : patterns) add(name, pattern);
      } else {
        add(name, patterns);
      }
    }
    return;
  }
  if (!PyUnicode_Check(value.ptr()) && !PyObject_CheckBuffer(value.ptr())) {
    throw py::type_error(
        "rules must be a dict (name -> pattern or list of patterns) or the "
        "JSON text of a rules document (str or bytes)");
  }
  JsonText text(value);
  absl::Status status = rules.AddRules(text.view(), errors);
  if (!status.ok() && (errors == nullptr || errors->empty())) Raise(status);
}

}  // namespace evmatch_python
