// The `yanxiu` command line (SPEC §7).  Exit status: 0 success (even with
// rejections), 1 programme or I/O error, 2 usage error, 3 rejections under
// --strict.  Every failure is one line on stderr.

#include <yanxiu/yanxiu.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;
constexpr int kStrictRejections = 3;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char* const kHelp =
    "yanxiu — rules for teacher-training programmes\n"
    "\n"
    "usage:\n"
    "  yanxiu programs                       list built-in programmes\n"
    "  yanxiu validate PROGRAM               check a programme file or id, print it resolved\n"
    "  yanxiu evaluate --program ID|FILE --participants FILE --events FILE\n"
    "                  [--as-of INSTANT|DATE] [--out FILE] [--rejects FILE] [--strict]\n"
    "                  [--explain] [--threads N]\n"
    "  yanxiu version\n"
    "\n"
    "INSTANT is a timestamp such as 2023-01-25T12:00:00+08:00 (no offset: the\n"
    "programme's zone); a DATE such as 2023-01-25 means the end of that local day.\n"
    "Exit status: 0 ok, 1 programme or I/O error, 2 usage error, 3 rejections with --strict.\n";

/// Parsed `--name value` options and positional arguments.
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;
    std::map<std::string, bool> flags;

    Args(int argc, char** argv, int first, const std::vector<std::string>& value_options,
         const std::vector<std::string>& flag_options) {
        for (int i = first; i < argc; ++i) {
            std::string arg = argv[i];
            if (arg.rfind("--", 0) == 0) {
                std::string name = arg.substr(2), value;
                bool has_inline = false;
                if (auto eq = name.find('='); eq != std::string::npos) {
                    value = name.substr(eq + 1);
                    name = name.substr(0, eq);
                    has_inline = true;
                }
                if (std::find(flag_options.begin(), flag_options.end(), name) != flag_options.end()) {
                    if (has_inline) throw UsageError("--" + name + " takes no value");
                    flags[name] = true;
                } else if (std::find(value_options.begin(), value_options.end(), name) != value_options.end()) {
                    if (!has_inline) {
                        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
                        value = argv[++i];
                    }
                    if (values.count(name)) throw UsageError("--" + name + " given twice");
                    values[name] = value;
                } else {
                    throw UsageError("unknown option --" + name);
                }
            } else {
                positional.push_back(arg);
            }
        }
    }
    [[nodiscard]] std::optional<std::string> get(const std::string& name) const {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::string require(const std::string& name) const {
        auto v = get(name);
        if (!v || v->empty()) throw UsageError("--" + name + " is required");
        return *v;
    }
    [[nodiscard]] bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

/// An as-of instant: a timestamp, or a local date meaning the end of that day.
yanxiu::Instant parse_as_of(const std::string& text, const yanxiu::Program& program) {
    std::string error;
    if (auto date = yanxiu::parse_local_date(text)) {
        return yanxiu::start_of_day(yanxiu::LocalDate{date::sys_days{*date} + date::days{1}}, program.time_zone());
    }
    if (auto t = yanxiu::parse_instant(text, program.time_zone(), &error)) return *t;
    throw UsageError("--as-of " + text + ": " + error);
}

/// Writes to a file, or to stdout for "" or "-".
class Output {
public:
    explicit Output(const std::string& path) {
        if (path.empty() || path == "-") {
            out_ = &std::cout;
        } else {
            file_.open(path, std::ios::binary | std::ios::trunc);
            if (!file_) throw std::runtime_error(path + ": cannot open for writing");
            out_ = &file_;
            path_ = path;
        }
    }
    std::ostream& stream() { return *out_; }
    void close() {
        out_->flush();
        if (!*out_) throw std::runtime_error((path_.empty() ? std::string("stdout") : path_) + ": write error");
        if (file_.is_open()) file_.close();
    }

private:
    std::ofstream file_;
    std::ostream* out_ = nullptr;
    std::string path_;
};

int cmd_programs() {
    for (const auto& id : yanxiu::Program::builtin_ids()) {
        auto program = yanxiu::Program::load(id);
        std::cout << id << '\t' << program.version() << '\t' << program.title().zh << '\n';
    }
    return kOk;
}

int cmd_validate(const Args& args) {
    if (args.positional.size() != 1) throw UsageError("validate takes one programme id or file");
    auto program = yanxiu::Program::load(args.positional[0]);
    std::cout << program.to_json().dump(2) << '\n';
    return kOk;
}

void print_summary(const char* what, const yanxiu::ReadSummary& s) {
    std::fprintf(stderr, "%s: read %zu = accepted %zu + rejected %zu + duplicates %zu\n", what, s.read, s.accepted,
                 s.rejected, s.duplicates);
}

int cmd_evaluate(const Args& args) {
    auto program = yanxiu::Program::load(args.require("program"));
    const std::string participants_path = args.require("participants");
    const std::string events_path = args.require("events");
    yanxiu::EvaluateOptions options;
    if (auto as_of = args.get("as-of")) options.as_of = parse_as_of(*as_of, program);
    if (auto threads = args.get("threads")) {
        try {
            int n = std::stoi(*threads);
            if (n < 0 || n > 1024) throw std::out_of_range("threads");
            options.threads = static_cast<unsigned>(n);
        } catch (const std::exception&) {
            throw UsageError("--threads needs a whole number from 0 to 1024");
        }
    }
    // Open outputs before the work, so a bad path fails fast.
    Output out(args.get("out").value_or(""));
    std::optional<Output> rejects;
    if (auto path = args.get("rejects")) rejects.emplace(*path);

    yanxiu::Dataset data(program);
    auto participants = data.read_participants_file(participants_path);
    auto events = data.read_events_file(events_path);
    auto outcomes = yanxiu::evaluate_all(data, options);

    const bool explain = args.flag("explain");
    std::string buffer;
    for (const auto& outcome : outcomes) {
        yanxiu::append_json_line(buffer, outcome, program.time_zone(), explain);
        if (buffer.size() > (1u << 20)) out.stream().write(buffer.data(), static_cast<std::streamsize>(buffer.size())), buffer.clear();
    }
    out.stream().write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.close();
    if (rejects) {
        for (const auto& r : data.rejections()) {
            nlohmann::ordered_json j;
            j["file"] = r.file;
            j["line"] = r.line;
            if (!r.field.empty()) j["field"] = r.field;
            j["code"] = yanxiu::to_string(r.code);
            j["message"] = r.message;
            rejects->stream() << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        }
        rejects->close();
    }

    print_summary("participants", participants);
    print_summary("events", events);
    std::map<std::string, std::size_t> by_status;
    for (const auto& o : outcomes) ++by_status[std::string(yanxiu::to_string(o.status))];
    std::fprintf(stderr, "outcomes: %zu", outcomes.size());
    for (const char* s : {"completed", "in_progress", "recorded", "not_started", "unverified"})
        std::fprintf(stderr, ", %s %zu", s, by_status[s]);
    std::fprintf(stderr, "\n");
    if (!data.rejections().empty() && !rejects) {
        std::fprintf(stderr, "%zu records rejected; write them with --rejects FILE\n", data.rejections().size());
    }
    if (args.flag("strict") && !data.rejections().empty()) return kStrictRejections;
    return kOk;
}

int run(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kHelp, stderr);
        return kUsage;
    }
    std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(kHelp, stdout);
        return kOk;
    }
    if (command == "version" || command == "--version") {
        std::printf("yanxiu %s\n", yanxiu::kVersion);
        return kOk;
    }
    if (command == "programs") {
        Args args(argc, argv, 2, {}, {});
        if (!args.positional.empty()) throw UsageError("programs takes no arguments");
        return cmd_programs();
    }
    if (command == "validate") return cmd_validate(Args(argc, argv, 2, {}, {}));
    if (command == "evaluate") {
        for (int i = 2; i < argc; ++i)
            if (std::strcmp(argv[i], "--help") == 0) {
                std::fputs(kHelp, stdout);
                return kOk;
            }
        Args args(argc, argv, 2, {"program", "participants", "events", "as-of", "out", "rejects", "threads"},
                  {"strict", "explain"});
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_evaluate(args);
    }
    throw UsageError("unknown command '" + command + "'");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "yanxiu: %s (see yanxiu --help)\n", e.what());
        return kUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "yanxiu: %s\n", e.what());
        return kFailure;
    } catch (...) {
        std::fprintf(stderr, "yanxiu: unexpected error\n");
        return kFailure;
    }
}
