// `evmatch dlq simulate --policy FILE --script FILE`: replays a scripted
// scenario against a DLQ ledger on a manual clock and prints the timeline.
//
// The policy file names the queues and their SQS attributes:
//   {"queues": {"<queue ARN>": {"VisibilityTimeout": 30,
//                               "RedrivePolicy": "{\"deadLetterTargetArn\": ...}"}, ...}}
// Attribute values may be numbers or strings, as the AWS CLI writes them;
// RedrivePolicy and RedriveAllowPolicy may also be JSON objects.
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
#include <cstdint>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/dlq.h"
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

absl::StatusOr<int64_t> Number(simdjson::dom::element value, std::string_view name) {
  int64_t n = 0;
  if (value.get_int64().get(n) == simdjson::SUCCESS) return n;
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS && ParseInt(s, &n)) {
    return n;
  }
  return absl::InvalidArgumentError(Cat(name, " must be an integer"));
}

std::string PolicyText(simdjson::dom::element value) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(value);
}

absl::Status InQueue(std::string_view arn, const absl::Status& s) {
  return absl::InvalidArgumentError(Cat("queue ", arn, ": ", s.message()));
}

struct QueueSpec {
  std::string arn;
  dlq::QueueAttributes attributes;
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
    dlq::QueueAttributes& a = spec.attributes;
    static constexpr std::pair<std::string_view, int64_t dlq::QueueAttributes::*> kNumbers[] = {
        {"VisibilityTimeout", &dlq::QueueAttributes::visibility_timeout_seconds},
        {"MessageRetentionPeriod", &dlq::QueueAttributes::message_retention_period_seconds},
        {"DelaySeconds", &dlq::QueueAttributes::delay_seconds},
        {"MaximumMessageSize", &dlq::QueueAttributes::maximum_message_size}};
    for (auto field : attributes) {
      const std::string_view key = field.key;
      const auto number = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                       [&](const auto& n) { return n.first == key; });
      if (number != std::end(kNumbers)) {
        absl::StatusOr<int64_t> n = Number(field.value, key);
        if (!n.ok()) return InQueue(spec.arn, n.status());
        a.*(number->second) = *n;
      } else if (key == "RedrivePolicy") {
        absl::StatusOr<std::optional<dlq::RedrivePolicy>> p =
            dlq::ParseRedrivePolicy(PolicyText(field.value));
        if (!p.ok()) return InQueue(spec.arn, p.status());
        a.redrive_policy = *p;
      } else if (key == "RedriveAllowPolicy") {
        absl::StatusOr<dlq::RedriveAllowPolicy> p =
            dlq::ParseRedriveAllowPolicy(PolicyText(field.value));
        if (!p.ok()) return InQueue(spec.arn, p.status());
        a.redrive_allow_policy = *p;
      } else {
        return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": unknown attribute ", key));
      }
    }
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
      dlq::QueueAttributes plain = spec.attributes;
      plain.redrive_policy.reset();
      absl::Status s = ledger_->CreateQueue(spec.arn, plain);
      if (!s.ok()) return absl::InvalidArgumentError(Cat("queue ", spec.arn, ": ", s.message()));
      queues_.push_back(spec.arn);
    }
    for (const QueueSpec& spec : specs) {
      if (!spec.attributes.redrive_policy) continue;
      absl::Status s = ledger_->SetQueueAttributes(spec.arn, spec.attributes);
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
  absl::Status Run(std::string_view line) {
    std::vector<std::string> words;
    std::istringstream in{std::string(line)};
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty()) return absl::OkStatus();
    const std::string& verb = words[0];
    std::map<std::string, std::string> options;
    std::vector<std::string> args;
    for (size_t i = 1; i < words.size(); ++i) {
      const size_t eq = words[i].find('=');
      if (eq == std::string::npos) {
        args.push_back(words[i]);
      } else {
        options[words[i].substr(0, eq)] = words[i].substr(eq + 1);
      }
    }
    auto number = [&](const std::string& key) -> std::optional<int64_t> {
      auto it = options.find(key);
      int64_t n = 0;
      if (it == options.end() || !ParseInt(it->second, &n)) return std::nullopt;
      return n;
    };
    auto check_options = [&](std::initializer_list<std::string_view> allowed) -> absl::Status {
      for (const auto& [key, value] : options) {
        bool ok = false;
        for (std::string_view a : allowed) ok |= key == a;
        if (!ok || (key != "dedup" && key != "to" && !number(key))) {
          return absl::InvalidArgumentError(Cat("bad option ", key, "=", value));
        }
      }
      return absl::OkStatus();
    };
    auto need = [&](size_t n, std::string_view usage) -> absl::Status {
      if (args.size() != n) return absl::InvalidArgumentError(Cat("usage: ", usage));
      return absl::OkStatus();
    };

    if (verb == "wait") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(1, "wait DURATION"));
      std::optional<int64_t> ms = ParseDuration(args[0]);
      if (!ms) return absl::InvalidArgumentError(Cat("bad duration ", args[0]));
      clock_.Advance(*ms);
      Print(Cat("wait ", Duration(*ms)));
      for (const std::string& arn : queues_) (void)ledger_->Counters(arn);  // brings the books up
    } else if (verb == "send") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(2, "send QUEUE LABEL [delay=S] [dedup=ID]"));
      EVMATCH_CLI_RETURN_IF_ERROR(check_options({"delay", "dedup"}));
      std::string arn;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &arn));
      dlq::SendRequest r;
      r.delay_seconds = number("delay");
      if (options.count("dedup")) r.deduplication_id = options["dedup"];
      absl::StatusOr<dlq::SendResult> sent = ledger_->Send(arn, r);
      if (!sent.ok()) {
        Print(Cat("send ", args[0], ": error: ", sent.status().message()));
      } else if (sent->duplicate) {
        Print(Cat("send ", args[0], " ", args[1], ": dropped as a duplicate of ",
                  Label(sent->message_id), " (deduplication window)"));
      } else {
        labels_[sent->message_id] = args[1];
        ids_[args[1]] = sent->message_id;
        Print(Cat("send ", args[0], ": ", args[1],
                  r.delay_seconds.value_or(0) > 0
                      ? Cat(" (delayed ", Duration(*r.delay_seconds * 1000), ")")
                      : std::string()));
      }
    } else if (verb == "receive" || verb == "consume") {
      EVMATCH_CLI_RETURN_IF_ERROR(
          need(1, Cat(verb, " QUEUE [max=N]", verb == "receive" ? " [visibility=S]" : "")));
      EVMATCH_CLI_RETURN_IF_ERROR(verb == "receive" ? check_options({"max", "visibility"})
                                                    : check_options({"max"}));
      std::string arn;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &arn));
      dlq::ReceiveRequest r;
      r.max_number_of_messages = static_cast<int>(number("max").value_or(1));
      r.visibility_timeout_seconds = number("visibility");
      absl::StatusOr<std::vector<dlq::ReceivedMessage>> got = ledger_->Receive(arn, r);
      if (!got.ok()) {
        Print(Cat(verb, " ", args[0], ": error: ", got.status().message()));
      } else {
        std::string line = Cat(verb, " ", args[0], ":");
        if (got->empty()) line += " nothing";
        for (const dlq::ReceivedMessage& m : *got) {
          handles_[m.message_id] = {arn, m.receipt_handle};
          line += Cat(" ", Label(m.message_id), " (receive ", m.receive_count);
          if (!m.dead_letter_queue_source_arn.empty()) {
            line += Cat(", from ", ShortName(m.dead_letter_queue_source_arn));
          }
          line += verb == "consume"
                      ? ", deleted)"
                      : Cat(", invisible until +", Duration(m.visible_again_at_ms - kStart), ")");
          if (verb == "consume") {
            absl::Status s = ledger_->Delete(arn, m.receipt_handle);
            if (!s.ok()) line += Cat(" delete error: ", s.message());
          }
        }
        Print(line);
      }
    } else if (verb == "delete" || verb == "visibility") {
      EVMATCH_CLI_RETURN_IF_ERROR(verb == "delete" ? need(1, "delete LABEL")
                                                   : need(2, "visibility LABEL SECONDS"));
      auto id = ids_.find(args[0]);
      auto handle = id == ids_.end() ? handles_.end() : handles_.find(id->second);
      if (handle == handles_.end()) {
        return absl::InvalidArgumentError(Cat(args[0], " was never received"));
      }
      absl::Status s;
      if (verb == "delete") {
        s = ledger_->Delete(handle->second.first, handle->second.second);
      } else {
        int64_t seconds = 0;
        if (!ParseInt(args[1], &seconds)) {
          return absl::InvalidArgumentError(Cat("bad seconds ", args[1]));
        }
        s = ledger_->ChangeVisibility(handle->second.first, handle->second.second, seconds);
      }
      Print(Cat(verb, " ", args[0], s.ok() ? std::string() : Cat(": error: ", s.message())));
    } else if (verb == "redrive") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(1, "redrive SOURCE [to=QUEUE] [rate=N]"));
      EVMATCH_CLI_RETURN_IF_ERROR(check_options({"to", "rate"}));
      std::string source, destination;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &source));
      if (options.count("to")) EVMATCH_CLI_RETURN_IF_ERROR(Queue(options["to"], &destination));
      std::optional<int> rate;
      if (auto n = number("rate")) rate = static_cast<int>(*n);
      absl::StatusOr<std::string> task = ledger_->StartMoveTask(
          source, destination.empty() ? std::nullopt : std::optional<std::string_view>(destination),
          rate);
      if (!task.ok()) {
        Print(Cat("redrive ", args[0], ": error: ", task.status().message()));
      } else {
        tasks_[source] = *task;
        auto listed = ledger_->ListMoveTasks(source);
        Print(
            Cat("redrive ", args[0], ": task started, ",
                (*listed)[0].approximate_number_of_messages_to_move,
                (*listed)[0].approximate_number_of_messages_to_move == 1 ? " message" : " messages",
                " to move to ", destination.empty() ? "their sources" : ShortName(destination),
                rate ? Cat(" at ", *rate, "/s") : std::string()));
      }
    } else if (verb == "cancel-redrive") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(1, "cancel-redrive SOURCE"));
      std::string source;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &source));
      absl::StatusOr<int64_t> moved = ledger_->CancelMoveTask(tasks_[source]);
      Print(moved.ok() ? Cat("cancel-redrive ", args[0], ": ", *moved, " moved so far")
                       : Cat("cancel-redrive ", args[0], ": error: ", moved.status().message()));
    } else if (verb == "tasks") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(1, "tasks SOURCE"));
      std::string source;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &source));
      absl::StatusOr<std::vector<dlq::MoveTask>> list = ledger_->ListMoveTasks(source, 10);
      if (!list.ok()) {
        Print(Cat("tasks ", args[0], ": error: ", list.status().message()));
      } else {
        Print(Cat("tasks ", args[0], ": ", list->size(), list->size() == 1 ? " task" : " tasks"));
        for (const dlq::MoveTask& t : *list) {
          Print(Cat(
              "  ", dlq::MoveTaskStatusName(t.status), " started +",
              Duration(t.started_timestamp_ms - kStart), ", moved ",
              t.approximate_number_of_messages_moved, " of ",
              t.approximate_number_of_messages_to_move,
              t.failure_reason.empty() ? std::string() : Cat(": ", WithLabels(t.failure_reason))));
        }
      }
    } else if (verb == "counters") {
      EVMATCH_CLI_RETURN_IF_ERROR(need(1, "counters QUEUE"));
      std::string arn;
      EVMATCH_CLI_RETURN_IF_ERROR(Queue(args[0], &arn));
      dlq::QueueCounters c = *ledger_->Counters(arn);
      Print(Cat("counters ", args[0], ": visible ", c.approximate_number_of_messages,
                ", in flight ", c.approximate_number_of_messages_not_visible, ", delayed ",
                c.approximate_number_of_messages_delayed, ", oldest ",
                Duration(c.approximate_age_of_oldest_message_seconds * 1000), ", moved to DLQ ",
                c.moved_to_dead_letter_queue, ", expired ", c.expired));
    } else {
      return absl::InvalidArgumentError(Cat("unknown command ", verb));
    }
    Flush();
    return absl::OkStatus();
  }

 private:
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
  std::map<std::string, std::string> labels_, ids_;                     // id -> label, label -> id
  std::map<std::string, std::pair<std::string, std::string>> handles_;  // id -> (queue, handle)
  std::map<std::string, std::string> tasks_;                            // source -> handle
  std::vector<Event> events_;  // from LedgerOptions::on_transition, not yet printed
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
