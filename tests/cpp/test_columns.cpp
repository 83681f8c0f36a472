// Records given column by column (io/columns.hpp): in pieces of rows, on
// any number of threads, with text borrowed or by category, every row gets
// exactly what the same record added alone would get.

#include <doctest/doctest.h>
#include <yanxiu/yanxiu.hpp>
#include <simulate.hpp>

#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

yanxiu::Value value_of(const nlohmann::json& j) {
    yanxiu::Value v;
    if (j.is_string()) v.type = yanxiu::ValueType::string, v.text = j.get<std::string>();
    else if (j.is_boolean()) v.set_boolean(j.get<bool>());
    else if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        v.set_unsigned(j.get<std::uint64_t>());
    else if (j.is_number_integer()) v.set_integer(j.get<std::int64_t>());
    else if (j.is_number_float()) v.type = yanxiu::ValueType::number, v.number = j.get<double>();
    else if (j.is_null()) v.set_null();
    else v.type = yanxiu::ValueType::nested;
    return v;
}

/// The JSON objects among a text's lines (lines that are not one are left out).
std::vector<nlohmann::json> objects(const std::string& jsonl) {
    std::vector<nlohmann::json> out;
    std::istringstream in(jsonl);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object()) out.push_back(std::move(j));
    }
    return out;
}

std::set<std::string> keys_of(const std::vector<nlohmann::json>& records) {
    std::set<std::string> keys;
    for (const auto& r : records)
        for (const auto& item : r.items()) keys.insert(item.key());
    return keys;
}

enum class Style {
    values,  ///< every column one Value per cell
    typed,   ///< text borrowed where every cell is a string, participant and lesson by category, scores as numbers
};

/// `records` as a table; borrowed text lives in `keep`.
yanxiu::RecordTable table_of(const std::vector<nlohmann::json>& records, Style style, std::deque<std::string>& keep) {
    const std::size_t n = records.size();
    yanxiu::RecordTable table(n);
    for (const std::string& key : keys_of(records)) {
        bool all_text = true, all_numbers = true;
        for (const auto& r : records) {
            auto it = r.find(key);
            if (it == r.end()) continue;
            all_text = all_text && it->is_string();
            all_numbers = all_numbers && it->is_number();
        }
        if (style == Style::typed && all_text && (key == "participant" || key == "lesson")) {
            std::map<std::string, std::int32_t> code;
            std::vector<yanxiu::Value> categories;
            std::vector<std::int32_t> codes(n, -1);
            for (std::size_t i = 0; i < n; ++i) {
                auto it = records[i].find(key);
                if (it == records[i].end()) continue;
                auto [slot, fresh] = code.emplace(it->get<std::string>(), static_cast<std::int32_t>(categories.size()));
                if (fresh) categories.push_back(value_of(*it));
                codes[i] = slot->second;
            }
            table.add(yanxiu::RecordColumn::of_categories(key, std::move(categories), std::move(codes)));
        } else if (style == Style::typed && all_text) {
            std::vector<std::string_view> views(n);
            std::vector<std::uint8_t> missing(n, 0);
            for (std::size_t i = 0; i < n; ++i) {
                auto it = records[i].find(key);
                if (it == records[i].end()) missing[i] = 1;
                else views[i] = keep.emplace_back(it->get<std::string>());
            }
            table.add(yanxiu::RecordColumn::of_text_views(key, std::move(views), std::move(missing)));
        } else if (style == Style::typed && all_numbers) {
            std::vector<double> cells(n, std::nan(""));
            for (std::size_t i = 0; i < n; ++i)
                if (auto it = records[i].find(key); it != records[i].end()) cells[i] = it->get<double>();
            table.add(yanxiu::RecordColumn::of_numbers(key, std::move(cells)));
        } else {
            std::vector<yanxiu::Value> cells(n);
            for (std::size_t i = 0; i < n; ++i)
                if (auto it = records[i].find(key); it != records[i].end()) cells[i] = value_of(*it);
            table.add(yanxiu::RecordColumn::of_values(key, std::move(cells)));
        }
    }
    return table;
}

/// Every record added alone, as a row of a table was before pieces.
void add_one_by_one(yanxiu::Dataset& data, const std::vector<nlohmann::json>& records, bool events) {
    for (std::size_t i = 0; i < records.size(); ++i) {
        yanxiu::Record record;
        for (const auto& item : records[i].items())
            if (auto field = yanxiu::field_from_header(item.key())) record.slot(*field) = value_of(item.value());
        if (events) data.add_event(record, events ? "<events>" : "<participants>", i + 1);
        else data.add_participant(record, "<participants>", i + 1);
    }
}

std::string outcome_lines(const yanxiu::Dataset& data) {
    yanxiu::OutcomeJson with_lessons;
    with_lessons.include_lessons = true;
    std::string out;
    for (const auto& o : yanxiu::evaluate_all(data)) yanxiu::append_json_line(out, o, data.program().time_zone(), with_lessons);
    return out;
}

std::string summary_text(const yanxiu::ReadSummary& s) {
    return std::to_string(s.read) + " " + std::to_string(s.accepted) + " " + std::to_string(s.rejected) + " " +
           std::to_string(s.duplicates);
}

}  // namespace

TEST_CASE("add_events: rows in pieces on threads, borrowed or by category, as each record added alone") {
    yanxiu::SimulationOptions options;
    options.participants = 3000;  // about 60,000 events: several pieces of rows
    options.seed = 11;
    options.malformed_share = 0.02;  // duplicates, conflicting ids, every kind of rejection
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    const auto cohort = yanxiu::simulate(program, options);
    const auto people = objects(cohort.participants_jsonl);
    auto events = objects(cohort.events_jsonl);
    // Rows the view path cannot take: text that is not UTF-8, a field over
    // the length limit, an integer beyond 64 bits, a nested value.
    const std::string who = people.front()["id"].get<std::string>();
    events.push_back({{"kind", "study"}, {"participant", who}, {"lesson", "L01"},
                      {"start", "2023-01-10T08:00:00+08:00"}, {"end", "2023-01-10T08:30:00+08:00"}, {"id", "bad\xff"}});
    events.push_back({{"kind", "study"}, {"participant", who}, {"lesson", std::string(5000, 'L')},
                      {"start", "2023-01-10T09:00:00+08:00"}, {"end", "2023-01-10T09:30:00+08:00"}});
    events.push_back({{"kind", "quiz"}, {"participant", who}, {"lesson", "L02"}, {"at", "2023-01-10T10:00:00+08:00"},
                      {"score", 18446744073709551615ULL}});
    events.push_back({{"kind", "quiz"}, {"participant", who}, {"lesson", "L02"}, {"at", "2023-01-10T10:00:00+08:00"},
                      {"completed", {{"nested", true}}}});
    REQUIRE(events.size() > 3 * 16384);

    yanxiu::Dataset reference(program);
    add_one_by_one(reference, people, false);
    add_one_by_one(reference, events, true);
    const std::string expected = outcome_lines(reference);

    for (const Style style : {Style::values, Style::typed}) {
        for (const unsigned threads : {1u, 3u}) {
            CAPTURE(static_cast<int>(style));
            CAPTURE(threads);
            std::deque<std::string> keep;
            yanxiu::Dataset data(program);
            data.read_threads = threads;
            const auto p = yanxiu::add_participants(data, table_of(people, style, keep));
            const auto e = yanxiu::add_events(data, table_of(events, style, keep));
            CHECK(summary_text(p) == summary_text(reference.participant_summary()));
            CHECK(summary_text(e) == summary_text(reference.event_summary()));
            CHECK(summary_text(data.event_summary()) == summary_text(reference.event_summary()));
            REQUIRE(data.rejections().size() == reference.rejections().size());
            for (std::size_t i = 0; i < data.rejections().size(); ++i) {
                CAPTURE(i);
                CHECK(data.rejections()[i] == reference.rejections()[i]);
            }
            CHECK(data.events().size() == reference.events().size());
            CHECK(outcome_lines(data) == expected);
        }
    }
}

TEST_CASE("add_events: instant and local-time columns read as the timestamps they are") {
    const auto program = yanxiu::Program::load("hunan-2023-mh-winter");
    auto with = [&](yanxiu::RecordColumn start, yanxiu::RecordColumn end) {
        yanxiu::Dataset data(program);
        data.add_participant(nlohmann::json{{"id", "T1"}, {"category", "homeroom"}}, "<participants>", 1);
        yanxiu::RecordTable table(3);
        table.add(yanxiu::RecordColumn::of_text("kind", {"study", "study", "study"}))
            .add(yanxiu::RecordColumn::of_text("participant", {"T1", "T1", "T1"}))
            .add(yanxiu::RecordColumn::of_text("lesson", {"L01", "L02", "L03"}))
            .add(std::move(start))
            .add(std::move(end));
        yanxiu::add_events(data, table);
        return outcome_lines(data) + "|" + std::to_string(data.rejections().size());
    };
    // 2023-01-10 08:00 in Shanghai is 00:00 UTC; the third start is missing.
    const std::int64_t utc = 1673308800;
    const std::string as_instants =
        with(yanxiu::RecordColumn::of_instants("start", {utc, utc + 3600, 0}, {0, 0, 1}),
             yanxiu::RecordColumn::of_local_times("end", {utc + 8 * 3600 + 1800, utc + 9 * 3600 + 2700, 0}, {0, 0, 1}));
    const std::string as_text = with(
        yanxiu::RecordColumn::of_text_views("start", {"2023-01-10T00:00:00Z", "2023-01-10T01:00:00Z", ""}, {0, 0, 1}),
        yanxiu::RecordColumn::of_text("end", {"2023-01-10T08:30:00", "2023-01-10T09:45:00", ""}, {0, 0, 1}));
    CHECK(as_instants == as_text);
    CHECK(as_text.find("\"seconds_studied\":4500") != std::string::npos);
    CHECK(as_text.substr(as_text.find('|')) == "|1");  // the row without a start
}

TEST_CASE("RecordTable: a categorical code naming no category is refused") {
    yanxiu::RecordTable table(2);
    yanxiu::Value a;
    a.type = yanxiu::ValueType::string, a.text = "L01";
    CHECK_THROWS_AS(table.add(yanxiu::RecordColumn::of_categories("lesson", {a}, {0, 1})), std::invalid_argument);
    CHECK_NOTHROW(table.add(yanxiu::RecordColumn::of_categories("lesson", {a}, {0, -1})));
}
