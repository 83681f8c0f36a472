// The streaming ledger and its sharded form.

#include <yanxiu/io/error.hpp>
#include <yanxiu/ledger.hpp>

#include "io/fd.hpp"
#include "io/fields.hpp"
#include "io/read.hpp"
#include "io/record_json.hpp"
#include "io/scan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <type_traits>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

namespace yanxiu {

namespace detail {
struct ParkSpace {
    std::atomic<std::size_t> used{0};
    std::atomic<std::size_t> limit{kDefaultParkLimit};
};
}  // namespace detail

/// The ledger's own state beside its Dataset.
struct Ledger::State {
    // participant -> where its accepted events are in the dataset's columns,
    // in the order added: the events are kept once (in the columns), and a
    // re-evaluation gathers its participant's rows (4 bytes an event here,
    // against 32 for a copy of each)
    std::vector<std::vector<std::uint32_t>> own;
    std::unique_ptr<Evaluator> evaluator;  // made on first use, after the dataset exists
    static constexpr std::uint8_t kUnknownStatus = 0xff;
    std::vector<std::uint8_t> status;  // participant -> status after its latest event
    std::size_t participant_records = 0;
    std::size_t event_records = 0;
    Record scratch;  // the JSON overloads' record, reused
    Journal* journal = nullptr;
    bool replaying_parked = false;  // applying parked events: they were journaled when parked
    // participant id -> its parked events (snapshot-form JSON), in the order they came
    std::unordered_map<std::string, std::vector<std::string>> parked;
    std::size_t parked_events = 0;
    std::shared_ptr<detail::ParkSpace> space = std::make_shared<detail::ParkSpace>();
};

namespace {

/// A JSON object as a Record; a rejection when it cannot be one.
std::optional<Rejection> record_from_json(const nlohmann::json& json, Record& record, std::string_view where,
                                          std::size_t line) {
    if (auto error = detail::fields_from_json(json, record))
        return Rejection{std::string(where), line, error->field, error->code, error->message};
    return std::nullopt;
}

void fill(Update& update, const Outcome& o) {
    update.status = o.status;
    update.lessons_credited = o.lessons_credited;
    update.lessons_required = o.lessons_required;
    update.seconds_credited = o.seconds_credited;
    update.hours_credited = o.hours_credited;
}

}  // namespace

Ledger::Ledger(Program program)
    : program_(std::make_unique<Program>(std::move(program))),
      data_(std::make_unique<Dataset>(*program_)),
      state_(std::make_unique<State>()) {
    data_->rejections_kept = 0;  // each add returns its rejection; a service must not grow with bad input
}
Ledger::~Ledger() = default;
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;

AddResult Ledger::add_participant_checked(const Record& record, std::string where, std::size_t line) {
    AddResult result;
    result.id = record_id(record.get(Field::id)).value_or("");
    result.result = data_->add_participant(record, where, line);
    if (result.result == AddStatus::accepted) {
        std::uint32_t p = 0;
        if (auto replaced = data_->last_participant_replaced()) {
            // Same id, a smaller canonical form: the participant's fields changed, not its events.
            if (*replaced < state_->status.size()) state_->status[*replaced] = State::kUnknownStatus;
            p = *replaced;
        } else {
            state_->own.emplace_back();
            p = static_cast<std::uint32_t>(data_->participants().size() - 1);
        }
        if (state_->journal)
            state_->journal->append('P', detail::dump_line(detail::participant_json(*program_, data_->participants()[p])));
        if (!state_->parked.empty()) apply_parked(result.id);
    }
    if (result.result == AddStatus::rejected) result.rejection = data_->last_rejection();
    return result;
}

AddResult Ledger::add_participant(const Record& record) {
    return add_participant_checked(record, "<ledger>", ++state_->participant_records);
}

AddResult Ledger::add_participant(const nlohmann::json& record) {
    const std::size_t line = ++state_->participant_records;
    if (auto rejection = record_from_json(record, state_->scratch, "<ledger>", line)) {
        data_->reject_participant(rejection->file, rejection->line, rejection->field, rejection->code,
                                  rejection->message);
        AddResult result;
        result.rejection = std::move(rejection);
        return result;
    }
    return add_participant_checked(state_->scratch, "<ledger>", line);
}

Outcome Ledger::evaluate_participant(std::uint32_t p, Instant as_of, Detail detail) const {
    if (!state_->evaluator) state_->evaluator = std::make_unique<Evaluator>(*program_, data_->lessons(), &data_->notes());
    state_->evaluator->set_detail(detail);
    const std::vector<std::uint32_t>& mine = state_->own[p];
    return state_->evaluator->evaluate(data_->participants()[p], data_->events(), mine.data(), mine.size(), as_of);
}

Update Ledger::add_checked(const Record& event, std::string where, std::size_t line) {
    Update update;
    update.participant = record_id(event.get(Field::participant)).value_or("");
    const std::size_t events_before = data_->events().size();
    const auto known = update.participant.empty() ? std::nullopt : data_->find_participant(update.participant);
    if (!update.participant.empty() && !known && park(update.participant, event, where, line, update))
        return update;
    // The standing before this event (known after every event; else
    // evaluated now, while a row the event may replace still holds the old one).
    const Status before = known ? standing(*known) : Status::not_started;
    update.result = data_->add_event(event, where, line);
    if (update.result == AddStatus::rejected) {
        update.rejection = data_->last_rejection();
        return update;
    }
    if (update.result != AddStatus::accepted) {
        if (known) fill(update, evaluate_participant(*known, kEndOfTime, Detail::summary));
        return update;
    }
    State& st = *state_;
    const std::uint32_t e = data_->last_replacement() ? data_->last_replacement()->index
                                                      : static_cast<std::uint32_t>(events_before);
    const std::uint32_t p = data_->events().participant[e];
    if (const auto& replaced = data_->last_replacement()) {
        // The event took the place of one with the same id (a smaller
        // canonical form), in the same row: the row leaves its old
        // participant's list and joins the new one's, as if added now.
        auto& theirs = st.own[replaced->before.participant];
        if (const auto row = std::find(theirs.begin(), theirs.end(), e); row != theirs.end()) theirs.erase(row);
        st.status[replaced->before.participant] = State::kUnknownStatus;
    }
    std::vector<std::uint32_t>& mine = st.own[p];
    if (mine.size() == mine.capacity()) mine.reserve(mine.size() + mine.size() / 2 + 4);  // 1.5x, not 2x: less slack
    mine.push_back(e);
    if (st.journal && !st.replaying_parked) {
        const std::string id = record_id(event.get(Field::id)).value_or("");
        st.journal->append('E', detail::dump_line(detail::event_json(*data_, e, id)));
    }
    const Outcome after = evaluate_participant(p, kEndOfTime, Detail::summary);
    st.status[p] = static_cast<std::uint8_t>(after.status);
    fill(update, after);
    update.completed_now = after.status == Status::completed && before != Status::completed;
    return update;
}

bool Ledger::park(const std::string& participant, const Record& event, std::string_view where, std::size_t line,
                  Update& update) {
    State& st = *state_;
    detail::ParkSpace& space = *st.space;
    if (space.limit.load(std::memory_order_relaxed) == 0) return false;  // rejected unknown_participant
    std::string json;
    if (auto rejection = data_->check_event(event, where, line, &json)) {
        data_->reject_event(rejection->file, rejection->line, rejection->field, rejection->code, rejection->message);
        update.result = AddStatus::rejected;
        update.rejection = std::move(rejection);
        return true;
    }
    auto& waiting = st.parked[participant];
    if (std::find(waiting.begin(), waiting.end(), json) != waiting.end()) {
        update.result = AddStatus::duplicate;
        update.parked = true;
        return true;
    }
    // Take a place, if there is one (shards share the space).
    std::size_t used = space.used.load(std::memory_order_relaxed);
    do {
        if (used >= space.limit.load(std::memory_order_relaxed)) {
            if (waiting.empty()) st.parked.erase(participant);
            data_->reject_event(where, line, "participant", RejectCode::unknown_participant,
                                "participant " + detail::quote_value(participant) +
                                    " is not among the participants read, and " +
                                    std::to_string(space.limit.load()) +
                                    " events already wait for their participant (the limit)");
            update.result = AddStatus::rejected;
            update.rejection = data_->last_rejection();
            return true;
        }
    } while (!space.used.compare_exchange_weak(used, used + 1, std::memory_order_relaxed));
    if (st.journal) st.journal->append('E', json);
    waiting.push_back(std::move(json));
    ++st.parked_events;
    update.result = AddStatus::accepted;
    update.parked = true;
    return true;
}

void Ledger::apply_parked(const std::string& participant) {
    State& st = *state_;
    auto found = st.parked.find(participant);
    if (found == st.parked.end()) return;
    std::vector<std::string> waiting = std::move(found->second);
    st.parked.erase(found);
    st.parked_events -= waiting.size();
    st.space->used.fetch_sub(waiting.size(), std::memory_order_relaxed);
    st.replaying_parked = true;
    Record fields;
    std::size_t n = 0;
    for (const auto& text : waiting) {
        ++n;
        const auto json = nlohmann::json::parse(text, nullptr, false);
        if (record_from_json(json, fields, "<parked>", n)) continue;  // written by check_event: cannot happen
        (void)add_checked(fields, "<parked>", n);
    }
    st.replaying_parked = false;
}

std::size_t Ledger::parked_count() const noexcept { return state_->parked_events; }

void Ledger::set_park_limit(std::size_t limit) noexcept { state_->space->limit = limit; }

void Ledger::set_journal(Journal* journal) noexcept { state_->journal = journal; }

Status Ledger::standing(std::uint32_t p) {
    State& st = *state_;
    if (st.status.size() < st.own.size()) st.status.resize(st.own.size(), State::kUnknownStatus);
    if (st.status[p] == State::kUnknownStatus)
        st.status[p] = static_cast<std::uint8_t>(evaluate_participant(p, kEndOfTime, Detail::summary).status);
    return static_cast<Status>(st.status[p]);
}

Update Ledger::add(const Record& event) { return add_checked(event, "<ledger>", ++state_->event_records); }

Update Ledger::add(const nlohmann::json& event) {
    const std::size_t line = ++state_->event_records;
    if (auto rejection = record_from_json(event, state_->scratch, "<ledger>", line)) {
        data_->reject_event(rejection->file, rejection->line, rejection->field, rejection->code, rejection->message);
        Update update;
        if (event.is_object())
            if (auto who = event.find("participant"); who != event.end()) {
                if (who->is_string()) update.participant = who->get<std::string>();
                else if (who->is_number_integer()) update.participant = who->dump();
            }
        update.rejection = std::move(rejection);
        return update;
    }
    return add_checked(state_->scratch, "<ledger>", line);
}

std::optional<Outcome> Ledger::outcome(std::string_view id, Instant as_of) const {
    auto index = data_->find_participant(id);
    if (!index) return std::nullopt;
    return evaluate_participant(*index, as_of, Detail::full);
}

std::vector<Outcome> Ledger::outcomes(Instant as_of) const {
    EvaluateOptions options;
    if (as_of != kEndOfTime) options.as_of = as_of;
    options.threads = 1;
    return evaluate_all(*data_, options);
}

void Ledger::each_record(const std::function<void(char kind, const std::string& json)>& out) const {
    for (const auto& p : data_->participants()) out('P', detail::dump_line(detail::participant_json(*program_, p)));
    const auto record_ids = data_->event_record_ids();
    for (std::size_t i = 0; i < data_->events().size(); ++i)
        out('E', detail::dump_line(detail::event_json(*data_, i, record_ids[i])));
    for (const auto& [who, waiting] : state_->parked)
        for (const auto& e : waiting) out('E', e);
}

nlohmann::ordered_json Ledger::snapshot() const {
    nlohmann::ordered_json out;
    out["format"] = kLedgerSnapshotFormat;
    out["program"] = program_->to_json();
    auto& people = out["participants"] = nlohmann::ordered_json::array();
    for (const auto& p : data_->participants()) people.push_back(detail::participant_json(*program_, p));
    auto& events = out["events"] = nlohmann::ordered_json::array();
    const auto record_ids = data_->event_record_ids();
    for (std::size_t i = 0; i < data_->events().size(); ++i) events.push_back(detail::event_json(*data_, i, record_ids[i]));
    if (!state_->parked.empty()) {
        auto& parked = out["parked"] = nlohmann::ordered_json::array();
        for (const auto& [who, waiting] : state_->parked)
            for (const auto& e : waiting) parked.push_back(nlohmann::ordered_json::parse(e));
    }
    return out;
}

namespace {

/// The snapshot's participants and events arrays; throws ProgramError naming `source`.
std::pair<const nlohmann::json*, const nlohmann::json*> snapshot_records(const nlohmann::json& snapshot,
                                                                         const std::string& source) {
    if (!snapshot.is_object() || snapshot.value("format", "") != kLedgerSnapshotFormat)
        throw ProgramError(source, "format", "not a " + std::string(kLedgerSnapshotFormat) + " snapshot");
    const auto people = snapshot.find("participants");
    const auto happenings = snapshot.find("events");
    if (people == snapshot.end() || happenings == snapshot.end() || !people->is_array() || !happenings->is_array())
        throw ProgramError(source, "participants", "participants and events must be arrays");
    return {&*people, &*happenings};
}

}  // namespace

Ledger Ledger::restore(const nlohmann::json& snapshot) {
    auto [people, happenings] = snapshot_records(snapshot, "<snapshot>");
    if (!snapshot.contains("program")) throw ProgramError("<snapshot>", "program", "the snapshot names no programme");
    Ledger ledger(Program::from_json(snapshot.at("program"), "<snapshot>"));
    for (const auto& p : *people) (void)ledger.add_participant(p);
    for (const auto& e : *happenings) (void)ledger.add(e);
    if (auto parked = snapshot.find("parked"); parked != snapshot.end() && parked->is_array())
        for (const auto& e : *parked) (void)ledger.add(e);
    return ledger;
}

// ---------------------------------------------------------------------------
// ShardedLedger

struct ShardedLedger::Shard {
    explicit Shard(const Program& program) : ledger(program) {}
    std::mutex mutex;
    Ledger ledger;
};

ShardedLedger::ShardedLedger(const Program& program, std::size_t shards)
    : program_(program), park_space_(std::make_shared<detail::ParkSpace>()) {
    if (shards == 0) shards = 1;
    for (std::size_t i = 0; i < shards; ++i) {
        shards_.push_back(std::make_unique<Shard>(program));
        shards_.back()->ledger.state_->space = park_space_;
    }
}

std::size_t ShardedLedger::parked_count() { return park_space_->used.load(); }

void ShardedLedger::set_park_limit(std::size_t limit) { park_space_->limit = limit; }

void ShardedLedger::set_journal(Journal* journal) {
    for (auto& s : shards_) {
        std::lock_guard<std::mutex> lock(s->mutex);
        s->ledger.set_journal(journal);
    }
}
ShardedLedger::~ShardedLedger() = default;

ShardedLedger::Shard& ShardedLedger::shard_for(std::string_view id) {
    return *shards_[detail::hash_bytes(id) % shards_.size()];
}

AddResult ShardedLedger::add_participant(const Record& record) {
    Shard& s = shard_for(record_id(record.get(Field::id)).value_or(""));
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.ledger.add_participant(record);
}

AddResult ShardedLedger::add_participant(const nlohmann::json& record) { return add_json<AddResult>(record); }

Update ShardedLedger::add(const Record& event) {
    Shard& s = shard_for(record_id(event.get(Field::participant)).value_or(""));
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.ledger.add(event);
}

Update ShardedLedger::add(const nlohmann::json& event) { return add_json<Update>(event); }

template <class Result>
Result ShardedLedger::add_json(const nlohmann::json& json) {
    Record fields;
    if (auto rejection = record_from_json(json, fields, "<ledger>", 0)) {
        Result result;
        result.rejection = std::move(rejection);
        return result;
    }
    if constexpr (std::is_same_v<Result, Update>) return add(fields);
    else return add_participant(fields);
}

namespace {

/// Scans a text body and hands each record to `add(record, line)`, which
/// returns its status and rejection; counts everything into `out`.
template <class Add>
BatchResult add_text(std::string_view text, std::string_view where, Format format, Add&& add) {
    BatchResult out;
    auto on_record = [&](const Record& record, std::size_t line) { add(record, line, out); };
    auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
        ++out.summary.read;
        ++out.summary.rejected;
        out.reject(Rejection{std::string(where), line, std::string(field), code, std::move(message)});
    };
    detail::scan_text(text, format, where, on_record, on_error);
    return out;
}

}  // namespace

void for_each_record(std::string_view text, std::string_view where, Format format,
                     const std::function<void(const Record&, std::size_t)>& on_record,
                     const std::function<void(Rejection)>& on_error) {
    detail::scan_text(
        text, format, where, [&](const Record& record, std::size_t line) { on_record(record, line); },
        [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            on_error(Rejection{std::string(where), line, std::string(field), code, std::move(message)});
        });
}

BatchResult ShardedLedger::add_participants(std::string_view text, std::string_view where, Format format) {
    return add_text(text, where, format, [&](const Record& record, std::size_t line, BatchResult& out) {
        Shard& s = shard_for(record_id(record.get(Field::id)).value_or(""));
        std::lock_guard<std::mutex> lock(s.mutex);
        AddResult r = s.ledger.add_participant_checked(record, std::string(where), line);
        detail::count(out.summary, r.result);
        if (r.rejection) out.reject(std::move(*r.rejection));
    });
}

BatchResult ShardedLedger::add_events(std::string_view text, std::string_view where, Format format) {
    return add_text(text, where, format, [&](const Record& record, std::size_t line, BatchResult& out) {
        Shard& s = shard_for(record_id(record.get(Field::participant)).value_or(""));
        std::lock_guard<std::mutex> lock(s.mutex);
        Update u = s.ledger.add_checked(record, std::string(where), line);
        detail::count(out.summary, u.result);
        if (u.rejection) out.reject(std::move(*u.rejection));
        if (u.completed_now) ++out.completed;
        if (u.parked && u.accepted()) ++out.parked;
    });
}

std::optional<Outcome> ShardedLedger::outcome(std::string_view id, Instant as_of) {
    Shard& s = shard_for(id);
    std::lock_guard<std::mutex> lock(s.mutex);
    return s.ledger.outcome(id, as_of);
}

std::optional<std::string> ShardedLedger::unit_of(std::string_view id) {
    Shard& s = shard_for(id);
    std::lock_guard<std::mutex> lock(s.mutex);
    const Dataset& data = s.ledger.data();
    auto index = data.find_participant(id);
    if (!index) return std::nullopt;
    return data.participants()[*index].unit;
}

std::vector<Outcome> ShardedLedger::outcomes(Instant as_of) {
    std::vector<Outcome> all;
    for (auto& s : shards_) {
        std::lock_guard<std::mutex> lock(s->mutex);
        auto part = s->ledger.outcomes(as_of);
        all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    std::sort(all.begin(), all.end(), [](const Outcome& a, const Outcome& b) { return a.participant < b.participant; });
    return all;
}

ShardedLedger::Counts ShardedLedger::counts() {
    Counts c;
    for (auto& s : shards_) {
        std::lock_guard<std::mutex> lock(s->mutex);
        c.participants += s->ledger.participant_count();
        c.events += s->ledger.event_count();
    }
    return c;
}

nlohmann::ordered_json ShardedLedger::snapshot() {
    nlohmann::ordered_json out;
    out["format"] = kLedgerSnapshotFormat;
    out["program"] = program_.to_json();
    auto& people = out["participants"] = nlohmann::ordered_json::array();
    auto& events = out["events"] = nlohmann::ordered_json::array();
    for (auto& s : shards_) {
        nlohmann::ordered_json part;
        {
            std::lock_guard<std::mutex> lock(s->mutex);
            part = s->ledger.snapshot();
        }
        for (auto& p : part["participants"]) people.push_back(std::move(p));
        for (auto& e : part["events"]) events.push_back(std::move(e));
        if (part.contains("parked")) {
            auto& parked = out["parked"];
            if (parked.is_null()) parked = nlohmann::ordered_json::array();
            for (auto& e : part["parked"]) parked.push_back(std::move(e));
        }
    }
    return out;
}

void ShardedLedger::each_record(const std::function<void(char kind, const std::string& json)>& out) {
    for (auto& s : shards_) {
        std::lock_guard<std::mutex> lock(s->mutex);
        s->ledger.each_record(out);
    }
}

void ShardedLedger::save(const std::string& path) {
    // Shard by shard, so that the whole state is never one document in memory.
    std::string participants, events, parked;
    const auto add = [](std::string& list, const nlohmann::ordered_json& record) {
        list += (list.empty() ? "\n" : ",\n") + detail::dump_line(record);
    };
    for (auto& s : shards_) {
        nlohmann::ordered_json part;
        {
            std::lock_guard<std::mutex> lock(s->mutex);
            part = s->ledger.snapshot();
        }
        for (const auto& p : part["participants"]) add(participants, p);
        for (const auto& e : part["events"]) add(events, e);
        if (part.contains("parked"))  // after every participant, they are parked again on restore
            for (const auto& e : part["parked"]) add(parked, e);
    }
    const std::string text = "{\"format\":\"" + std::string(kLedgerSnapshotFormat) + "\",\"program\":" +
                             detail::dump_line(program_.to_json()) + ",\n\"participants\":[" + participants +
                             "\n],\n\"events\":[" + events + "\n]" +
                             (parked.empty() ? std::string() : ",\n\"parked\":[" + parked + "\n]") + "}\n";
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw io_error(tmp, "cannot open for writing", errno);
    if (!detail::write_all(fd, text)) {
        const int error = errno;
        ::close(fd);
        throw io_error(tmp, "cannot write", error);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) throw io_error(tmp, "cannot write", errno);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw io_error(path, "cannot replace with " + tmp, errno);
}

ShardedLedger::Counts ShardedLedger::restore(const std::string& path) {
    std::string text = detail::read_whole_file(path);
    nlohmann::json snapshot = nlohmann::json::parse(text, nullptr, false);
    text.clear();
    text.shrink_to_fit();
    if (snapshot.is_discarded()) throw ProgramError(path, "", "not a " + std::string(kLedgerSnapshotFormat) + " snapshot");
    auto [people, happenings] = snapshot_records(snapshot, path);
    const auto program = snapshot.find("program");
    if (program == snapshot.end() || *program != nlohmann::json::parse(program_.to_json().dump()))
        throw ProgramError(path, "program", "the state was kept for another programme (or another version of it)");
    Counts added;
    for (const auto& p : *people) {
        if (add_participant(p).accepted()) ++added.participants;
        else ++added.not_kept;
    }
    auto add_event = [&](const nlohmann::json& e) {
        if (add(e).accepted()) ++added.events;
        else ++added.not_kept;
    };
    for (const auto& e : *happenings) add_event(e);
    if (auto parked = snapshot.find("parked"); parked != snapshot.end() && parked->is_array())
        for (const auto& e : *parked) add_event(e);
    return added;
}

}  // namespace yanxiu
