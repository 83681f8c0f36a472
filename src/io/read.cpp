// Reading records into a Dataset: text and files in JSON Lines or CSV, and
// JSON values; every record ends in the Dataset's acceptance (dataset.cpp).

#include "io/read.hpp"

#include <nlohmann/json.hpp>

namespace yanxiu {

namespace detail {

Format detect_format(std::string_view path, std::string_view text) {
    auto ends_with = [&](std::string_view suffix) { return text::ends_with_ignoring_case(path, suffix); };
    if (ends_with(".csv")) return Format::csv;
    if (ends_with(".jsonl") || ends_with(".ndjson") || ends_with(".json")) return Format::jsonl;
    std::size_t pos = text::bom_length(text);
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n'))
        ++pos;
    if (pos < text.size() && (text[pos] == '{' || text[pos] == '[')) return Format::jsonl;
    return Format::csv;
}

std::string read_whole_file(const std::string& path, Encoding* encoding) {
    TextSource source(path);  // UTF-8 whatever the file was saved as; its size checked
    std::string data;
    while (source.read(data, std::size_t{1} << 20)) {
    }
    if (encoding) *encoding = source.encoding();
    return data;
}

}  // namespace detail

/// Feeds scanned records to a Dataset's acceptance, counting each.
struct DatasetAccess {
    template <class Scan>
    static ReadSummary run(Dataset& data, bool events, std::string_view file, Scan&& scan) {
        ReadSummary summary;
        auto on_record = [&](const Record& record, std::size_t line) {
            // The scanners checked UTF-8 already; the length of each field is left.
            if (data.reject_too_long(record, file, line)) {
                data.tally(summary, AddStatus::rejected, events);
                return;
            }
            data.tally(summary,
                       events ? data.accept_event(record, file, line) : data.accept_participant(record, file, line),
                       events);
        };
        auto on_error = [&](std::size_t line, std::string_view field, RejectCode code, std::string message) {
            ++summary.read;
            ++summary.rejected;
            data.reject(file, line, field, code, std::move(message));
        };
        scan(on_record, on_error);
        (events ? data.event_summary_ : data.participant_summary_) += summary;
        return summary;
    }

    static ReadSummary text(Dataset& data, bool events, std::string_view text, std::string_view file, Format format) {
        return run(data, events, file,
                   [&](auto& on_record, auto& on_error) {
                       detail::scan_text(text, format, file, on_record, on_error, data.max_line_bytes);
                   });
    }

    static ReadSummary file(Dataset& data, bool events, const std::string& path, Format format) {
        return run(data, events, path, [&](auto& on_record, auto& on_error) {
            detail::Encoding encoding = detail::Encoding::utf8;
            detail::scan_file(path, format, data.read_chunk_bytes, on_record, on_error, data.cancel,
                              data.max_line_bytes, &encoding, &data.on_read_progress);
            if (encoding != detail::Encoding::utf8)
                data.decoded_files_.push_back({path, std::string(detail::to_string(encoding))});
        });
    }

    static AddStatus json(Dataset& data, bool events, const nlohmann::json& record, std::string_view where,
                          std::size_t line) {
        Record& fields = *data.json_fields_;  // reused: its strings keep their capacity between records
        AddStatus status = AddStatus::rejected;
        if (auto error = detail::fields_from_json(record, fields))
            data.reject(where, line, error->field, error->code, error->message);
        else
            status = events ? data.accept_event(fields, where, line) : data.accept_participant(fields, where, line);
        data.tally(events ? data.event_summary_ : data.participant_summary_, status, events);
        return status;
    }
};

ReadSummary Dataset::read_participants(std::string_view text, std::string_view file, Format format) {
    return DatasetAccess::text(*this, false, text, file, format);
}

ReadSummary Dataset::read_events(std::string_view text, std::string_view file, Format format) {
    return DatasetAccess::text(*this, true, text, file, format);
}

ReadSummary Dataset::read_participants_file(const std::string& path, Format format) {
    return DatasetAccess::file(*this, false, path, format);
}

ReadSummary Dataset::read_events_file(const std::string& path, Format format) {
    return DatasetAccess::file(*this, true, path, format);
}

AddStatus Dataset::add_participant(const nlohmann::json& record, std::string_view where, std::size_t line) {
    return DatasetAccess::json(*this, false, record, where, line);
}

AddStatus Dataset::add_event(const nlohmann::json& record, std::string_view where, std::size_t line) {
    return DatasetAccess::json(*this, true, record, where, line);
}

}  // namespace yanxiu
