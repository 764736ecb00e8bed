// The native matcher behind evmatch.Matcher: one compiled evmatch::Matcher,
// a pool of scratches (one per thread in use), and the rule names as Python
// strings made once.
//
// match() holds the GIL: one event costs less than releasing it would.
// A batch of events from an iterable is converted under the GIL, then matched
// on `threads` threads, each with its own scratch, with the GIL released.
// NDJSON is matched in place, a chunk ahead of what Python consumes
// (NdjsonJob).

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindings.h"
#include "common.h"

namespace evmatch_python {
namespace {

// Copies `text` into `buffer` with kPadding readable bytes after it; returns
// the capacity to pass to Match.
size_t CopyPadded(std::string_view text, std::string& buffer) {
  buffer.reserve(text.size() + evmatch::kPadding);
  buffer.assign(text);
  return buffer.capacity();
}

// What one event matched: rule ids [begin, end) of its thread's `ids`.
struct Outcome {
  evmatch::MatchStatus status = evmatch::MatchStatus::kOk;
  size_t offset = 0;  // byte offset in the input (NDJSON)
  size_t begin = 0, end = 0;
};

// The outcomes of one piece of a batch. Aligned to a cache line: pieces next
// to each other are written by different threads.
struct alignas(64) Share {
  std::vector<Outcome> outcomes;
  std::vector<evmatch::RuleId> ids;
  evmatch::MatchStatus batch_status = evmatch::MatchStatus::kOk;

  void Clear() {
    outcomes.clear();
    ids.clear();
    batch_status = evmatch::MatchStatus::kOk;
  }
  void Add(evmatch::MatchStatus status, size_t offset, absl::Span<const evmatch::RuleId> matched) {
    outcomes.push_back({status, offset, ids.size(), ids.size() + matched.size()});
    ids.insert(ids.end(), matched.begin(), matched.end());
  }
};

// What one thread of a call uses, kept between calls so that a batch reuses
// warm memory: a scratch, the padded copy of the event being matched, and
// the outcomes of the thread's share.
struct Slot {
  evmatch::Scratch scratch;
  std::string buffer;
  Share share;
};

// Runs `work(t)` for t in [0, threads) on `threads` threads (the caller's
// one among them) and waits for all.
template <typename Work>
void RunThreads(size_t threads, const Work& work) {
  std::vector<std::thread> others;
  others.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) others.emplace_back([&work, t] { work(t); });
  work(0);
  for (std::thread& thread : others) thread.join();
}

class NativeMatcher {
 public:
  NativeMatcher(py::handle rules) {
    evmatch::RuleSet set;
    AddRules(rules, set, nullptr);
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(set);
    if (!matcher.ok()) Raise(matcher.status());
    matcher_ = std::make_unique<evmatch::Matcher>(*std::move(matcher));
    names_.reserve(matcher_->rule_count());
    for (evmatch::RuleId id = 0; id < matcher_->rule_count(); ++id) {
      const std::string_view name = matcher_->rule_name(id);
      names_.push_back(py::str(name.data(), name.size()));
    }
  }

  py::list Match(py::handle event, bool lazy) {
    JsonText text(event);
    std::unique_ptr<Slot> owned = AcquireOne();
    Slot& slot = *owned;
    const size_t capacity = CopyPadded(text.view(), slot.buffer);
    const evmatch::MatchStatus status =
        matcher_->Match(std::string_view(slot.buffer), capacity, slot.scratch, Mode(lazy));
    py::list names =
        status == evmatch::MatchStatus::kOk ? Names(slot.scratch.matches()) : py::list();
    ReleaseOne(std::move(owned));
    if (status != evmatch::MatchStatus::kOk) RaiseObject(MatchErrorObject(status, 0));
    return names;
  }

  // One result per element of `events` (a list): the list of names, or the
  // exception for an event that could not be read or matched; and how many
  // of the results are exceptions.
  py::tuple MatchEvents(const py::list& events, size_t threads, bool lazy) {
    const size_t n = events.size();
    std::vector<JsonText> texts;
    std::vector<py::object> conversion_errors(n);
    std::vector<size_t> text_of(n, SIZE_MAX);
    texts.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      try {
        texts.emplace_back(events[i]);
        text_of[i] = texts.size() - 1;
      } catch (py::error_already_set& e) {
        conversion_errors[i] = e.value();
      }
    }
    threads = std::clamp<size_t>(threads, 1, std::max<size_t>(1, texts.size()));
    std::vector<std::unique_ptr<Slot>> slots = Acquire(threads);
    {
      py::gil_scoped_release release;
      RunThreads(threads, [&](size_t t) {
        Slot& slot = *slots[t];
        slot.share.Clear();
        const size_t lo = texts.size() * t / threads, hi = texts.size() * (t + 1) / threads;
        for (size_t i = lo; i < hi; ++i) {
          const size_t capacity = CopyPadded(texts[i].view(), slot.buffer);
          const evmatch::MatchStatus status =
              matcher_->Match(std::string_view(slot.buffer), capacity, slot.scratch, Mode(lazy));
          slot.share.Add(status, 0,
                         status == evmatch::MatchStatus::kOk ? slot.scratch.matches()
                                                             : absl::Span<const evmatch::RuleId>());
        }
      });
    }
    py::list results(n);
    size_t t = 0, in_share = 0, errors = 0;
    for (size_t i = 0; i < n; ++i) {
      if (text_of[i] == SIZE_MAX) {
        results[i] = conversion_errors[i];
        ++errors;
        continue;
      }
      while (in_share == slots[t]->share.outcomes.size()) ++t, in_share = 0;
      const Outcome& outcome = slots[t]->share.outcomes[in_share++];
      errors += outcome.status != evmatch::MatchStatus::kOk;
      results[i] = Result(slots[t]->share, outcome);
    }
    Release(std::move(slots));
    return py::make_tuple(results, errors);
  }

  size_t size() const { return names_.size(); }
  py::tuple rule_names() const {
    py::tuple names(names_.size());
    for (size_t i = 0; i < names_.size(); ++i) names[i] = names_[i];
    return names;
  }
  size_t memory_bytes() const { return matcher_->memory_bytes(); }
  const evmatch::Matcher& matcher() const { return *matcher_; }

  // For the batch calls and NdjsonJob.
  static evmatch::MatchMode Mode(bool lazy) {
    return lazy ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete;
  }

  py::list Names(absl::Span<const evmatch::RuleId> ids) const {
    PyObject* list = PyList_New(static_cast<Py_ssize_t>(ids.size()));
    if (list == nullptr) throw py::error_already_set();
    for (size_t i = 0; i < ids.size(); ++i) {
      PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), names_[ids[i]].inc_ref().ptr());
    }
    return py::reinterpret_steal<py::list>(list);
  }

  py::object Result(const Share& share, const Outcome& outcome) const {
    if (outcome.status != evmatch::MatchStatus::kOk) {
      return MatchErrorObject(outcome.status, outcome.offset);
    }
    return Names(
        absl::MakeConstSpan(share.ids).subspan(outcome.begin, outcome.end - outcome.begin));
  }

  // A prepared slot from the pool (GIL held: preparing may raise).
  std::unique_ptr<Slot> AcquireOne() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<Slot> slot = std::move(free_.back());
        free_.pop_back();
        return slot;
      }
    }
    auto slot = std::make_unique<Slot>();
    if (absl::Status s = matcher_->PrepareScratch(slot->scratch); !s.ok()) Raise(s);
    return slot;
  }

  void ReleaseOne(std::unique_ptr<Slot> slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(slot));
  }

  std::vector<std::unique_ptr<Slot>> Acquire(size_t count) {
    std::vector<std::unique_ptr<Slot>> slots;
    while (slots.size() < count) slots.push_back(AcquireOne());
    return slots;
  }

  void Release(std::vector<std::unique_ptr<Slot>> slots) {
    for (auto& slot : slots) ReleaseOne(std::move(slot));
  }

 private:
  std::unique_ptr<evmatch::Matcher> matcher_;
  std::vector<py::str> names_;  // by rule id
  std::mutex mutex_;            // guards free_: batch calls run with the GIL released
  std::vector<std::unique_ptr<Slot>> free_;
};

// Matches an NDJSON buffer chunk by chunk, one chunk ahead: while Python
// turns chunk k's outcomes into lists and consumes them, `threads` threads
// already match chunk k + 1 (with two slot sets, one per chunk in flight).
// Chunks are read in place where kPadding bytes of the input follow them;
// only a last chunk is copied.
class NdjsonJob {
 public:
  NdjsonJob(NativeMatcher& matcher, py::handle data, size_t threads, bool lazy)
      : matcher_(matcher), text_(data), threads_(std::max<size_t>(threads, 1)), lazy_(lazy) {
    for (Flight& flight : flights_) flight.slots = matcher_.Acquire(threads_);
    Launch(flights_[0]);
  }

  ~NdjsonJob() {
    {
      py::gil_scoped_release release;
      for (Flight& flight : flights_) Join(flight);
    }
    for (Flight& flight : flights_) matcher_.Release(std::move(flight.slots));
  }

  // The results of the next chunk (one per non-blank line: a list of names
  // or an InvalidEventError) and how many are errors, or None after the last.
  py::object Next() {
    Flight& done = flights_[current_];
    if (!done.running) return py::none();
    {
      py::gil_scoped_release release;
      Join(done);
    }
    done.running = false;
    current_ ^= 1;
    if (next_ < text_.view().size()) Launch(flights_[current_]);
    size_t count = 0, errors = 0;
    for (const Share& share : done.pieces) {
      if (share.batch_status != evmatch::MatchStatus::kOk) {
        Raise(evmatch::ToStatus(share.batch_status));
      }
      count += share.outcomes.size();
    }
    py::list results(count);
    size_t i = 0;
    for (const Share& share : done.pieces) {
      for (const Outcome& outcome : share.outcomes) {
        errors += outcome.status != evmatch::MatchStatus::kOk;
        results[i++] = matcher_.Result(share, outcome);
      }
    }
    return py::make_tuple(results, errors);
  }

 private:
  // Bytes of NDJSON per chunk (plus the rest of its last line): 4 MiB keeps
  // each thread's pieces and their outcomes in cache better than larger ones.
  static constexpr size_t kChunk = size_t{4} << 20;
  // Pieces per thread and chunk: threads take pieces as they finish, so one
  // slow piece does not leave the other threads idle.
  static constexpr size_t kPiecesPerThread = 4;

  struct Flight {
    std::vector<std::unique_ptr<Slot>> slots;  // one per thread
    std::vector<Share> pieces;                 // outcomes, in input order
    std::vector<std::thread> workers;
    std::string copy;  // the last chunk, padded
    bool running = false;
  };

  static void Join(Flight& flight) {
    for (std::thread& worker : flight.workers) worker.join();
    flight.workers.clear();
  }

  // Starts matching the chunk at next_ on `flight`.
  void Launch(Flight& flight) {
    const std::string_view all = text_.view();
    const size_t start = next_;
    size_t end = start + kChunk < all.size() ? all.find('\n', start + kChunk) : all.npos;
    end = end == all.npos ? all.size() : end + 1;
    next_ = end;
    std::string_view chunk = all.substr(start, end - start);
    size_t capacity = all.size() - start;
    if (capacity < chunk.size() + evmatch::kPadding) {
      capacity = CopyPadded(chunk, flight.copy);
      chunk = flight.copy;
    }
    // Pieces of about equal size, cut after a newline.
    const size_t pieces = threads_ * kPiecesPerThread;
    std::vector<size_t> cuts{0};
    for (size_t p = 1; p < pieces; ++p) {
      size_t cut = std::max(cuts.back(), chunk.size() * p / pieces);
      cut = cut == 0 ? 0 : chunk.find('\n', cut - 1);
      cuts.push_back(cut == chunk.npos ? chunk.size() : cut + 1);
    }
    cuts.push_back(chunk.size());
    flight.pieces.resize(pieces);
    flight.running = true;
    auto next_piece = std::make_shared<std::atomic<size_t>>(0);
    for (size_t t = 0; t < threads_; ++t) {
      flight.workers.emplace_back(
          [this, &flight, slot = flight.slots[t].get(), next_piece, cuts, chunk, capacity, start] {
            for (size_t p = (*next_piece)++; p + 1 < cuts.size(); p = (*next_piece)++) {
              Share& share = flight.pieces[p];
              share.Clear();
              const size_t offset = start + cuts[p];
              share.batch_status = matcher_.matcher().MatchBatch(
                  chunk.substr(cuts[p], cuts[p + 1] - cuts[p]), capacity - cuts[p], slot->scratch,
                  [&](const evmatch::BatchEvent& e) {
                    share.Add(e.status, offset + e.offset, e.matches);
                  },
                  NativeMatcher::Mode(lazy_));
            }
          });
    }
  }

  NativeMatcher& matcher_;
  JsonText text_;
  const size_t threads_;
  const bool lazy_;
  size_t next_ = 0;  // where the next chunk starts
  Flight flights_[2];
  int current_ = 0;  // the flight whose results Next returns
};

// match() as a METH_FASTCALL method of _Matcher. It is called once per event,
// so it takes its arguments directly from the interpreter: pybind11's
// dispatch (argument vectors, type lookup of `self`) costs as much as
// matching a small event.
PyObject* MatchFast(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  try {
    const py::detail::value_and_holder v_h =
        reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder();
    if (!v_h.holder_constructed()) {
      throw py::type_error("Matcher.__init__ was not called");
    }
    bool lazy = false;
    const Py_ssize_t keywords = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs != 1) throw py::type_error("match() takes one positional argument, the event");
    for (Py_ssize_t i = 0; i < keywords; ++i) {
      PyObject* name = PyTuple_GET_ITEM(kwnames, i);
      if (PyUnicode_CompareWithASCIIString(name, "lazy") != 0) {
        throw py::type_error("match() got an unexpected keyword argument");
      }
      const int truth = PyObject_IsTrue(args[nargs + i]);
      if (truth < 0) throw py::error_already_set();
      lazy = truth != 0;
    }
    return v_h.value_ptr<NativeMatcher>()->Match(args[0], lazy).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyMethodDef match_method = {
    "match", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&MatchFast)),
    METH_FASTCALL | METH_KEYWORDS,
    "match($self, event, /, *, lazy=False)\n--\n\n"
    "The names of the rules `event` matches, in the order the rules were given.\n\n"
    "`event` is JSON text (str, or bytes-like: read without conversion) or a dict.\n"
    "With lazy=True the event is read only as far as the rules need (see the\n"
    "semantics: malformed JSON past that point goes unreported); the matches are\n"
    "the same for every valid event. Raises InvalidEventError for an event that is\n"
    "not a JSON object, is malformed, larger than 1 MiB or nested deeper than 64\n"
    "levels where a rule looks."};

}  // namespace

void AddMatcher(py::module_& module) {
  py::class_<NdjsonJob>(module, "_NdjsonJob").def("next", &NdjsonJob::Next);
  py::class_<NativeMatcher> matcher(module, "_Matcher");
  PyObject* match =
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(matcher.ptr()), &match_method);
  if (match == nullptr) throw py::error_already_set();
  matcher.attr("match") = py::reinterpret_steal<py::object>(match);
  matcher.def(py::init<py::handle>(), py::arg("rules"))
      .def("_match_events", &NativeMatcher::MatchEvents)
      .def(
          "_ndjson_job",
          [](NativeMatcher& matcher, py::handle data, size_t threads, bool lazy) {
            return std::make_unique<NdjsonJob>(matcher, data, threads, lazy);
          },
          py::keep_alive<0, 1>())
      .def("__len__", &NativeMatcher::size)
      .def_property_readonly("rule_names", &NativeMatcher::rule_names,
                             "The rule names, in the order they were given.")
      .def_property_readonly("memory_bytes", &NativeMatcher::memory_bytes,
                             "Approximate bytes held by the compiled rules.");
}

}  // namespace evmatch_python
