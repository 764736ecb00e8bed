// `evmatch dlq simulate --policy FILE --script FILE`: replays a scripted
// scenario against a DLQ ledger on a manual clock and prints the timeline.
//
// The policy file names the queues and their SQS attributes:
//   {"queues": {"<queue ARN>": {"VisibilityTimeout": 30,
//                               "RedrivePolicy": "{\"deadLetterTargetArn\": ...}"}, ...}}
// Attributes are those `aws sqs get-queue-attributes --attribute-names All`
// prints (read by dlq::ParseQueueAttributes: FifoQueue and
// ContentBasedDeduplication honoured, read-only ones ignored, unknown ones
// refused); values may be strings, as the AWS CLI writes them, or JSON
// numbers, booleans and (for the policies) objects. On a queue with
// ContentBasedDeduplication, `send` without dedup= deduplicates by the
// SHA-256 of its LABEL, which stands for the body.
//
// The script has one command per line ('#' starts a comment). QUEUE is a
// queue's name (the ARN's last part) or its ARN; LABEL names a message.
//   wait DURATION                       e.g. 30s, 5m, 2h, 1d, 250ms
//   send QUEUE LABEL [delay=S] [dedup=ID]
//   receive QUEUE [max=N] [visibility=S]  (a consumer that fails: no delete)
//   consume QUEUE [max=N]               (receive and delete: processing succeeded)
//   delete LABEL
//   visibility LABEL SECONDS
//   redrive SOURCE [to=QUEUE] [rate=N]
//   cancel-redrive SOURCE
//   tasks SOURCE
//   counters QUEUE
// Calls SQS would refuse print the error and the scenario goes on. Exit 0,
// or 2 for an invalid policy file or script line (with its line number).

#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/dlq.h"
#include "evmatch/integrity.h"
#include "flags.h"
#include "simdjson.h"
#include "text.h"

namespace evmatch_cli {
namespace {

namespace dlq = evmatch::dlq;

std::string Duration(int64_t ms) {
  if (ms % 1000 != 0) return Cat(ms, "ms");
  int64_t s = ms / 1000;
  std::string out;
  static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
      {86'400, "d"}, {3600, "h"}, {60, "m"}};
  for (const auto& [size, unit] : kUnits) {
    if (s >= size) {
      out += Cat(s / size, unit);
      s %= size;
    }
  }
  if (s > 0 || out.empty()) out += Cat(s, "s");
  return out;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  for (const auto& [unit, scale] : kUnits) {
    if (text.size() > unit.size() && text.substr(text.size() - unit.size()) == unit) {
      int64_t n = 0;
      std::string_view digits = text.substr(0, text.size() - unit.size());
      // "5ms" also ends in "s": only a number before the unit counts.
      if (ParseInt(digits, &n) && n >= 0) return n * scale;
    }
  }
  return std::nullopt;
}

std::string_view ShortName(std::string_view arn) { return arn.substr(arn.rfind(':') + 1); }

// ---------------------------------------------------------------- policy

// An attribute value as SQS's API carries it: text. The policy file may give
// numbers and booleans as JSON values, and the policies as JSON objects.
std::string AttributeText(simdjson::dom::element value) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(value);
}

struct QueueSpec {
  std::string arn;
  dlq::QueueSettings settings;
};

absl::StatusOr<std::vector<QueueSpec>> LoadPolicy(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  simdjson::dom::object queues;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS ||
      root["queues"].get_object().get(queues) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "the policy file must be a JSON object with a \"queues\" object");
  }
  std::vector<QueueSpec> specs;
  for (auto queue : queues) {
    QueueSpec& spec = specs.emplace_back();
    spec.arn = std::string(queue.key);
    simdjson::dom::object attributes;
    if (queue.value.get_object().get(attributes) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": attributes must be an object"));
    }
    std::vector<std::pair<std::string, std::string>> named;
    for (auto field : attributes) {
      named.emplace_back(std::string(field.key), AttributeText(field.value));
    }
    absl::StatusOr<dlq::QueueSettings> settings = dlq::ParseQueueAttributes(spec.arn, named);
    if (!settings.ok()) {
      return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": ", settings.status().message()));
    }
    spec.settings = *std::move(settings);
  }
  return specs;
}

// ---------------------------------------------------------------- script

class Simulation {
 public:
  absl::Status Setup(const std::vector<QueueSpec>& specs) {
    dlq::LedgerOptions options;
    options.clock = &clock_;
    options.on_transition = [this](const dlq::Transition& t) {
      if (t.kind == dlq::Transition::Kind::kRedriven) {  // the copy of "x" is "x'"
        const std::string copy = Label(std::string(t.message_id)) + "'";
        labels_[std::string(t.new_message_id)] = copy;
        ids_[copy] = std::string(t.new_message_id);
      }
      events_.push_back({t.kind, std::string(t.message_id), std::string(t.from_queue_arn),
                         std::string(t.to_queue_arn), std::string(t.new_message_id)});
    };
    absl::StatusOr<std::unique_ptr<dlq::Ledger>> ledger = dlq::Ledger::Open(options);
    if (!ledger.ok()) return ledger.status();
    ledger_ = std::move(*ledger);
    // Queues first, then their redrive policies, so that the file may list
    // them in any order.
    for (const QueueSpec& spec : specs) {
      content_based_.emplace(spec.arn, spec.settings.content_based_deduplication);
      dlq::QueueAttributes plain = spec.settings.attributes;
      plain.redrive_policy.reset();
      absl::Status s = ledger_->CreateQueue(spec.arn, plain);
      if (!s.ok()) return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": ", s.message()));
      queues_.push_back(spec.arn);
    }
    for (const QueueSpec& spec : specs) {
      if (!spec.settings.attributes.redrive_policy) continue;
      absl::Status s = ledger_->SetQueueAttributes(spec.arn, spec.settings.attributes);
      if (!s.ok()) return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": ", s.message()));
    }
    for (const std::string& arn : queues_) {
      std::string line = Cat("queue ", ShortName(arn));
      const dlq::QueueAttributes a = *ledger_->GetQueueAttributes(arn);
      line += Cat(": visibility ", Duration(a.visibility_timeout_seconds * 1000), ", retention ",
                  Duration(a.message_retention_period_seconds * 1000));
      if (a.delay_seconds > 0) line += Cat(", delay ", Duration(a.delay_seconds * 1000));
      if (a.redrive_policy) {
        line += Cat(", dead-letter queue ", ShortName(a.redrive_policy->dead_letter_target_arn),
                    " (maxReceiveCount ", a.redrive_policy->max_receive_count, ")");
      }
      Print(line);
    }
    return absl::OkStatus();
  }

  // Runs one script line; InvalidArgument for a malformed one.
  absl::Status Run(std::string_view text) {
    Line l;
    std::istringstream in{std::string(text)};
    for (std::string word; in >> word;) {
      const size_t eq = word.find('=');
      if (l.verb.empty()) {
        l.verb = word;
      } else if (eq == std::string::npos) {
        l.args.push_back(word);
      } else {
        l.options[word.substr(0, eq)] = word.substr(eq + 1);
      }
    }
    if (l.verb.empty()) return absl::OkStatus();
    const auto verb = std::find_if(std::begin(kVerbs), std::end(kVerbs),
                                   [&](const Verb& v) { return v.name == l.verb; });
    if (verb == std::end(kVerbs))
      return absl::InvalidArgumentError(Cat("unknown command ", l.verb));
    if (l.args.size() != verb->arguments) {
      return absl::InvalidArgumentError(Cat("usage: ", verb->usage));
    }
    for (const auto& [key, value] : l.options) {
      const bool allowed =
          std::find(verb->options.begin(), verb->options.end(), key) != verb->options.end();
      const bool text_option = key == "dedup" || key == "to";
      if (!allowed || key.empty() || (!text_option && !l.number(key))) {
        return absl::InvalidArgumentError(Cat("bad option ", key, "=", value));
      }
    }
    EVMATCH_CLI_RETURN_IF_ERROR((this->*verb->run)(l));
    Flush();
    return absl::OkStatus();
  }

 private:
  // One script line: the command, its arguments and its key=value options.
  struct Line {
    std::string verb;
    std::vector<std::string> args;
    std::map<std::string, std::string> options;
    std::optional<int64_t> number(const std::string& key) const {
      auto it = options.find(key);
      int64_t n = 0;
      if (it == options.end() || !ParseInt(it->second, &n)) return std::nullopt;
      return n;
    }
  };

  // The script's commands: arguments, usage, options and handler.
  struct Verb {
    std::string_view name;
    size_t arguments;
    std::string_view usage;
    std::array<std::string_view, 2> options;
    absl::Status (Simulation::*run)(const Line&);
  };
  static const Verb kVerbs[10];

  absl::Status Wait(const Line& l) {
    std::optional<int64_t> ms = ParseDuration(l.args[0]);
    if (!ms) return absl::InvalidArgumentError(Cat("bad duration ", l.args[0]));
    clock_.Advance(*ms);
    Print(Cat("wait ", Duration(*ms)));
    for (const std::string& arn : queues_) (void)ledger_->Counters(arn);  // brings the books up
    return absl::OkStatus();
  }

  absl::Status Send(const Line& l) {
    std::string arn;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &arn));
    dlq::SendRequest r;
    r.delay_seconds = l.number("delay");
    if (l.options.count("dedup")) {
      r.deduplication_id = l.options.at("dedup");
    } else if (content_based_.at(arn)) {
      // ContentBasedDeduplication: the body's SHA-256 (the label stands for the body).
      r.deduplication_id =
          evmatch::integrity::Compute(evmatch::integrity::Algorithm::kSha256, l.args[1]).Hex();
    }
    absl::StatusOr<dlq::SendResult> sent = ledger_->Send(arn, r);
    if (!sent.ok()) {
      Print(Cat("send ", l.args[0], ": error: ", sent.status().message()));
    } else if (sent->duplicate) {
      Print(Cat("send ", l.args[0], " ", l.args[1], ": dropped as a duplicate of ",
                Label(sent->message_id), " (deduplication window)"));
    } else {
      labels_[sent->message_id] = l.args[1];
      ids_[l.args[1]] = sent->message_id;
      Print(Cat("send ", l.args[0], ": ", l.args[1],
                r.delay_seconds.value_or(0) > 0
                    ? Cat(" (delayed ", Duration(*r.delay_seconds * 1000), ")")
                    : std::string()));
    }
    return absl::OkStatus();
  }

  absl::Status Receive(const Line& l) {
    std::string arn;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &arn));
    dlq::ReceiveRequest r;
    r.max_number_of_messages = static_cast<int>(l.number("max").value_or(1));
    r.visibility_timeout_seconds = l.number("visibility");
    absl::StatusOr<std::vector<dlq::ReceivedMessage>> got = ledger_->Receive(arn, r);
    if (!got.ok()) {
      Print(Cat(l.verb, " ", l.args[0], ": error: ", got.status().message()));
    } else {
      std::string line = Cat(l.verb, " ", l.args[0], ":");
      if (got->empty()) line += " nothing";
      for (const dlq::ReceivedMessage& m : *got) {
        handles_[m.message_id] = {arn, m.receipt_handle};
        line += Cat(" ", Label(m.message_id), " (receive ", m.receive_count);
        if (!m.dead_letter_queue_source_arn.empty()) {
          line += Cat(", from ", ShortName(m.dead_letter_queue_source_arn));
        }
        line += l.verb == "consume"
                    ? ", deleted)"
                    : Cat(", invisible until +", Duration(m.visible_again_at_ms - kStart), ")");
        if (l.verb == "consume") {
          absl::Status s = ledger_->Delete(arn, m.receipt_handle);
          if (!s.ok()) line += Cat(" delete error: ", s.message());
        }
      }
      Print(line);
    }
    return absl::OkStatus();
  }

  absl::Status ChangeMessage(const Line& l) {
    auto id = ids_.find(l.args[0]);
    auto handle = id == ids_.end() ? handles_.end() : handles_.find(id->second);
    if (handle == handles_.end()) {
      return absl::InvalidArgumentError(Cat(l.args[0], " was never received"));
    }
    absl::Status s;
    if (l.verb == "delete") {
      s = ledger_->Delete(handle->second.first, handle->second.second);
    } else {
      int64_t seconds = 0;
      if (!ParseInt(l.args[1], &seconds)) {
        return absl::InvalidArgumentError(Cat("bad seconds ", l.args[1]));
      }
      s = ledger_->ChangeVisibility(handle->second.first, handle->second.second, seconds);
    }
    Print(Cat(l.verb, " ", l.args[0], s.ok() ? std::string() : Cat(": error: ", s.message())));
    return absl::OkStatus();
  }

  absl::Status Redrive(const Line& l) {
    std::string source, destination;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &source));
    if (l.options.count("to")) EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.options.at("to"), &destination));
    std::optional<int> rate;
    if (auto n = l.number("rate")) rate = static_cast<int>(*n);
    absl::StatusOr<std::string> task = ledger_->StartMoveTask(
        source, destination.empty() ? std::nullopt : std::optional<std::string_view>(destination),
        rate);
    if (!task.ok()) {
      Print(Cat("redrive ", l.args[0], ": error: ", task.status().message()));
    } else {
      tasks_[source] = *task;
      auto listed = ledger_->ListMoveTasks(source);
      Print(Cat("redrive ", l.args[0], ": task started, ",
                (*listed)[0].approximate_number_of_messages_to_move,
                (*listed)[0].approximate_number_of_messages_to_move == 1 ? " message" : " messages",
                " to move to ", destination.empty() ? "their sources" : ShortName(destination),
                rate ? Cat(" at ", *rate, "/s") : std::string()));
    }
    return absl::OkStatus();
  }

  absl::Status CancelRedrive(const Line& l) {
    std::string source;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &source));
    absl::StatusOr<int64_t> moved = ledger_->CancelMoveTask(tasks_[source]);
    Print(moved.ok() ? Cat("cancel-redrive ", l.args[0], ": ", *moved, " moved so far")
                     : Cat("cancel-redrive ", l.args[0], ": error: ", moved.status().message()));
    return absl::OkStatus();
  }

  absl::Status Tasks(const Line& l) {
    std::string source;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &source));
    absl::StatusOr<std::vector<dlq::MoveTask>> list = ledger_->ListMoveTasks(source, 10);
    if (!list.ok()) {
      Print(Cat("tasks ", l.args[0], ": error: ", list.status().message()));
    } else {
      Print(Cat("tasks ", l.args[0], ": ", list->size(), list->size() == 1 ? " task" : " tasks"));
      for (const dlq::MoveTask& t : *list) {
        Print(Cat(
            "  ", dlq::MoveTaskStatusName(t.status), " started +",
            Duration(t.started_timestamp_ms - kStart), ", moved ",
            t.approximate_number_of_messages_moved, " of ",
            t.approximate_number_of_messages_to_move,
            t.failure_reason.empty() ? std::string() : Cat(": ", WithLabels(t.failure_reason))));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Counters(const Line& l) {
    std::string arn;
    EVMATCH_CLI_RETURN_IF_ERROR(Queue(l.args[0], &arn));
    dlq::QueueCounters c = *ledger_->Counters(arn);
    Print(Cat("counters ", l.args[0], ": visible ", c.approximate_number_of_messages,
              ", in flight ", c.approximate_number_of_messages_not_visible, ", delayed ",
              c.approximate_number_of_messages_delayed, ", oldest ",
              Duration(c.approximate_age_of_oldest_message_seconds * 1000), ", moved to DLQ ",
              c.moved_to_dead_letter_queue, ", expired ", c.expired));
    return absl::OkStatus();
  }

  static constexpr int64_t kStart = 1'700'000'000'000;  // any fixed origin

  absl::Status Queue(const std::string& name, std::string* arn) {
    for (const std::string& q : queues_) {
      if (q == name || ShortName(q) == name) {
        *arn = q;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(Cat("no queue ", name, " in the policy file"));
  }

  // Every message comes from a `send` or a redrive, which both name it.
  std::string Label(const std::string& id) const {
    auto it = labels_.find(id);
    return it != labels_.end() ? it->second : id;
  }

  // `text` with the message ids it names replaced by their labels.
  std::string WithLabels(std::string text) const {
    for (const auto& [id, label] : labels_) {
      for (size_t at; (at = text.find(id)) != std::string::npos;) {
        text.replace(at, id.size(), label);
      }
    }
    return text;
  }

  void Print(std::string_view line) {
    std::cout << "[+" << Duration(clock_.NowMillis() - kStart) << "] " << line << "\n";
  }

  // Prints what the books did on their own during the last command:
  // moves to a dead-letter queue, redrives and expiries.
  void Flush() {
    for (const Event& e : events_) {
      switch (e.kind) {
        case dlq::Transition::Kind::kMovedToDeadLetterQueue:
          Print(Cat(Label(e.id), " moved ", ShortName(e.from), " -> ", ShortName(e.to),
                    " (maxReceiveCount exceeded)"));
          break;
        case dlq::Transition::Kind::kRedriven:
          Print(Cat(Label(e.id), " redriven ", ShortName(e.from), " -> ", ShortName(e.to),
                    " as new message ", Label(e.new_id)));
          break;
        case dlq::Transition::Kind::kExpired:
          Print(Cat(Label(e.id), " expired from ", ShortName(e.from), " (retention)"));
          break;
      }
    }
    events_.clear();
  }

  struct Event {
    dlq::Transition::Kind kind;
    std::string id, from, to, new_id;
  };

  dlq::ManualClock clock_{kStart};
  std::unique_ptr<dlq::Ledger> ledger_;
  std::vector<std::string> queues_;
  std::map<std::string, bool> content_based_;        // queue -> ContentBasedDeduplication
  std::map<std::string, std::string> labels_, ids_;  // id -> label, label -> id
  std::map<std::string, std::pair<std::string, std::string>> handles_;  // id -> (queue, handle)
  std::map<std::string, std::string> tasks_;                            // source -> handle
  std::vector<Event> events_;  // from LedgerOptions::on_transition, not yet printed
};

const Simulation::Verb Simulation::kVerbs[10] = {
    {"wait", 1, "wait DURATION", {}, &Simulation::Wait},
    {"send", 2, "send QUEUE LABEL [delay=S] [dedup=ID]", {"delay", "dedup"}, &Simulation::Send},
    {"receive",
     1,
     "receive QUEUE [max=N] [visibility=S]",
     {"max", "visibility"},
     &Simulation::Receive},
    {"consume", 1, "consume QUEUE [max=N]", {"max"}, &Simulation::Receive},
    {"delete", 1, "delete LABEL", {}, &Simulation::ChangeMessage},
    {"visibility", 2, "visibility LABEL SECONDS", {}, &Simulation::ChangeMessage},
    {"redrive", 1, "redrive SOURCE [to=QUEUE] [rate=N]", {"to", "rate"}, &Simulation::Redrive},
    {"cancel-redrive", 1, "cancel-redrive SOURCE", {}, &Simulation::CancelRedrive},
    {"tasks", 1, "tasks SOURCE", {}, &Simulation::Tasks},
    {"counters", 1, "counters QUEUE", {}, &Simulation::Counters},
};

int Simulate(const Args& args) {
  const std::string policy_path = args.get("policy"), script_path = args.get("script");
  std::optional<std::string> policy_text = ReadFile(policy_path);
  if (!policy_text) return Fail("cannot read " + policy_path);
  std::optional<std::string> script = ReadFile(script_path);
  if (!script) return Fail("cannot read " + script_path);
  absl::StatusOr<std::vector<QueueSpec>> specs = LoadPolicy(*policy_text);
  Simulation simulation;
  absl::Status setup = specs.ok() ? simulation.Setup(*specs) : specs.status();
  if (!setup.ok()) {
    std::cerr << policy_path << ": " << setup.message() << "\n";
    return kExitError;
  }
  std::istringstream lines(*script);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    line = line.substr(0, line.find('#'));
    absl::Status s = simulation.Run(line);
    if (!s.ok()) {
      std::cerr << script_path << ":" << number << ": " << s.message() << "\n";
      return kExitError;
    }
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> DlqCommands() {
  return {
      {.name = "dlq simulate",
       .summary = "Replays a scenario on queues with SQS's dead-letter rules.",
       .flags = {{.name = "policy",
                  .value_name = "FILE",
                  .help = "the queues and their SQS attributes (JSON)",
                  .required = true},
                 {.name = "script",
                  .value_name = "FILE",
                  .help = "the scenario, one command per line",
                  .required = true}},
       .details = "Script commands: wait DURATION; send QUEUE LABEL [delay=S] [dedup=ID];\n"
                  "receive QUEUE [max=N] [visibility=S] (a consumer that fails); consume QUEUE\n"
                  "[max=N] (one that succeeds); delete LABEL; visibility LABEL S; redrive DLQ\n"
                  "[to=QUEUE] [rate=N]; cancel-redrive DLQ; tasks DLQ; counters QUEUE. Calls SQS\n"
                  "would refuse print SQS's error and the scenario goes on; an invalid policy\n"
                  "or script line exits 2 with its line number. See examples/dlq-redrive.\n",
       .run = Simulate},
  };
}

}  // namespace evmatch_cli
