#pragma once
/// \file ledger.hpp
/// A streaming ledger for services: participants and events arrive one at a
/// time, in any order, and each answer equals what batch evaluation of the
/// same records would give (the same `Evaluator` decides both).

#include <yanxiu/evaluate.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/records.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yanxiu {

/// What one `Ledger::add` changed for its participant.
struct Update {
    bool accepted = false;               ///< false: rejected or a duplicate
    bool duplicate = false;              ///< the same record was already added
    std::optional<Rejection> rejection;  ///< why it was rejected, if it was
    std::string participant;
    Status status = Status::not_started;
    int lessons_credited = 0;
    int lessons_required = 0;
    Seconds seconds_credited{0};
    double hours_credited = 0;
    bool completed_now = false;  ///< this event earned the certificate
};

/// Holds one programme's participants and events and evaluates on demand.
/// Not thread-safe by itself; `ShardedLedger` is.
class Ledger {
public:
    explicit Ledger(Program program)
        : program_(std::make_unique<Program>(std::move(program))), data_(std::make_unique<Dataset>(*program_)) {}

    [[nodiscard]] const Program& program() const noexcept { return *program_; }

    /// Adds a participant record (fields as SPEC §4).  Returns the rejection, if any.
    std::optional<Rejection> add_participant(const nlohmann::json& record) {
        const std::size_t before = data_->rejections().size();
        const bool accepted = data_->add_participant(record, "<ledger>", ++participant_records_);
        if (accepted) own_.emplace_back();
        if (data_->rejections().size() > before) return data_->rejections().back();
        return std::nullopt;
    }

    /// Adds an event record (study or quiz, fields as SPEC §4) and returns
    /// its participant's new standing.
    Update add(const nlohmann::json& event) {
        Update update;
        const std::size_t rejected_before = data_->rejections().size();
        const std::size_t events_before = data_->events().size();
        const bool accepted = data_->add_event(event, "<ledger>", ++event_records_);
        if (event.is_object()) {
            auto who = event.find("participant");
            if (who != event.end() && who->is_string()) update.participant = who->get<std::string>();
        }
        if (data_->rejections().size() > rejected_before) {
            update.rejection = data_->rejections().back();
            return update;
        }
        if (!accepted || data_->events().size() == events_before) {
            update.duplicate = true;
            if (auto index = data_->find_participant(update.participant))
                fill(update, evaluate_participant(*index, kEndOfTime, Detail::summary));
            return update;
        }
        update.accepted = true;
        const auto e = static_cast<std::uint32_t>(events_before);
        const std::uint32_t p = data_->events().participant[e];
        const Status before = current_status(p);
        std::vector<PackedEvent>& mine = own_[p];
        if (mine.size() == mine.capacity()) mine.reserve(mine.size() + mine.size() / 2 + 4);  // 1.5x, not 2x: less slack
        mine.push_back(PackedEvent::from(data_->events(), e));
        const Outcome after = evaluate_participant(p, kEndOfTime, Detail::summary);
        status_[p] = static_cast<std::uint8_t>(after.status);
        fill(update, after);
        update.completed_now = after.status == Status::completed && before != Status::completed;
        return update;
    }

    /// The participant's outcome as of `as_of` (no limit by default); nullopt if unknown.
    [[nodiscard]] std::optional<Outcome> outcome(std::string_view id, Instant as_of = kEndOfTime) const {
        auto index = data_->find_participant(id);
        if (!index) return std::nullopt;
        return evaluate_participant(*index, as_of);
    }

    /// Every participant's outcome, sorted by id (what batch evaluation gives).
    [[nodiscard]] std::vector<Outcome> outcomes(Instant as_of = kEndOfTime) const {
        EvaluateOptions options;
        if (as_of != kEndOfTime) options.as_of = as_of;
        options.threads = 1;
        return evaluate_all(*data_, options);
    }

    [[nodiscard]] const Dataset& data() const noexcept { return *data_; }
    [[nodiscard]] std::size_t participant_count() const noexcept { return data_->participants().size(); }
    [[nodiscard]] std::size_t event_count() const noexcept { return data_->events().size(); }

    /// Everything needed to resume: the programme and every accepted record,
    /// in the order added (so duplicate decisions replay identically).
    [[nodiscard]] nlohmann::json snapshot() const {
        nlohmann::json out;
        out["format"] = "yanxiu-ledger/1";
        out["program"] = program_->to_json();
        auto& people = out["participants"] = nlohmann::json::array();
        const auto& categories = program_->categories();
        for (const auto& p : data_->participants()) {
            nlohmann::json r = {{"id", p.id},
                                {"unit", p.unit},
                                {"category", categories[p.category].id},
                                {"verified", p.verified}};
            if (p.sector != Sector::unknown) r["sector"] = std::string(to_string(p.sector));
            if (!p.name.empty()) r["name"] = p.name;
            people.push_back(std::move(r));
        }
        auto& events = out["events"] = nlohmann::json::array();
        const auto& columns = data_->events();
        const auto record_ids = data_->event_record_ids();
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const Event e = columns.row(i);
            nlohmann::json r = {{"participant", data_->participants()[e.participant].id},
                                {"lesson", data_->lessons().str(e.lesson)}};
            if (!record_ids[i].empty()) r["id"] = record_ids[i];
            if (e.kind == EventKind::study) {
                r["kind"] = "study";
                r["start"] = format_instant_utc(e.start);
                r["end"] = format_instant_utc(e.end);
            } else {
                r["kind"] = "quiz";
                r["at"] = format_instant_utc(e.start);
                if (!std::isnan(e.score)) r["score"] = e.score;
                r["completed"] = e.completed;
            }
            events.push_back(std::move(r));
        }
        return out;
    }

    /// Rebuilds a ledger from `snapshot()`; throws ProgramError on a bad snapshot.
    [[nodiscard]] static Ledger restore(const nlohmann::json& snapshot) {
        if (!snapshot.is_object() || snapshot.value("format", "") != "yanxiu-ledger/1")
            throw ProgramError("<snapshot>", "format", "not a yanxiu-ledger/1 snapshot");
        Ledger ledger(Program::from_json(snapshot.at("program"), "<snapshot>"));
        for (const auto& p : snapshot.at("participants")) ledger.add_participant(p);
        for (const auto& e : snapshot.at("events")) ledger.add(e);
        return ledger;
    }

private:
    enum class Detail { full, summary };

    /// `full`: the whole explanation (answers to `outcome()`); `summary`:
    /// status and counts only, nothing allocated (what `add` reports).
    Outcome evaluate_participant(std::uint32_t p, Instant as_of, Detail detail = Detail::full) const {
        if (!evaluator_) evaluator_ = std::make_unique<Evaluator>(*program_, data_->lessons());
        evaluator_->set_summary_only(detail == Detail::summary);
        const std::vector<PackedEvent>& mine = own_[p];
        return evaluator_->evaluate(data_->participants()[p], mine.data(), mine.size(), as_of);
    }

    /// The participant's status before this event (one byte a participant,
    /// not a cached Outcome).
    Status current_status(std::uint32_t p) {
        if (status_.size() < own_.size()) status_.resize(own_.size(), kUnknownStatus);
        if (status_[p] == kUnknownStatus)
            status_[p] = static_cast<std::uint8_t>(evaluate_participant(p, kEndOfTime, Detail::summary).status);
        return static_cast<Status>(status_[p]);
    }

    void fill(Update& update, const Outcome& o) const {
        update.status = o.status;
        update.lessons_credited = o.lessons_credited;
        update.lessons_required = o.lessons_required;
        update.seconds_credited = o.seconds_credited;
        update.hours_credited = o.hours_credited;
    }

    std::unique_ptr<Program> program_;  // on the heap: the dataset points at it
    std::unique_ptr<Dataset> data_;
    // participant -> its accepted events side by side, in the order added: a
    // re-evaluation reads one short array, not rows scattered over the columns
    std::vector<std::vector<PackedEvent>> own_;
    mutable std::unique_ptr<Evaluator> evaluator_;  // made on first use, after data_ exists
    static constexpr std::uint8_t kUnknownStatus = 0xff;
    std::vector<std::uint8_t> status_;  // participant -> status after its latest event
    std::size_t participant_records_ = 0;
    std::size_t event_records_ = 0;
};

/// A ledger split into shards by participant id, each behind its own lock, so
/// that many threads can add and read at once.
class ShardedLedger {
public:
    ShardedLedger(const Program& program, std::size_t shards = 16) {
        if (shards == 0) shards = 1;
        for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(program));
    }

    std::optional<Rejection> add_participant(const nlohmann::json& record) {
        Shard& s = shard_for(record);
        std::lock_guard<std::mutex> lock(s.mutex);
        return s.ledger.add_participant(record);
    }
    Update add(const nlohmann::json& event) {
        Shard& s = shard_for(event, "participant");
        std::lock_guard<std::mutex> lock(s.mutex);
        return s.ledger.add(event);
    }
    [[nodiscard]] std::optional<Outcome> outcome(std::string_view id, Instant as_of = kEndOfTime) {
        Shard& s = *shards_[detail::hash_bytes(id) % shards_.size()];
        std::lock_guard<std::mutex> lock(s.mutex);
        return s.ledger.outcome(id, as_of);
    }
    /// Every participant's outcome, sorted by id.
    [[nodiscard]] std::vector<Outcome> outcomes(Instant as_of = kEndOfTime) {
        std::vector<Outcome> all;
        for (auto& s : shards_) {
            std::lock_guard<std::mutex> lock(s->mutex);
            auto part = s->ledger.outcomes(as_of);
            all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        }
        std::sort(all.begin(), all.end(), [](const Outcome& a, const Outcome& b) { return a.participant < b.participant; });
        return all;
    }

private:
    struct Shard {
        explicit Shard(const Program& program) : ledger(program) {}
        std::mutex mutex;
        Ledger ledger;
    };
    Shard& shard_for(const nlohmann::json& record, const char* key = "id") {
        std::string id;
        if (record.is_object()) {
            auto it = record.find(key);
            if (it != record.end()) {
                if (it->is_string()) id = it->get<std::string>();
                else if (it->is_number_integer()) id = std::to_string(it->get<std::int64_t>());
            }
        }
        return *shards_[detail::hash_bytes(id) % shards_.size()];
    }
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace yanxiu
