// The native matcher behind evmatch.Matcher: one compiled evmatch::Matcher,
// a pool of scratches (one per thread in use), and the rule names as Python
// strings made once.
//
// match() holds the GIL: one event costs less than releasing it would.
// The batch calls copy what they need out of Python objects under the GIL,
// then release it and match on `threads` threads, each with its own scratch.

#include <algorithm>
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

// A scratch and the padded copy of the event it is matching.
struct Slot {
  evmatch::Scratch scratch;
  std::string buffer;
};

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

// The outcomes of one thread's share of a batch.
struct Share {
  std::vector<Outcome> outcomes;
  std::vector<evmatch::RuleId> ids;
  evmatch::MatchStatus batch_status = evmatch::MatchStatus::kOk;

  void Add(evmatch::MatchStatus status, size_t offset, absl::Span<const evmatch::RuleId> matched) {
    outcomes.push_back({status, offset, ids.size(), ids.size() + matched.size()});
    ids.insert(ids.end(), matched.begin(), matched.end());
  }
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
    std::vector<std::unique_ptr<Slot>> slots = Acquire(1);
    Slot& slot = *slots[0];
    const size_t capacity = CopyPadded(text.view(), slot.buffer);
    const evmatch::MatchStatus status =
        matcher_->Match(std::string_view(slot.buffer), capacity, slot.scratch, Mode(lazy));
    py::list names =
        status == evmatch::MatchStatus::kOk ? Names(slot.scratch.matches()) : py::list();
    Release(std::move(slots));
    if (status != evmatch::MatchStatus::kOk) RaiseObject(MatchErrorObject(status, 0));
    return names;
  }

  // One result per element of `events` (a list): the list of names, or the
  // exception for an event that could not be read or matched.
  py::list MatchEvents(const py::list& events, size_t threads, bool lazy) {
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
    std::vector<Share> shares(threads);
    {
      py::gil_scoped_release release;
      RunThreads(threads, [&](size_t t) {
        Slot& slot = *slots[t];
        const size_t lo = texts.size() * t / threads, hi = texts.size() * (t + 1) / threads;
        shares[t].outcomes.reserve(hi - lo);
        for (size_t i = lo; i < hi; ++i) {
          const size_t capacity = CopyPadded(texts[i].view(), slot.buffer);
          const evmatch::MatchStatus status =
              matcher_->Match(std::string_view(slot.buffer), capacity, slot.scratch, Mode(lazy));
          shares[t].Add(status, 0,
                        status == evmatch::MatchStatus::kOk ? slot.scratch.matches()
                                                            : absl::Span<const evmatch::RuleId>());
        }
      });
    }
    Release(std::move(slots));
    py::list results(n);
    size_t share = 0, in_share = 0;
    for (size_t i = 0; i < n; ++i) {
      if (text_of[i] == SIZE_MAX) {
        results[i] = conversion_errors[i];
        continue;
      }
      while (in_share == shares[share].outcomes.size()) ++share, in_share = 0;
      results[i] = Result(shares[share], shares[share].outcomes[in_share++]);
    }
    return results;
  }

  // Matches the NDJSON events of `data` from byte `start` to the end of the
  // first line ending at or after start + kChunk bytes. Returns the results
  // (as MatchEvents, one per non-blank line) and where the next call starts.
  py::tuple MatchNdjson(py::handle data, size_t start, size_t threads, bool lazy) {
    JsonText text(data);
    const std::string_view all = text.view();
    if (start > all.size()) throw py::value_error("start is beyond the end of the data");
    size_t end = start + kChunk < all.size() ? all.find('\n', start + kChunk) : all.npos;
    end = end == all.npos ? all.size() : end + 1;
    std::string chunk;
    const size_t capacity = CopyPadded(all.substr(start, end - start), chunk);

    // One piece per thread, cut after a newline.
    threads = std::max<size_t>(threads, 1);
    std::vector<size_t> cuts{0};
    for (size_t t = 1; t < threads; ++t) {
      size_t cut = std::max(cuts.back(), chunk.size() * t / threads);
      cut = cut == 0 ? 0 : chunk.find('\n', cut - 1);
      cuts.push_back(cut == chunk.npos ? chunk.size() : cut + 1);
    }
    cuts.push_back(chunk.size());
    std::vector<std::unique_ptr<Slot>> slots = Acquire(threads);
    std::vector<Share> shares(threads);
    {
      py::gil_scoped_release release;
      RunThreads(threads, [&](size_t t) {
        const std::string_view piece(chunk.data() + cuts[t], cuts[t + 1] - cuts[t]);
        Share& share = shares[t];
        share.batch_status = matcher_->MatchBatch(
            piece, capacity - cuts[t], slots[t]->scratch,
            [&](const evmatch::BatchEvent& e) {
              share.Add(e.status, start + cuts[t] + e.offset, e.matches);
            },
            Mode(lazy));
      });
    }
    Release(std::move(slots));
    py::list results;
    for (const Share& share : shares) {
      if (share.batch_status != evmatch::MatchStatus::kOk) {
        Raise(evmatch::ToStatus(share.batch_status));
      }
      for (const Outcome& outcome : share.outcomes) results.append(Result(share, outcome));
    }
    return py::make_tuple(results, end);
  }

  size_t size() const { return names_.size(); }
  py::tuple rule_names() const {
    py::tuple names(names_.size());
    for (size_t i = 0; i < names_.size(); ++i) names[i] = names_[i];
    return names;
  }
  size_t memory_bytes() const { return matcher_->memory_bytes(); }

 private:
  // Bytes of NDJSON one MatchNdjson call takes at most (plus one line).
  static constexpr size_t kChunk = size_t{8} << 20;

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

  // `count` prepared slots from the pool (GIL held: preparing may raise).
  std::vector<std::unique_ptr<Slot>> Acquire(size_t count) {
    std::vector<std::unique_ptr<Slot>> slots;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (slots.size() < count && !free_.empty()) {
        slots.push_back(std::move(free_.back()));
        free_.pop_back();
      }
    }
    while (slots.size() < count) {
      auto slot = std::make_unique<Slot>();
      if (absl::Status s = matcher_->PrepareScratch(slot->scratch); !s.ok()) Raise(s);
      slots.push_back(std::move(slot));
    }
    return slots;
  }

  void Release(std::vector<std::unique_ptr<Slot>> slots) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& slot : slots) free_.push_back(std::move(slot));
  }

  std::unique_ptr<evmatch::Matcher> matcher_;
  std::vector<py::str> names_;  // by rule id
  std::mutex mutex_;            // guards free_: batch calls run with the GIL released
  std::vector<std::unique_ptr<Slot>> free_;
};

}  // namespace

void AddMatcher(py::module_& module) {
  py::class_<NativeMatcher>(module, "_Matcher")
      .def(py::init<py::handle>(), py::arg("rules"))
      .def("match", &NativeMatcher::Match, py::arg("event"), py::kw_only(), py::arg("lazy") = false,
           R"doc(
The names of the rules `event` matches, in the order the rules were given.

`event` is JSON text (str, or bytes-like: read without conversion) or a dict.
With lazy=True the event is read only as far as the rules need (see the
semantics: malformed JSON past that point goes unreported); the matches are
the same for every valid event. Raises InvalidEventError for an event that is
not a JSON object, is malformed, larger than 1 MiB or nested deeper than 64
levels where a rule looks.)doc")
      .def("_match_events", &NativeMatcher::MatchEvents)
      .def("_match_ndjson", &NativeMatcher::MatchNdjson)
      .def("__len__", &NativeMatcher::size)
      .def_property_readonly("rule_names", &NativeMatcher::rule_names,
                             "The rule names, in the order they were given.")
      .def_property_readonly("memory_bytes", &NativeMatcher::memory_bytes,
                             "Approximate bytes held by the compiled rules.");
}

}  // namespace evmatch_python
