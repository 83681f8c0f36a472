// The `yanxiu` command line.  Exit status: 0 success (even with
// rejections), 1 programme or I/O error, 2 usage error, 3 rejections under
// --strict.  Every failure is one line on stderr.

#include <yanxiu/yanxiu.hpp>

#include <simulate.hpp>

#include "parallel.hpp"  // src/: the library's thread loop
#include "text.hpp"      // src/: ends_with_ignoring_case
#ifdef YANXIU_HAVE_PDF
#include <yanxiu/render/certificate_pdf.hpp>
#endif
#ifdef YANXIU_HAVE_XLSX
#include <yanxiu/render/report_xlsx.hpp>
#endif

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <deque>
#include <map>
#include <set>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>
#include <type_traits>

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;
constexpr int kStrictRejections = 3;
constexpr int kNotVerified = 4;  ///< verify: some record failed

/// The programme `demo` runs, and `simulate` simulates unless told otherwise.
constexpr const char* kDemoProgram = "hunan-2023-mh-winter";

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
    "                  [--xapi FILE [--xapi-lesson last_segment|whole_iri|query:PARAM]]\n"
    "                  [--as-of INSTANT|DATE] [--out FILE] [--rejects FILE] [--strict]\n"
    "                  [--explain] [--lang zh|en] [--threads N] [--max-line-bytes N] [--max-field-bytes N]\n"
    "                                        outcomes as JSON Lines, or .csv/.xlsx by --out's extension\n"
    "  yanxiu report   --program ID|FILE --participants FILE --events FILE\n"
    "                  [--xapi FILE [--xapi-lesson last_segment|whole_iri|query:PARAM]]\n"
    "                  [--as-of INSTANT|DATE] [--census FILE] [--contacts FILE] [--html FILE] [--json FILE]\n"
    "                  [--csv FILE] [--xlsx FILE.xlsx] [--follow-up DIR] [--dispatch DIR] [--no-bom] [--lang zh|en]\n"
    "                  [--generated-at TEXT]\n"
    "                  [--rejects FILE] [--strict] [--threads N] [--max-line-bytes N] [--max-field-bytes N]\n"
    "                                        progress by unit: census, registered, started,\n"
    "                                        completed, coverage, daily series; a summary on stdout;\n"
    "                                        --xlsx adds the 未完成名单 (who has not finished, and\n"
    "                                        what each lacks), --follow-up DIR writes it per unit\n"
    "  yanxiu diff     OLD NEW --participants FILE --events FILE [--as-of INSTANT|DATE]\n"
    "                  [--json FILE] [--limit N] [--threads N]\n"
    "                                        what a programme change does to whom: the rule\n"
    "                                        differences, then the outcomes that change, by unit\n"
    "                                        and category and by participant\n"
    "  yanxiu simulate --participants N --seed S --out DIR [--program ID|FILE] [--malformed-share X]\n"
    "                                        a realistic Hunan cohort under the programme\n"
    "                                        (hunan-2023-mh-winter): participants, events, census\n"
    "  yanxiu demo     [--out DIR] [--participants N] [--lang zh|en]\n"
    "                                        simulate a Hunan cohort (20000, into yanxiu-demo/),\n"
    "                                        evaluate it, write report.html, report.json, outcomes.jsonl\n"
    "  yanxiu keygen   --out KEY [--force]    an Ed25519 key pair: KEY (secret, mode 0600) and KEY.pub\n"
    "  yanxiu token    --name NAME --role platform|unit|reader [--unit U]... [--auth FILE]\n"
    "                                        a bearer token for yanxiu_service --auth (stdout) and\n"
    "                                        its token-file line (stderr, or appended to FILE)\n"
    "  yanxiu certify  --program ID|FILE --participants FILE --events FILE --key KEY --out FILE\n"
    "                  [--xapi FILE [--xapi-lesson ...]] [--as-of INSTANT|DATE] [--issued-at INSTANT]\n"
    "                  [--previous FILE] [--html DIR] [--pdf DIR] [--verify-url URL] [--threads N]\n"
    "                                        one signed certificate per certified teacher; with\n"
    "                                        --previous, unchanged ones kept, changed ones reissued\n"
    "                                        with supersedes (the output holds both); --html/--pdf:\n"
    "                                        one printable A4 page each, named ID.html / ID.pdf\n"
    "  yanxiu verify   --pub KEY.pub FILE... [--revoked FILE] [--threads N]\n"
    "                                        checks every record: canonical form, signature, not\n"
    "                                        twice, not revoked, not superseded (exit 4 if any fails)\n"
    "  yanxiu revoke   --key KEY --id ID --reason TEXT --out FILE [--at INSTANT]\n"
    "                                        appends a signed revocation of certificate ID to FILE\n"
    "  yanxiu provenance FILE...             checks an output against its FILE.provenance.json: the\n"
    "                                        inputs and the output as they were (exit 4 if not)\n"
    "  yanxiu version\n"
    "\n"
    "INSTANT is a timestamp such as 2023-01-25T12:00:00+08:00 (no offset: the\n"
    "programme's zone); a DATE such as 2023-01-25 means the end of that local day.\n"
    "xAPI statements (--xapi) are read after --events, which they may replace.\n"
    "A line longer than --max-line-bytes (default 1048576) or a field longer than\n"
    "--max-field-bytes (default 65536) is rejected too_long.  Outputs are written\n"
    "to a temporary file and put in place only when the whole run succeeds.\n"
    "Exit status: 0 ok, 1 programme or I/O error, 2 usage error, 3 rejections with --strict,\n"
    "4 a record failed verify.\n"
    "yanxiu COMMAND --help (or yanxiu help COMMAND) describes each of a command's options.\n";

/// One option of a command: its name, what its value looks like ("" for a
/// flag), and what it does (continuation lines start with "\n").
struct OptionDoc {
    const char* name;
    const char* value;
    const char* text;
};

/// Options several commands share, described once.
const OptionDoc kSharedOptions[] = {
    {"program", "ID|FILE", "the programme: a built-in id (yanxiu programs) or a programme file"},
    {"participants", "FILE", "participants, JSON Lines or CSV (by extension, else by content; UTF-8,\n"
                             "UTF-16 or GB18030); - reads stdin (one input at most)"},
    {"events", "FILE", "study and quiz records (and exams, approvals, manual credits), likewise"},
    {"xapi", "FILE", "xAPI statements (a JSON array, JSON Lines or pretty-printed objects),\n"
                     "read after --events, which they may replace"},
    {"xapi-lesson", "HOW", "how an activity id names a lesson: last_segment (default),\n"
                           "whole_iri or query:PARAM"},
    {"as-of", "INSTANT|DATE", "count study before it and quizzes at or before it (a DATE is the\n"
                              "end of that local day); without it, every record read counts"},
    {"threads", "N", "threads for reading and evaluation (0, the default: every core)"},
    {"max-line-bytes", "N", "a longer line is rejected too_long (default 1048576)"},
    {"max-field-bytes", "N", "a longer field is rejected too_long (default 65536)"},
    {"rejects", "FILE", "every rejected record (file, line, field, code) as JSON Lines"},
    {"strict", "", "exit 3 when any record was rejected"},
    {"generated-at", "TEXT", "the \"generated at\" line (an instant makes the output reproducible)"},
};

/// A command: how it is used, what it does, and its options (each
/// described here or in kSharedOptions).
struct CommandSpec {
    const char* command;
    const char* usage;
    const char* summary;
    std::vector<std::string> values;  ///< options that take a value
    std::vector<std::string> flags;   ///< options that do not
    std::vector<OptionDoc> own;       ///< descriptions of this command's own options
};

const std::vector<CommandSpec>& command_specs() {
    static const std::vector<CommandSpec> specs = {
        {"programs", "yanxiu programs", "Lists the built-in programmes: id, version and title, one a line.", {}, {}, {}},
        {"validate", "yanxiu validate PROGRAM",
         "Checks a programme file (or built-in id) and prints it resolved, every default filled in and\n"
         "every `extends` merged; a mistake is reported with its JSON path.",
         {}, {}, {}},
        {"evaluate", "yanxiu evaluate --program ID|FILE --participants FILE --events FILE [options]",
         "Evaluates every participant: status, lessons and hours credited, certificate, and why.\n"
         "Read counts go to stderr (read = accepted + rejected + duplicates); on a terminal, progress too.",
         {"program", "participants", "events", "xapi", "xapi-lesson", "as-of", "out", "rejects", "lang", "threads",
          "max-line-bytes", "max-field-bytes"},
         {"explain", "strict"},
         {{"out", "FILE", "the outcomes, in the format the extension names: .jsonl (also .json,\n"
                          ".ndjson; the default, to stdout), .csv (with a BOM, for Excel) or .xlsx"},
          {"explain", "", "add each studied lesson's counted time and credit instant (JSON Lines)"},
          {"lang", "zh|en", "add each reason in words in this language (\"explanations\"; a column\n"
                            "of a table)"}}},
        {"report", "yanxiu report --program ID|FILE --participants FILE --events FILE [options]",
         "The progress report a province circulates (研修进度通报): per unit and in total, by category,\n"
         "census, registered, started, completed, coverage and mean hours, and a daily series.  A\n"
         "summary goes to stdout.",
         {"program", "participants", "events", "xapi", "xapi-lesson", "as-of", "census", "contacts", "html", "json", "csv",
          "xlsx", "follow-up", "dispatch", "lang", "generated-at", "issuer", "previous", "rejects", "threads",
          "max-line-bytes", "max-field-bytes"},
         {"no-ranking", "no-bom", "bom", "strict"},
         {{"census", "FILE", "the census (摸底): unit,category,expected, as CSV or JSON Lines"},
          {"contacts", "FILE", "each unit's contact person (工作联系人): unit,name,title,phone,mobile,\n"
                               "wechat,updated_at (or 单位,姓名,职务,座机,手机,微信,更新时间), CSV or JSON\n"
                               "Lines; each unit's row names its contact, and the report lists units\n"
                               "without one and contacts changed after the contact_update milestone"},
          {"dispatch", "DIR", "one report per date of the programme's dispatch calendar (dispatches),\n"
                              "as of the end of that day, each with its change since the one before\n"
                              "(较上期): DIR/DATE.html, DIR/DATE.json and DIR/index.html"},
          {"html", "FILE", "the report as one self-contained, printable HTML page"},
          {"json", "FILE", "the report as JSON"},
          {"csv", "FILE", "the report as one CSV table"},
          {"xlsx", "FILE.xlsx", "the report as an Excel workbook, with the 未完成名单 (who has not\n"
                                "finished, by name, and what each lacks)"},
          {"follow-up", "DIR", "the 未完成名单 one unit at a time: DIR/UNIT.csv, DIR/UNIT.xlsx,\n"
                               "DIR/index.csv"},
          {"no-bom", "", "CSV without the UTF-8 byte-order mark Excel on Windows needs"},
          {"bom", "", "CSV with the byte-order mark (the default)"},
          {"lang", "zh|en", "the language of the page, the tables and the lists (default zh)"},
          {"issuer", "TEXT", "the issuing office, shown under the title (发布单位)"},
          {"previous", "REPORT.json", "an earlier report's --json: each unit's change since (较上期)"},
          {"no-ranking", "", "no ranking (不排名): units in the order of their names, no rank column"}}},
        {"diff", "yanxiu diff OLD NEW --participants FILE --events FILE [options]",
         "What changing a programme does to whom: the rule differences, then the outcomes that change,\n"
         "by unit and category and by participant.",
         {"participants", "events", "as-of", "json", "limit", "threads"},
         {},
         {{"json", "FILE", "every change as JSON"},
          {"limit", "N", "participants listed on stdout (default 20; 0: all)"}}},
        {"simulate", "yanxiu simulate --participants N --seed S --out DIR [options]",
         "Writes a realistic simulated cohort (participants, events, census; JSON Lines and CSV),\n"
         "the same bytes for the same N and S.",
         {"participants", "seed", "out", "program", "malformed-share"},
         {},
         {{"participants", "N", "how many participants (1 to 10000000)"},
          {"seed", "S", "the random seed"},
          {"out", "DIR", "where to write"},
          {"program", "ID|FILE", "the programme whose window and lessons it follows (default\n"
                                 "hunan-2023-mh-winter)"},
          {"malformed-share", "X", "the share of deliberately bad records (default 0.002)"}}},
        {"demo", "yanxiu demo [options]",
         "Simulates a Hunan cohort, evaluates it and writes report.html, report.json, report.csv,\n"
         "report.xlsx, follow-up/, outcomes.jsonl and rejects.jsonl.",
         {"out", "participants", "lang", "generated-at"},
         {},
         {{"out", "DIR", "where to write (default yanxiu-demo)"},
          {"participants", "N", "cohort size (default 20000)"},
          {"lang", "zh|en", "the report's language (default zh)"}}},
        {"keygen", "yanxiu keygen --out KEY [--force]",
         "Makes an Ed25519 key pair for signing certificates: KEY (secret, mode 0600) and KEY.pub.",
         {"out"},
         {"force"},
         {{"out", "KEY", "the secret key's file"}, {"force", "", "replace an existing key"}}},
        {"token", "yanxiu token --name NAME --role platform|unit|reader [--unit U]...",
         "Makes a random bearer token for yanxiu_service --auth: prints the token (give it to its\n"
         "holder; it is kept nowhere) on stdout, and its line for the token file (its SHA-256, never\n"
         "the token) on stderr, or appended to --auth FILE.",
         {"name", "role", "unit", "auth"},
         {},
         {{"name", "NAME", "who writes with it: the audit log and recorded_by name it"},
          {"role", "ROLE", "reader (may read), platform (also participants, study, quiz, exam and\n"
                           "xAPI records) or unit (also approvals and manual credits, for its units)"},
          {"unit", "U", "a unit the token answers for (unit tokens; repeat for several)"},
          {"auth", "FILE", "append the line to this token file (made mode 0600 if new)"}}},
        {"certify", "yanxiu certify --program ID|FILE --participants FILE --events FILE --key KEY --out FILE",
         "One signed certificate record per certified participant, as JSON Lines.",
         {"program", "participants", "events", "xapi", "xapi-lesson", "as-of", "issued-at", "key", "out", "previous",
          "html", "pdf", "verify-url", "threads", "max-line-bytes", "max-field-bytes"},
         {},
         {{"key", "KEY", "the secret key (yanxiu keygen)"},
          {"out", "FILE", "the certificates"},
          {"issued-at", "INSTANT", "the issue instant written into new certificates"},
          {"previous", "FILE", "an earlier output: unchanged certificates kept, changed ones\n"
                               "reissued with supersedes"},
          {"html", "DIR", "one printable A4 page per certificate, ID.html"},
          {"pdf", "DIR", "one A4 PDF per certificate, ID.pdf"},
          {"verify-url", "URL", "what the QR code carries, {code} and {id} replaced"}}},
        {"verify", "yanxiu verify --pub KEY.pub FILE... [options]",
         "Checks every certificate record: canonical form, signature, not twice, not revoked, not\n"
         "superseded.  Exit 4 if any fails.",
         {"pub", "revoked", "threads"},
         {},
         {{"pub", "KEY.pub", "the public key"},
          {"revoked", "FILE", "signed revocations (yanxiu revoke)"},
          {"threads", "N", "threads (0: every core)"}}},
        {"revoke", "yanxiu revoke --key KEY --id ID --reason TEXT --out FILE [--at INSTANT]",
         "Appends a signed revocation of certificate ID to FILE.",
         {"key", "id", "reason", "out", "at"},
         {},
         {{"key", "KEY", "the secret key"},
          {"id", "ID", "the certificate's id"},
          {"reason", "TEXT", "why"},
          {"out", "FILE", "the revocations file (appended to)"},
          {"at", "INSTANT", "when (default now)"}}},
        {"provenance", "yanxiu provenance FILE...",
         "Checks each output against its FILE.provenance.json: the inputs and the output are still the\n"
         "bytes they were.  Exit 4 if not.",
         {}, {}, {}},
        {"version", "yanxiu version", "Prints the version.", {}, {}, {}},
    };
    return specs;
}

const CommandSpec* command_spec(const std::string& command) {
    for (const CommandSpec& c : command_specs())
        if (command == c.command) return &c;
    return nullptr;
}

/// A command's help: usage, what it does, and every option it takes, each
/// described (an option without a description says so, which a test catches).
std::string command_help(const CommandSpec& c) {
    std::string out = std::string("usage: ") + c.usage + "\n\n" + c.summary + "\n";
    std::vector<std::string> names = c.values;
    names.insert(names.end(), c.flags.begin(), c.flags.end());
    if (!names.empty()) out += "\noptions:\n";
    constexpr std::size_t kColumn = 28;
    for (const std::string& name : names) {
        const OptionDoc* doc = nullptr;
        for (const OptionDoc& d : c.own)
            if (name == d.name) doc = &d;
        if (!doc)
            for (const OptionDoc& d : kSharedOptions)
                if (name == d.name) doc = &d;
        std::string head = "  --" + name;
        if (doc && *doc->value) head += std::string(" ") + doc->value;
        if (head.size() + 2 > kColumn) head += "\n" + std::string(kColumn, ' ');
        else head += std::string(kColumn - head.size(), ' ');
        std::string text = doc ? doc->text : "(undocumented)";
        for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += kColumn + 1)
            text.insert(at + 1, std::string(kColumn, ' '));
        out += head + text + "\n";
    }
    return out;
}

/// Parsed `--name value` options and positional arguments.
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;
    std::map<std::string, bool> flags;
    std::map<std::string, std::vector<std::string>> repeated;  ///< every value of an option that may repeat

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
                    if (name == "unit") {  // the one option that may be given more than once
                        repeated[name].push_back(value);
                        continue;
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
        // `-` for an input is stdin (read as /dev/stdin: by content, in
        // pieces, like any file); stdin can feed one of them only.
        const char* stdin_option = nullptr;
        for (const char* input : {"participants", "events", "xapi", "census", "previous", "revoked"}) {
            auto it = values.find(input);
            if (it == values.end() || it->second != "-") continue;
            if (stdin_option)
                throw UsageError(std::string("--") + stdin_option + " and --" + input +
                                 " cannot both be read from stdin (-)");
            stdin_option = input;
            it->second = "/dev/stdin";
        }
    }
    /// The options of `spec`'s command, from argv[2] on.
    Args(int argc, char** argv, const CommandSpec& spec) : Args(argc, argv, 2, spec.values, spec.flags) {}
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

/// --as-of: a timestamp, or a local date meaning the end of that day.
yanxiu::Instant as_of_option(const std::string& text, const yanxiu::Program& program) {
    std::string error;
    if (auto t = yanxiu::parse_as_of(text, program.time_zone(), &error)) return *t;
    throw UsageError("--as-of " + text + ": " + error);
}

// Temporaries of outputs not yet in place, for the SIGINT/SIGTERM handler
// to remove: fixed slots, so the handler does nothing but unlink and _exit.
namespace temporaries {
constexpr int kSlots = 64;
char paths[kSlots][4096];
std::atomic<bool> used[kSlots];

int add(const std::string& path) {
    if (path.size() >= sizeof paths[0]) return -1;
    for (int i = 0; i < kSlots; ++i) {
        bool expected = false;
        if (used[i].compare_exchange_strong(expected, true)) {
            std::memcpy(paths[i], path.c_str(), path.size() + 1);
            return i;
        }
    }
    return -1;
}

void remove(int slot) {
    if (slot >= 0) used[slot] = false;
}

/// The simulator's temporaries (tools/simulate), registered the same way.
void simulation_hook(const std::string& path, bool created) {
    static std::map<std::string, int> slots;
    if (created) {
        slots[path] = add(path);
    } else if (auto it = slots.find(path); it != slots.end()) {
        remove(it->second);
        slots.erase(it);
    }
}

extern "C" void on_signal(int signal) {
    for (int i = 0; i < kSlots; ++i)
        if (used[i]) ::unlink(paths[i]);
    ::_exit(signal == SIGINT ? 130 : 143);
}
}  // namespace temporaries

std::string errno_text(int error) { return error ? std::string(": ") + std::strerror(error) : std::string(); }

/// Writes to a file, or to stdout for "" or "-".  A file is written to a
/// temporary beside it and put in place by `commit()` only, so a run that
/// fails or is interrupted leaves the earlier file as it was.
class Output {
public:
    explicit Output(const std::string& path) {
        if (path.empty() || path == "-") {
            out_ = &std::cout;
            return;
        }
        namespace fs = std::filesystem;
        static std::atomic<int> count{0};  // pages are written from several threads
        fs::path target(path);
        path_ = path;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": is a directory");
            if (!S_ISREG(st.st_mode)) {
                // A device, a pipe, /dev/stdout: written in place (there is nothing to rename).
                file_.open(path, std::ios::binary | std::ios::trunc);
                if (!file_) throw std::runtime_error(path + ": cannot open for writing" + errno_text(errno));
                out_ = &file_;
                return;
            }
            std::error_code ec;
            const fs::path real = fs::canonical(target, ec);  // a symbolic link: replace the file it names
            if (!ec) target = real;
            renamed_to_ = target.string();
        } else {
            renamed_to_ = path;
        }
        const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
        temp_ = (dir / ("." + target.filename().string() + ".yanxiu-" + std::to_string(::getpid()) + "-" +
                        std::to_string(++count) + ".tmp"))
                    .string();
        slot_ = temporaries::add(temp_);
        errno = 0;
        file_.open(temp_, std::ios::binary | std::ios::trunc);
        if (!file_) {
            const int error = errno;
            temporaries::remove(slot_);
            throw std::runtime_error(path + ": cannot open for writing" + errno_text(error));
        }
        out_ = &file_;
    }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;
    ~Output() {
        if (!temp_.empty()) {
            if (file_.is_open()) file_.close();
            ::unlink(temp_.c_str());
        }
        temporaries::remove(slot_);
    }
    std::ostream& stream() { return *out_; }
    /// The file as given ("" for stdout), and where its bytes are until `commit`.
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const std::string& written() const noexcept { return temp_.empty() ? path_ : temp_; }
    /// Whether this is a regular file (not stdout or a device), which gets a provenance sidecar.
    [[nodiscard]] bool is_file() const noexcept { return !temp_.empty(); }
    /// Finishes writing (a file stays a temporary until `commit`).  Throws on a write error.
    void close() {
        errno = 0;
        out_->flush();
        if (out_ == &std::cout && std::fflush(stdout) != 0) out_->setstate(std::ios::badbit);
        if (file_.is_open()) file_.close();
        if (!*out_) throw std::runtime_error((path_.empty() ? std::string("stdout") : path_) + ": write error" +
                                             errno_text(errno));
    }
    /// Puts the finished file in place of `path` (synced first).
    void commit() {
        if (temp_.empty()) return;
        if (file_.is_open()) close();
        const int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            const int error = errno;
            if (fd >= 0) ::close(fd);
            throw std::runtime_error(path_ + ": write error" + errno_text(error));
        }
        ::close(fd);
        if (std::rename(temp_.c_str(), renamed_to_.c_str()) != 0)
            throw std::runtime_error(path_ + ": cannot replace" + errno_text(errno));
        temp_.clear();
        temporaries::remove(slot_);
        slot_ = -1;
    }

private:
    std::ofstream file_;
    std::ostream* out_ = nullptr;
    std::string path_;
    std::string temp_;
    std::string renamed_to_;  // the file the temporary replaces (a link's target)
    int slot_ = -1;
};

/// Commits every output given (the ones present), once all are written.
template <class... Outputs>
void commit(Outputs&... outputs) {
    auto one = [](auto& o) {
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, Output>) o.commit();
        else if (o) o->commit();
    };
    (one(outputs), ...);
}

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

/// Rejections kept in memory (for messages); every one is counted, and
/// streamed to --rejects as it is made, so a file of bad lines needs no
/// memory per line.
constexpr std::size_t kKeptRejections = 1000;

/// Streams a dataset's rejections, as they are made, to an output as JSON
/// Lines (a megabyte at a time); counts them either way.
class RejectionStream {
public:
    RejectionStream(yanxiu::Dataset& data, Output* out) : out_(out) {
        data.rejections_kept = kKeptRejections;
        data.on_rejection = [this](const yanxiu::Rejection& r) { add(r); };
    }
    void add(const yanxiu::Rejection& r) {
        ++count_;
        if (!out_) return;
        yanxiu::append_json_line(buffer_, r);
        if (buffer_.size() > (std::size_t{1} << 20)) flush();
    }
    void add(const std::vector<yanxiu::Rejection>& more) {
        for (const auto& r : more) add(r);
    }
    /// Writes what is left and closes the output.
    void finish() {
        if (!out_) return;
        flush();
        out_->close();
    }
    [[nodiscard]] std::size_t count() const noexcept { return count_; }

private:
    void flush() {
        out_->stream().write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }
    Output* out_;
    std::string buffer_;
    std::size_t count_ = 0;
};

/// Writes outcomes as JSON Lines, a megabyte at a time.
void write_outcomes(Output& out, const yanxiu::Evaluation& evaluation, const yanxiu::OutcomeJson& format,
                    unsigned threads) {
    // Blocks of outcomes formatted on every core, written in order.
    const yanxiu::TimeZone& zone = evaluation.program->time_zone();
    const auto& outcomes = evaluation.outcomes;
    constexpr std::size_t block = 4096;
    const unsigned cores = yanxiu::detail::resolve_threads(threads);
    std::vector<std::string> texts(cores);
    for (std::size_t first = 0; first < outcomes.size(); first += block * cores) {
        const std::size_t blocks = std::min<std::size_t>(cores, (outcomes.size() - first + block - 1) / block);
        yanxiu::detail::parallel_for(
            blocks, cores,
            [&](std::size_t b) {
                std::string& text = texts[b];
                text.clear();
                const std::size_t begin = first + b * block, end = std::min(outcomes.size(), begin + block);
                for (std::size_t i = begin; i < end; ++i) yanxiu::append_json_line(text, outcomes[i], zone, format);
            },
            2, 1);
        for (std::size_t b = 0; b < blocks; ++b) out.stream().write(texts[b].data(), static_cast<std::streamsize>(texts[b].size()));
    }
    out.close();
}

/// Whether `path` ends in `extension` (".xlsx"), in any case.
bool has_extension(const std::string& path, std::string_view extension) {
    return yanxiu::text::ends_with_ignoring_case(path, extension);
}

/// What `evaluate --out` writes, by the file's extension.
enum class OutcomeFormat { jsonl, csv, xlsx };

OutcomeFormat outcome_format(const std::string& path) {
    if (path.empty() || path == "-") return OutcomeFormat::jsonl;
    // A directory, device or pipe: JSON Lines (and Output says what is wrong with a directory).
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) return OutcomeFormat::jsonl;
    if (has_extension(path, ".csv")) return OutcomeFormat::csv;
    if (has_extension(path, ".xlsx")) {
#ifdef YANXIU_HAVE_XLSX
        return OutcomeFormat::xlsx;
#else
        throw std::runtime_error("--out " + path + ": this yanxiu was built without yanxiu::xlsx (libxlsxwriter)");
#endif
    }
    for (const char* e : {".jsonl", ".json", ".ndjson"})
        if (has_extension(path, e)) return OutcomeFormat::jsonl;
    // No extension at all: the default, JSON Lines; an extension yanxiu does not write is refused.
    const std::string name = std::filesystem::path(path).filename().string();
    const auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) return OutcomeFormat::jsonl;
    throw UsageError("--out " + path + ": the extension names the format: .jsonl (JSON Lines), .csv or .xlsx, not " +
                     name.substr(dot));
}

void write_outcomes_as(Output& out, OutcomeFormat f, const yanxiu::Evaluation& evaluation,
                       const yanxiu::OutcomeJson& format, yanxiu::Lang lang, unsigned threads) {
    if (f == OutcomeFormat::jsonl) return write_outcomes(out, evaluation, format, threads);
    if (f == OutcomeFormat::csv) {
        yanxiu::CsvOptions options;
        options.lang = lang;
        options.bom = true;  // for Excel, as the report's CSV
        yanxiu::write_outcomes_csv(out.stream(), evaluation, options, format.explanations.has_value());
        out.close();
        return;
    }
#ifdef YANXIU_HAVE_XLSX
    yanxiu::XlsxOptions options;
    options.lang = lang;
    const std::string bytes = yanxiu::outcomes_xlsx(evaluation, options, format.explanations.has_value());
    out.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
#endif
}

/// Reads one input file into `data`, then says on stderr what a person
/// checking the run would want said: the file was not UTF-8 (and what it was
/// read as), or every record of it was rejected for one reason (the wrong
/// file, most likely).
yanxiu::ReadSummary read_input(yanxiu::Dataset& data, const std::string& path, bool events,
                               const std::string& participants_path = "") {
    const auto before = data.rejection_counts();
    const std::size_t decoded_before = data.decoded_files().size();
    const yanxiu::ReadSummary s = events ? data.read_events_file(path) : data.read_participants_file(path);
    for (std::size_t i = decoded_before; i < data.decoded_files().size(); ++i)
        std::fprintf(stderr, "%s: read as %s (converted to UTF-8)\n", path.c_str(), data.decoded_files()[i].second.c_str());
    if (s.read < 3 || s.accepted > 0 || s.duplicates > 0) return s;  // a pattern needs a few records
    const auto& after = data.rejection_counts();
    std::size_t top = 0;
    for (std::size_t c = 0; c < after.size(); ++c)
        if (after[c] - before[c] > after[top] - before[top]) top = c;
    const auto code = static_cast<yanxiu::RejectCode>(top);
    const std::size_t n = after[top] - before[top];
    std::string field;
    for (const auto& r : data.rejections())
        if (r.file == path && r.code == code) {
            field = r.field;
            break;
        }
    std::string hint;
    if (code == yanxiu::RejectCode::missing_field && field == "kind" && events)
        hint = ": no record has a kind; is it a participants file given as events?";
    else if (code == yanxiu::RejectCode::unknown_participant)
        hint = ": no event names a participant of " + participants_path + "; are both files from the same export?";
    else if (code == yanxiu::RejectCode::missing_field && field == "id" && !events)
        hint = ": no record has an id; is it an events file given as participants?";
    else if (code == yanxiu::RejectCode::malformed)
        hint = ": no line could be read; is the format right (the extension .csv or .jsonl decides it)?";
    else if (code == yanxiu::RejectCode::bad_utf8)
        hint = ": the text is not UTF-8 (UTF-16 and GB18030 are read when recognised)";
    else
        hint = "; is it the right file?";
    std::fprintf(stderr, "%s: %s %zu of its %zu records were rejected %s%s%s\n", path.c_str(),
                 n == s.rejected ? "all" : "none accepted:", n, s.read, std::string(yanxiu::to_string(code)).c_str(),
                 field.empty() ? "" : (" (" + field + ")").c_str(), hint.c_str());
    return s;
}

/// Says which unit names came with space around them (trimmed, so they count
/// as the unit without it): names of units, never of people.
void report_unit_spellings(const yanxiu::Dataset& data) {
    const auto& spellings = data.unit_spellings();
    if (spellings.empty()) return;
    std::string list;
    std::size_t shown = 0;
    for (const auto& [unit, variants] : spellings) {
        if (shown++ == 5) {
            list += ", ...";
            break;
        }
        if (!list.empty()) list += ", ";
        for (std::size_t i = 0; i < variants.size(); ++i) list += (i ? "/" : "") + yanxiu::quoted(variants[i]);
        list += " as " + yanxiu::quoted(unit);
    }
    std::fprintf(stderr, "participants: %zu unit name%s had space around it, trimmed (read as one unit with "
                 "the name without it): %s\n", spellings.size(), spellings.size() == 1 ? "" : "s", list.c_str());
}

void print_summary(const char* what, const yanxiu::ReadSummary& s) {
    std::fprintf(stderr, "%s: read %zu = accepted %zu + rejected %zu + duplicates %zu\n", what, s.read, s.accepted,
                 s.rejected, s.duplicates);
}

/// A whole number option within [low, high].
std::uint64_t parse_whole(const std::string& text, const std::string& option, std::uint64_t low, std::uint64_t high) {
    std::uint64_t value = 0;
    bool ok = !text.empty() && text.size() <= 19;
    for (char c : text) ok = ok && c >= '0' && c <= '9';
    if (ok) value = std::stoull(text);
    if (!ok || value < low || value > high)
        throw UsageError(option + " needs a whole number from " + std::to_string(low) + " to " + std::to_string(high));
    return value;
}

/// --max-line-bytes, --max-field-bytes onto a dataset.
void apply_limits(const Args& args, yanxiu::Dataset& data) {
    if (auto n = args.get("max-line-bytes"))
        data.max_line_bytes = static_cast<std::size_t>(parse_whole(*n, "--max-line-bytes", 64, std::uint64_t{1} << 30));
    if (auto n = args.get("max-field-bytes"))
        data.max_field_bytes = static_cast<std::size_t>(parse_whole(*n, "--max-field-bytes", 64, std::uint64_t{1} << 30));
    if (auto n = args.get("threads"))
        data.read_threads = static_cast<unsigned>(parse_whole(*n, "--threads", 0, 1024));
}

/// The records of `evaluate` and `report`: --participants, then --events
/// and --xapi (statements may replace the events file or add to it, read
/// after it), with --xapi-lesson.  The options are checked when made, before
/// any output is opened; `read` reads them in that order, `print` says on
/// stderr what each held.
class RecordInputs {
public:
    explicit RecordInputs(const Args& args) : participants_path_(args.require("participants")) {
        xapi_path_ = args.get("xapi");
        if (xapi_path_ && xapi_path_->empty()) throw UsageError("--xapi needs a file");
        if (!xapi_path_ || args.get("events")) events_path_ = args.require("events");
        if (auto mapping = args.get("xapi-lesson")) {
            if (!xapi_path_) throw UsageError("--xapi-lesson needs --xapi");
            auto parsed = yanxiu::XapiOptions::parse(*mapping);
            if (!parsed) throw UsageError("--xapi-lesson must be last_segment, whole_iri or query:PARAM");
            xapi_options_ = *parsed;
        }
    }
    /// Reads every input into `data`; `step` (if given) is told before each.
    void read(yanxiu::Dataset& data, const std::function<void(const char*)>& step = {}) {
        if (step) step("reading participants");
        participants_ = read_input(data, participants_path_, false);
        participants_hash_ = hash_later("participants", participants_path_, participants_);
        report_unit_spellings(data);
        if (!events_path_.empty()) {
            if (step) step("reading events");
            events_ = read_input(data, events_path_, true, participants_path_);
            events_hash_ = hash_later("events", events_path_, events_);
        }
        if (xapi_path_) {
            if (step) step("reading xAPI statements");
            statements_ = yanxiu::read_xapi_file(data, *xapi_path_, xapi_options_);
        }
        data.group_events();  // each participant's events side by side, for the evaluation
    }
    /// The inputs as provenance records: path, size, SHA-256, what reading gave.
    [[nodiscard]] std::vector<yanxiu::ProvenanceFile> files() const {
        std::vector<yanxiu::ProvenanceFile> out;
        out.push_back(participants_hash_.valid() ? participants_hash_.get()
                                                 : yanxiu::hash_file("participants", participants_path_, participants_));
        if (!events_path_.empty())
            out.push_back(events_hash_.valid() ? events_hash_.get() : yanxiu::hash_file("events", events_path_, events_));
        if (xapi_path_) {
            yanxiu::ReadSummary s;
            s.read = statements_->read;
            s.accepted = statements_->mapped;
            s.rejected = statements_->rejected;
            s.duplicates = statements_->duplicates;
            out.push_back(yanxiu::hash_file("xapi", *xapi_path_, s));
        }
        return out;
    }
    /// One line per input read: participants, events, xapi.
    void print() const {
        print_summary("participants", participants_);
        if (!events_path_.empty()) print_summary("events", events_);
        if (statements_) {
            const auto& x = *statements_;
            std::fprintf(stderr, "xapi: read %zu = mapped %zu + ignored %zu + rejected %zu + duplicates %zu\n", x.read,
                         x.mapped, x.ignored, x.rejected, x.duplicates);
        }
    }

private:
    /// An input's SHA-256, computed on a thread of its own from now (its
    /// reading is done): hashing a large file overlaps the evaluation and
    /// the writing instead of following them.
    static std::shared_future<yanxiu::ProvenanceFile> hash_later(std::string role, std::string path,
                                                                 yanxiu::ReadSummary counts) {
        return std::async(std::launch::async, [role = std::move(role), path = std::move(path), counts] {
                   return yanxiu::hash_file(role, path, counts);
               }).share();
    }

    std::string participants_path_;
    std::shared_future<yanxiu::ProvenanceFile> participants_hash_, events_hash_;
    std::string events_path_;  // "" when only --xapi gives the events
    std::optional<std::string> xapi_path_;
    yanxiu::XapiOptions xapi_options_;
    yanxiu::ReadSummary participants_, events_;
    std::optional<yanxiu::XapiSummary> statements_;
};

/// Writes `output`'s provenance sidecar (FILE.provenance.json) to commit
/// with it: `provenance` with the output's own size and SHA-256.  An output
/// to stdout or a device has none.
void sidecar_for(std::optional<Output>& sidecar, Output& output, yanxiu::Provenance provenance, const char* role) {
    if (!output.is_file()) return;
    output.close();
    yanxiu::ProvenanceFile self = yanxiu::hash_file(role, output.written());
    self.path = output.path();
    provenance.output = self;
    sidecar.emplace(yanxiu::sidecar_path(output.path()));
    sidecar->stream() << provenance.to_json().dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}


/// A progress line on stderr, shown only when stderr is a terminal:
/// logs and pipes get nothing.  A step may report how far it is, which
/// shows as a percentage with the time left, estimated from the rate so far.
class Progress {
public:
    Progress() : on_(::isatty(2) == 1) {}
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    ~Progress() { done(); }
    [[nodiscard]] bool on() const noexcept { return on_; }
    void step(const std::string& text) {
        if (!on_) return;
        std::lock_guard<std::mutex> lock(mutex_);
        text_ = text;
        started_ = std::chrono::steady_clock::now();
        shown_at_ = {};
        print(text + " ...");
    }
    /// How far the current step is: `done` of `total` (nothing when total is 0).
    void fraction(std::uint64_t done, std::uint64_t total) {
        if (!on_ || total == 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (now - shown_at_ < std::chrono::milliseconds(200) && done < total) return;  // at most 5 a second
        shown_at_ = now;
        const double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
        const double elapsed = std::chrono::duration<double>(now - started_).count();
        char line[96];
        const double left = f > 0.01 ? elapsed * (1.0 - f) / f : 0;
        if (elapsed > 0.5 && f < 1.0 && left >= 1) {
            if (left < 60)
                std::snprintf(line, sizeof line, " %3.0f%%, about %.0f s left", f * 100, left);
            else
                std::snprintf(line, sizeof line, " %3.0f%%, about %.0f min left", f * 100, left / 60);
        } else {
            std::snprintf(line, sizeof line, " %3.0f%%", f * 100);
        }
        print(text_ + line);
    }
    void done() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!shown_) return;
        std::fputs("\r\x1b[K", stderr);
        std::fflush(stderr);
        shown_ = false;
    }

private:
    void print(const std::string& line) {
        std::fprintf(stderr, "\r\x1b[Kyanxiu: %s", line.c_str());
        std::fflush(stderr);
        shown_ = true;
    }

    bool on_;
    bool shown_ = false;
    std::mutex mutex_;
    std::string text_;
    std::chrono::steady_clock::time_point started_{}, shown_at_{};
};

/// Evaluates `data`, showing on a terminal how many participants are done.
yanxiu::Evaluation evaluate_with_progress(const yanxiu::Dataset& data, yanxiu::EvaluateOptions options,
                                          Progress& progress) {
    const std::size_t n = data.participants().size();
    progress.step("evaluating " + std::to_string(n) + " participants");
    if (!progress.on()) return yanxiu::evaluate(data, options);
    std::atomic<std::size_t> evaluated{0};
    std::atomic<bool> finished{false};
    options.evaluated = &evaluated;
    std::thread ticker([&] {
        while (!finished.load()) {
            progress.fraction(evaluated.load(std::memory_order_relaxed), n);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    struct Join {
        std::atomic<bool>& finished;
        std::thread& ticker;
        ~Join() {
            finished = true;
            ticker.join();
        }
    } join{finished, ticker};
    return yanxiu::evaluate(data, options);
}

/// --lang zh|en (default zh).
yanxiu::Lang parse_lang_option(const Args& args) {
    auto text = args.get("lang");
    if (!text) return yanxiu::Lang::zh;
    auto lang = yanxiu::parse_lang(*text);
    if (!lang) throw UsageError("--lang must be zh or en");
    return *lang;
}

int cmd_evaluate(const Args& args) {
    auto program = yanxiu::Program::load(args.require("program"));
    RecordInputs inputs(args);
    yanxiu::EvaluateOptions options;
    if (auto as_of = args.get("as-of")) options.as_of = as_of_option(*as_of, program);
    if (auto threads = args.get("threads")) {
        try {
            int n = std::stoi(*threads);
            if (n < 0 || n > 1024) throw std::out_of_range("threads");
            options.threads = static_cast<unsigned>(n);
        } catch (const std::exception&) {
            throw UsageError("--threads needs a whole number from 0 to 1024");
        }
    }
    // The outcomes' format by --out's extension: .jsonl (also .json,
    // .ndjson, and stdout) JSON Lines, .csv a table, .xlsx a workbook.
    const std::string out_path = args.get("out").value_or("");
    const OutcomeFormat out_format = outcome_format(out_path);
    std::optional<yanxiu::Lang> lang;
    if (args.get("lang")) lang = parse_lang_option(args);
    if (out_format != OutcomeFormat::jsonl && args.flag("explain"))
        throw UsageError("--explain adds each lesson's detail to JSON Lines; --out " + out_path + " is a table");
    // Open outputs before the work, so a bad path fails fast.
    Output out(out_path);
    std::optional<Output> rejects;
    if (auto path = args.get("rejects")) rejects.emplace(*path);

    Progress progress;
    yanxiu::Dataset data(program);
    apply_limits(args, data);
    RejectionStream rejected(data, rejects ? &*rejects : nullptr);
    data.on_read_progress = [&](std::uint64_t done, std::uint64_t total) { progress.fraction(done, total); };
    inputs.read(data, [&](const char* what) { progress.step(what); });
    yanxiu::OutcomeJson format;
    format.include_lessons = args.flag("explain");  // each studied lesson's counted time and credit
    format.explanations = lang;                     // each reason as a sentence
    format.program = &program;
    options.keep_lessons = format.include_lessons;
    const yanxiu::Evaluation evaluation = evaluate_with_progress(data, options, progress);
    const auto& outcomes = evaluation.outcomes;
    progress.step("writing " + std::to_string(outcomes.size()) + " outcomes");
    write_outcomes_as(out, out_format, evaluation, format, lang.value_or(yanxiu::Lang::zh), options.threads);
    progress.done();
    rejected.finish();
    const auto provenance = [&] {
        auto p = yanxiu::provenance_of(program, options.as_of, yanxiu::generation_instant());
        p.inputs = inputs.files();
        return p;
    }();
    std::optional<Output> out_sidecar, rejects_sidecar;
    sidecar_for(out_sidecar, out, provenance, "outcomes");
    if (rejects) sidecar_for(rejects_sidecar, *rejects, provenance, "rejections");
    commit(out, rejects, out_sidecar, rejects_sidecar);  // only now: a failure before leaves the earlier files

    inputs.print();
    std::map<std::string, std::size_t> by_status;
    for (const auto& o : outcomes) ++by_status[std::string(yanxiu::to_string(o.status))];
    std::fprintf(stderr, "outcomes: %zu", outcomes.size());
    for (const char* s : {"completed", "in_progress", "recorded", "not_started", "unverified"})
        std::fprintf(stderr, ", %s %zu", s, by_status[s]);
    std::fprintf(stderr, "\n");
    if (rejected.count() && !rejects)
        std::fprintf(stderr, "%zu records rejected; write them with --rejects FILE\n", rejected.count());
    if (args.flag("strict") && rejected.count()) return kStrictRejections;
    return kOk;
}


/// The report's "generated at" line: --generated-at, else the library's
/// (SOURCE_DATE_EPOCH for reproducible output, else now).
std::string generated_at(const Args& args, const yanxiu::Program& program) {
    if (auto text = args.get("generated-at")) return *text;
    return yanxiu::generated_at_text(program);
}

/// A report's provenance: generated when --generated-at says (so that the
/// same inputs and --generated-at give the same bytes), else at
/// SOURCE_DATE_EPOCH, else now.
yanxiu::Provenance report_provenance(const Args& args, const yanxiu::Program& program,
                                     std::optional<yanxiu::Instant> as_of, std::vector<yanxiu::ProvenanceFile> inputs) {
    auto p = yanxiu::provenance_of(program, as_of, yanxiu::generation_instant());
    p.generated_at = yanxiu::provenance_time(args.get("generated-at"), program.time_zone());
    p.inputs = std::move(inputs);
    return p;
}

/// Columns a terminal gives to text: East Asian characters take two.
std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        width += length >= 3 ? 2 : 1;
        i += length;
    }
    return width;
}

std::string pad(const std::string& text, std::size_t width, bool right_align) {
    const std::size_t have = display_width(text);
    const std::string fill(have < width ? width - have : 0, ' ');
    return right_align ? fill + text : text + fill;
}

/// The short summary table of a report on stdout: by category and in total,
/// and the units at the top and bottom of the ranking.
void print_report_summary(const yanxiu::Report& report, yanxiu::Lang lang) {
    using yanxiu::ReportLabel;
    auto label = [&](ReportLabel l) { return std::string(yanxiu::label(l, lang)); };
    auto percent = [](std::optional<double> x) {
        if (!x) return std::string("-");
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.1f%%", *x * 100);
        return std::string(buffer);
    };
    const ReportLabel columns[] = {ReportLabel::expected,  ReportLabel::registered, ReportLabel::started,
                                   ReportLabel::completed, ReportLabel::coverage,   ReportLabel::mean_hours};
    // Each column as wide as its heading and two spaces, at least 9.
    std::size_t widths[6];
    for (std::size_t i = 0; i < 6; ++i) widths[i] = std::max<std::size_t>(9, display_width(label(columns[i])) + 2);
    std::size_t name_width = display_width(label(ReportLabel::total));
    for (const auto& c : report.categories)
        name_width = std::max(name_width, display_width(yanxiu::category_label(c.category, lang, &report.program)));
    auto print_row = [&](const std::string& name, const std::vector<std::string>& cells) {
        std::string out = pad(name, name_width, false);
        for (std::size_t i = 0; i < cells.size(); ++i) out += pad(cells[i], widths[i], true);
        std::printf("%s\n", out.c_str());
    };
    auto line = [&](const std::string& name, const yanxiu::Counts& k, bool target) {
        char hours[32] = "-";
        if (auto mean = k.mean_hours()) std::snprintf(hours, sizeof hours, "%.2f", *mean);
        print_row(name, {k.expected ? std::to_string(*k.expected) : "-", std::to_string(k.registered),
                         std::to_string(k.started), target ? std::to_string(k.completed) : "-",
                         target ? percent(k.coverage()) : "-", hours});
    };
    std::vector<std::string> head;
    for (ReportLabel c : columns) head.push_back(label(c));
    print_row(label(ReportLabel::category), head);
    for (const auto& c : report.categories)
        line(yanxiu::category_label(c.category, lang, &report.program), c.counts, c.target);
    line(label(ReportLabel::total), report.target, true);
    std::size_t ranked = 0;
    for (const auto& u : report.units) ranked += u.target.coverage_base > 0 ? 1 : 0;
    if (ranked == 0 || !report.ranked) return;  // 不排名: no best and worst either
    auto unit_text = [&](const yanxiu::UnitReport& u) {
        return (u.unit.empty() ? label(ReportLabel::no_unit) : u.unit) + " " + percent(u.target.coverage());
    };
    const std::string separator = yanxiu::phrase(yanxiu::Phrase::list_separator, lang);
    std::string ranking = yanxiu::phrase(yanxiu::Phrase::summary_units_top, lang, {std::to_string(report.units.size())});
    const std::size_t top = std::min<std::size_t>(3, ranked);
    for (std::size_t i = 0; i < top; ++i) ranking += (i ? separator : std::string()) + unit_text(report.units[i]);
    if (ranked > top) {
        ranking += yanxiu::phrase(yanxiu::Phrase::summary_lowest, lang);
        const std::size_t first_low = ranked - std::min<std::size_t>(3, ranked - top);
        for (std::size_t i = first_low; i < ranked; ++i)
            ranking += (i > first_low ? separator : std::string()) + unit_text(report.units[i]);
    }
    std::printf("%s\n", ranking.c_str());
}

/// Writes a report's outputs: --html, --json, --csv, --xlsx (each
/// optional).  With the report's provenance, the JSON and the page carry it
/// and the CSV and the workbook get a sidecar (a table has nowhere else to say it).
struct ReportOutputs {
    std::optional<Output> html, json, csv, csv_sidecar, xlsx, xlsx_sidecar;
    bool bom = true;
    std::optional<yanxiu::Instant> created;  ///< the workbook's creation time

    void write(const yanxiu::Report& report, yanxiu::Lang lang, const std::vector<yanxiu::FollowUpRow>* follow_up) {
        if (html) {
            const std::string page = yanxiu::to_html(report, lang);
            html->stream().write(page.data(), static_cast<std::streamsize>(page.size()));
            html->close();
        }
        if (json) {
            json->stream() << yanxiu::to_json_text(report);
            json->close();
        }
        if (csv) {
            yanxiu::CsvOptions options;
            options.lang = lang;
            options.bom = bom;
            yanxiu::write_csv(csv->stream(), report, options);
            csv->close();
            if (report.provenance) sidecar_for(csv_sidecar, *csv, *report.provenance, "report");
        }
        if (xlsx) {
#ifdef YANXIU_HAVE_XLSX
            yanxiu::XlsxOptions options;
            options.lang = lang;
            options.follow_up = follow_up;
            options.created = created;
            const std::string bytes = yanxiu::to_xlsx(report, options);
            xlsx->stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            xlsx->close();
            if (report.provenance) sidecar_for(xlsx_sidecar, *xlsx, *report.provenance, "report");
#else
            (void)follow_up;
#endif
        }
    }
    void commit() { ::commit(html, json, csv, csv_sidecar, xlsx, xlsx_sidecar); }
};

/// A unit's name as a file name: characters a file system or a spreadsheet
/// program refuses become '_', no leading dot, at most 180 bytes (cut at a
/// character boundary); "(no unit)" in words for the empty unit.
std::string unit_file_stem(const std::string& unit, yanxiu::Lang lang) {
    std::string stem = unit.empty() ? std::string(yanxiu::label(yanxiu::ReportLabel::no_unit, lang)) : unit;
    for (char& c : stem)
        if (static_cast<unsigned char>(c) < 0x20 || std::strchr("/\\:*?\"<>|", c) != nullptr) c = '_';
    if (!stem.empty() && stem[0] == '.') stem[0] = '_';
    if (stem.size() > 180) {
        std::size_t n = 180;
        while (n > 0 && (static_cast<unsigned char>(stem[n]) & 0xC0) == 0x80) --n;
        stem.resize(n);
    }
    return stem;
}

/// --follow-up DIR: one list of who has not finished per unit, as CSV (with
/// a BOM unless --no-bom) and, where yanxiu::xlsx is built, as a workbook;
/// and DIR/index.csv naming each unit's files and count.  Every file is
/// written beside its place and put there only when the whole run
/// succeeds; the lists of an earlier run that index.csv named and this run
/// did not write (a unit that has since finished) are removed then, so the
/// directory never holds a stale list.
class FollowUpLists {
public:
    FollowUpLists(std::string dir, bool bom) : dir_(std::move(dir)), bom_(bom) {
        std::error_code ec;
        std::filesystem::create_directories(dir_, ec);
        if (ec || !std::filesystem::is_directory(dir_))
            throw std::runtime_error(dir_ + ": cannot make the directory" + (ec ? ": " + ec.message() : std::string()));
    }

    /// Writes the lists of `rows` (sorted by unit).
    void write(const std::vector<yanxiu::FollowUpRow>& rows, const yanxiu::Program& program, yanxiu::Lang lang,
               std::optional<yanxiu::Instant> created, const yanxiu::ContactCheck* contacts = nullptr) {
        namespace fs = std::filesystem;
        std::map<std::string, int> stems_used;
        index_.emplace((fs::path(dir_) / "index.csv").string());
        std::ostream& index = index_->stream();
        if (bom_) index << "\xEF\xBB\xBF";
        index << yanxiu::csv_text_cell(yanxiu::label(yanxiu::ReportLabel::unit, lang)) << ','
              << yanxiu::csv_text_cell(lang == yanxiu::Lang::zh ? "未完成人数" : "Not yet finished") << ",CSV,Excel";
        // With contacts: whom the unit's list goes to.
        if (contacts) yanxiu::write_contact_header(index, lang);
        index << "\r\n";
        for (std::size_t begin = 0; begin < rows.size();) {
            std::size_t end = begin;
            while (end < rows.size() && rows[end].unit == rows[begin].unit) ++end;
            const std::vector<yanxiu::FollowUpRow> unit_rows(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                                             rows.begin() + static_cast<std::ptrdiff_t>(end));
            std::string stem = unit_file_stem(rows[begin].unit, lang);
            if (const int n = ++stems_used[stem]; n > 1) stem += "-" + std::to_string(n);  // two units, one file name
            yanxiu::CsvOptions options;
            options.lang = lang;
            options.bom = bom_;
            const std::string csv_name = stem + ".csv";
            Output& csv = files_.emplace_back((fs::path(dir_) / csv_name).string());
            yanxiu::write_follow_up_csv(csv.stream(), unit_rows, program, options);
            csv.close();
            written_.insert(csv_name);
            std::string xlsx_name;
#ifdef YANXIU_HAVE_XLSX
            xlsx_name = stem + ".xlsx";
            yanxiu::XlsxOptions x;
            x.lang = lang;
            x.created = created;
            const std::string bytes = yanxiu::follow_up_xlsx(unit_rows, program, x);
            Output& book = files_.emplace_back((fs::path(dir_) / xlsx_name).string());
            book.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            book.close();
            written_.insert(xlsx_name);
#else
            (void)created;
#endif
            index << yanxiu::csv_text_cell(rows[begin].unit.empty() ? std::string(yanxiu::label(yanxiu::ReportLabel::no_unit, lang))
                                                                    : rows[begin].unit)
                  << ',' << (end - begin) << ',' << yanxiu::csv_text_cell(csv_name) << ','
                  << yanxiu::csv_text_cell(xlsx_name);
            if (contacts) yanxiu::write_contact_cells(index, contacts->find(rows[begin].unit));
            index << "\r\n";
            ++units_;
            begin = end;
        }
        participants_ = rows.size();
        index_->close();
    }

    /// Puts every list in place, then removes the earlier run's lists that
    /// this one did not write.
    void commit() {
        namespace fs = std::filesystem;
        const std::vector<std::string> earlier = listed_files();
        for (Output& f : files_) f.commit();
        index_->commit();
        for (const std::string& name : earlier) {
            if (written_.count(name)) continue;
            std::error_code ec;
            fs::remove(fs::path(dir_) / name, ec);
        }
    }

    [[nodiscard]] std::size_t units() const noexcept { return units_; }
    [[nodiscard]] std::size_t participants() const noexcept { return participants_; }
    [[nodiscard]] const std::string& dir() const noexcept { return dir_; }

private:
    /// The list files the current DIR/index.csv names (its third and fourth
    /// columns), only plain names with no directory part.
    [[nodiscard]] std::vector<std::string> listed_files() const {
        std::vector<std::string> names;
        std::ifstream in(std::filesystem::path(dir_) / "index.csv", std::ios::binary);
        std::string line;
        bool header = true;
        while (std::getline(in, line)) {
            if (header) {
                header = false;
                continue;
            }
            if (!line.empty() && line.back() == '\r') line.pop_back();
            // Unquote the CSV cells (a unit name may hold a comma or a quote).
            std::vector<std::string> cells(1);
            bool quoted = false;
            for (std::size_t i = 0; i < line.size(); ++i) {
                const char c = line[i];
                if (quoted) {
                    if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
                    else if (c == '"') quoted = false;
                    else cells.back() += c;
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    cells.emplace_back();
                } else {
                    cells.back() += c;
                }
            }
            for (std::size_t k = 2; k < cells.size() && k < 4; ++k) {
                std::string name = cells[k];
                if (!name.empty() && name[0] == '\'') name.erase(0, 1);  // csv_text_cell's formula guard
                if (!name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
                    name != "index.csv")
                    names.push_back(name);
            }
        }
        return names;
    }

    std::string dir_;
    bool bom_;
    std::deque<Output> files_;  // Output is not movable: a deque keeps each in place
    std::optional<Output> index_;
    std::set<std::string> written_;
    std::size_t units_ = 0, participants_ = 0;
};

/// A value of the resolved programme for a line of text (absent: "—").
std::string rule_value(const std::optional<std::string>& v) { return v ? *v : "(absent)"; }

/// The text of an outcome side for a line of `diff`.
std::string side_text(const std::optional<yanxiu::OutcomeSide>& s, const yanxiu::TimeZone& zone) {
    if (!s) return "not evaluated";
    char hours[32];
    std::snprintf(hours, sizeof hours, "%g", s->hours_credited);
    return std::string(yanxiu::to_string(s->status)) + (s->certificate ? ", certificate" : "") + ", " + hours +
           " h" + (s->completed_at ? ", completed " + yanxiu::format_instant(*s->completed_at, zone) : "");
}

int cmd_diff(const Args& args) {
    if (args.positional.size() != 2) throw UsageError("diff takes two programmes: OLD NEW");
    auto before = yanxiu::Program::load(args.positional[0]);
    auto after = yanxiu::Program::load(args.positional[1]);
    const std::string participants_path = args.require("participants");
    const std::string events_path = args.require("events");
    std::size_t limit = 20;
    if (auto text = args.get("limit")) limit = static_cast<std::size_t>(parse_whole(*text, "--limit", 0, 100000000));
    yanxiu::EvaluateOptions options;
    if (auto threads = args.get("threads"))
        options.threads = static_cast<unsigned>(parse_whole(*threads, "--threads", 0, 1024));
    std::optional<Output> json_out;
    if (auto path = args.get("json")) json_out.emplace(*path);

    // The same records, read and evaluated under each programme.
    auto evaluate_under = [&](const yanxiu::Program& program) {
        yanxiu::EvaluateOptions o = options;
        if (auto as_of = args.get("as-of")) o.as_of = as_of_option(*as_of, program);
        yanxiu::Dataset data(program);
        data.read_threads = o.threads;
        data.read_participants_file(participants_path);
        data.read_events_file(events_path);
        data.group_events();
        return yanxiu::evaluate(data, o);
    };
    const yanxiu::Evaluation old_evaluation = evaluate_under(before);
    const yanxiu::Evaluation new_evaluation = evaluate_under(after);
    const yanxiu::ProgramDiff d = yanxiu::diff(old_evaluation, new_evaluation);
    const yanxiu::TimeZone& zone = after.time_zone();

    std::ostream& out = std::cout;
    out << "rules: " << d.rules.size() << (d.rules.size() == 1 ? " difference" : " differences") << " ("
        << d.before_id << ' ' << d.before_version << " -> " << d.after_id << ' ' << d.after_version << ")\n";
    for (const auto& r : d.rules)
        out << "  " << r.path << ": " << rule_value(r.before) << " -> " << rule_value(r.after) << '\n';
    const auto& t = d.total;
    out << "\noutcomes: " << t.participants << " participants, " << t.changed << " change: " << t.completed_gained
        << " newly completed, " << t.completed_lost << " no longer completed, " << t.status_changed
        << " change status, " << t.hours_changed << " change hours, " << t.completed_at_changed
        << " change completed_at\n";
    if (d.as_of) out << "as of " << yanxiu::format_instant(*d.as_of, zone) << '\n';
    if (t.changed > 0) {
        out << "\nby unit and category (participants, changed, newly completed, no longer completed):\n";
        for (const auto& c : d.by_unit) {
            if (c.changed == 0) continue;
            out << "  " << pad(c.unit.empty() ? "(no unit)" : c.unit, 24, false) << ' ' << pad(c.category, 14, false)
                << ' ' << pad(std::to_string(c.participants), 8, true) << ' ' << pad(std::to_string(c.changed), 8, true)
                << ' ' << pad("+" + std::to_string(c.completed_gained), 8, true) << ' '
                << pad("-" + std::to_string(c.completed_lost), 8, true) << '\n';
        }
        const std::size_t shown = limit == 0 ? d.changes.size() : std::min(limit, d.changes.size());
        out << "\nparticipants (" << shown << " of " << d.changes.size()
            << (json_out ? ")" : "; all of them with --json FILE)") << ":\n";
        for (std::size_t i = 0; i < shown; ++i) {
            const auto& c = d.changes[i];
            out << "  " << c.participant << ' ' << c.unit << ' ' << c.category << ": " << side_text(c.before, zone)
                << " -> " << side_text(c.after, zone) << '\n';
        }
    }
    out.flush();
    if (json_out) {
        json_out->stream() << yanxiu::to_json(d, zone).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                           << '\n';
        json_out->close();
        json_out->commit();
    }
    return kOk;
}

/// --dispatch DIR: the reports of the programme's dispatch calendar, each
/// as DIR/DATE.html and DIR/DATE.json, and DIR/index.html linking them;
/// written beside their places and put there only when the whole run
/// succeeds (a failed run leaves the earlier series as it was).
struct DispatchSeries {
    std::string dir;
    std::vector<yanxiu::Report> reports;
    std::vector<yanxiu::LocalDate> dates;  ///< each report's dispatch date
    std::deque<Output> files;  // Output is not movable: a deque keeps each in place

    explicit DispatchSeries(std::string d) : dir(std::move(d)) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir))
            throw std::runtime_error(dir + ": cannot make the directory" + (ec ? ": " + ec.message() : std::string()));
    }
    /// Evaluates `data` as of the end of each of the programme's dispatch
    /// dates (none after `options.as_of`), builds each report with `build`
    /// and compares it with the one before (较上期).
    void run(const yanxiu::Program& program, const yanxiu::Dataset& data, const yanxiu::EvaluateOptions& options,
             const std::function<yanxiu::Report(const yanxiu::Evaluation&, yanxiu::Instant)>& build) {
        for (const yanxiu::LocalDate day : program.dispatches()) {
            const yanxiu::Instant end = as_of_option(yanxiu::format_local_date(day), program);
            if (options.as_of && end > *options.as_of) break;
            yanxiu::EvaluateOptions at = options;
            at.as_of = end;
            yanxiu::Report r = build(yanxiu::evaluate(data, at), end);
            if (!reports.empty())
                r.previous = yanxiu::previous_report_from_json(nlohmann::json::parse(yanxiu::to_json_text(reports.back())));
            reports.push_back(std::move(r));
            dates.push_back(day);
        }
    }
    void write(yanxiu::Lang lang) {
        namespace fs = std::filesystem;
        std::vector<yanxiu::DispatchLink> links;
        for (std::size_t i = 0; i < reports.size(); ++i) {
            const yanxiu::Report& r = reports[i];
            const std::string stem = yanxiu::format_local_date(dates[i]);
            Output& html = files.emplace_back((fs::path(dir) / (stem + ".html")).string());
            const std::string page = yanxiu::to_html(r, lang);
            html.stream().write(page.data(), static_cast<std::streamsize>(page.size()));
            html.close();
            Output& json = files.emplace_back((fs::path(dir) / (stem + ".json")).string());
            json.stream() << yanxiu::to_json_text(r);
            json.close();
            links.push_back({&r, dates[i], stem + ".html", stem + ".json"});
        }
        Output& index = files.emplace_back((fs::path(dir) / "index.html").string());
        index.stream() << yanxiu::dispatch_index_html(links, lang);
        index.close();
    }
    void commit() {
        for (Output& f : files) f.commit();
    }
};

int cmd_report(const Args& args) {
    auto program = yanxiu::Program::load(args.require("program"));
    RecordInputs inputs(args);
    const yanxiu::Lang lang = parse_lang_option(args);
    yanxiu::EvaluateOptions options;
    options.keep_lessons = false;  // a report needs the counts, not the per-lesson detail
    if (auto as_of = args.get("as-of")) options.as_of = as_of_option(*as_of, program);
    if (auto threads = args.get("threads")) options.threads = static_cast<unsigned>(parse_whole(*threads, "--threads", 0, 1024));
    // The CSV starts with a BOM unless --no-bom: Excel on Windows reads UTF-8
    // without one as the local code page and garbles every Chinese name.
    if ((args.flag("bom") || args.flag("no-bom")) && !args.get("csv") && !args.get("follow-up"))
        throw UsageError(std::string(args.flag("bom") ? "--bom" : "--no-bom") + " needs --csv or --follow-up");
    if (args.flag("bom") && args.flag("no-bom")) throw UsageError("--bom and --no-bom contradict each other");
#ifndef YANXIU_HAVE_XLSX
    if (args.get("xlsx")) throw std::runtime_error("--xlsx: this yanxiu was built without yanxiu::xlsx (libxlsxwriter)");
#endif
    if (auto path = args.get("xlsx"); path && *path != "-" && !has_extension(*path, ".xlsx"))
        throw UsageError("--xlsx writes an Excel workbook: give a file name ending in .xlsx, not " + *path);
    // Open outputs before the work, so a bad path fails fast.
    ReportOutputs outputs;
    if (auto path = args.get("html")) outputs.html.emplace(*path);
    if (auto path = args.get("json")) outputs.json.emplace(*path);
    if (auto path = args.get("csv")) outputs.csv.emplace(*path);
    if (auto path = args.get("xlsx")) outputs.xlsx.emplace(*path);
    outputs.bom = !args.flag("no-bom");
    outputs.created = yanxiu::generation_instant();
    if (auto text = args.get("generated-at"))
        if (auto at = yanxiu::parse_instant(*text, program.time_zone())) outputs.created = *at;
    std::optional<FollowUpLists> follow_up_lists;
    if (auto dir = args.get("follow-up")) follow_up_lists.emplace(*dir, outputs.bom);
    std::optional<DispatchSeries> dispatch;
    if (auto dir = args.get("dispatch")) {
        if (program.dispatches().empty())
            throw UsageError("--dispatch: programme " + program.id() +
                             " names no dispatch dates (add \"dispatches\": [\"2023-01-16\", ...])");
        dispatch.emplace(*dir);
    }
    // --previous: read first, so a wrong file fails before the work.
    std::optional<yanxiu::PreviousReport> previous;
    if (auto path = args.get("previous")) {
        std::ifstream in(*path, std::ios::binary);
        if (!in) throw std::runtime_error(*path + ": cannot open" + errno_text(errno));
        try {
            previous = yanxiu::previous_report_from_json(nlohmann::json::parse(in));
        } catch (const std::exception& e) {
            throw std::runtime_error(*path + ": " + e.what());
        }
    }
    std::optional<Output> rejects;
    if (auto path = args.get("rejects")) rejects.emplace(*path);

    Progress progress;
    yanxiu::Dataset data(program);
    apply_limits(args, data);
    RejectionStream rejected(data, rejects ? &*rejects : nullptr);
    data.on_read_progress = [&](std::uint64_t done, std::uint64_t total) { progress.fraction(done, total); };
    inputs.read(data, [&](const char* what) { progress.step(what); });
    std::optional<yanxiu::Census> census;
    if (auto path = args.get("census")) {
        census.emplace(program);
        census->read_file(*path);
    }
    // Contact details name people: read only when asked for, shown only in the reports made here.
    std::optional<yanxiu::Contacts> contacts;
    if (auto path = args.get("contacts")) {
        contacts.emplace(program);
        contacts->read_file(*path);
    }
    const yanxiu::Evaluation evaluation = evaluate_with_progress(data, options, progress);
    progress.step("writing the report");
    auto files = inputs.files();
    if (census) files.push_back(yanxiu::hash_file("census", *args.get("census"), census->summary()));
    if (contacts) files.push_back(yanxiu::hash_file("contacts", *args.get("contacts"), contacts->summary()));
    // One report, as of `as_of`, from an evaluation: the main one and each dispatch's.
    auto build_report = [&](const yanxiu::Evaluation& e, std::optional<yanxiu::Instant> as_of,
                            std::vector<yanxiu::ProvenanceFile> sources) {
        auto r = census ? yanxiu::report(e, &census->rows(), &census->summary()) : yanxiu::report(e);
        r.generated_at = generated_at(args, program);
        if (args.flag("no-ranking")) yanxiu::without_ranking(r);
        if (contacts) yanxiu::add_contacts(r, contacts->rows());
        if (auto issuer = args.get("issuer")) r.issuer = *issuer;
        r.provenance = report_provenance(args, program, as_of, std::move(sources));
        return r;
    };
    auto main_files = files;
    if (auto path = args.get("previous")) main_files.push_back(yanxiu::hash_file("previous", *path));
    auto report = build_report(evaluation, options.as_of, std::move(main_files));
    if (previous) report.previous = std::move(*previous);
    if (dispatch) {
        // 调度、通报: each dispatch date as of the end of that day (none after --as-of), each
        // compared with the one before.
        progress.step("the dispatch reports");
        dispatch->run(program, data, options, [&](const yanxiu::Evaluation& e, yanxiu::Instant end) {
            return build_report(e, end, files);
        });
        dispatch->write(lang);
    }
    // The follow-up lists name people: made only for --xlsx and --follow-up, never printed.
    std::vector<yanxiu::FollowUpRow> follow_up;
    if (outputs.xlsx || follow_up_lists) follow_up = yanxiu::follow_up(evaluation, data, lang);
    outputs.write(report, lang, &follow_up);
    if (follow_up_lists)
        follow_up_lists->write(follow_up, program, lang, outputs.created, report.contacts ? &*report.contacts : nullptr);
    if (census) rejected.add(census->rejections());
    if (contacts) rejected.add(contacts->rejections());
    rejected.finish();
    std::optional<Output> rejects_sidecar;
    if (rejects) sidecar_for(rejects_sidecar, *rejects, *report.provenance, "rejections");
    outputs.commit();
    if (follow_up_lists) follow_up_lists->commit();
    if (dispatch) dispatch->commit();
    commit(rejects, rejects_sidecar);
    progress.done();

    inputs.print();
    if (census) print_summary("census", census->summary());
    if (contacts) print_summary("contacts", contacts->summary());
    if (dispatch)
        std::fprintf(stderr, "dispatch: %zu reports and index.html in %s\n", dispatch->reports.size(),
                     dispatch->dir.c_str());
    if (follow_up_lists)
        std::fprintf(stderr, "follow-up lists: %zu participants not yet finished in %zu units, in %s\n",
                     follow_up_lists->participants(), follow_up_lists->units(), follow_up_lists->dir().c_str());
    if (rejected.count() && !rejects)
        std::fprintf(stderr, "%zu records rejected; write them with --rejects FILE\n", rejected.count());
    print_report_summary(report, lang);
    if (args.flag("strict") && rejected.count()) return kStrictRejections;
    return kOk;
}

int cmd_keygen(const Args& args) {
    const std::string path = args.require("out");
    const auto key = yanxiu::SigningKey::generate();
    key.save(path, args.flag("force"));
    std::fprintf(stderr, "keygen: wrote %s (secret, mode 0600) and %s.pub (key id %s)\n", path.c_str(), path.c_str(),
                 key.public_key().id().c_str());
    return kOk;
}

/// The whole text of a file, or a runtime_error naming it.
std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot read" + errno_text(errno));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int cmd_token(const Args& args) {
    const std::string name = args.require("name");
    const std::string role_text = args.require("role");
    const auto role = yanxiu::parse_role(role_text);
    if (!role) throw UsageError("--role must be platform, unit or reader, not " + role_text);
    std::vector<std::string> units;
    if (auto it = args.repeated.find("unit"); it != args.repeated.end()) units = it->second;
    yanxiu::NewToken made;
    try {
        made = yanxiu::make_token(name, *role, units);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (auto file = args.get("auth")) {
        if (::access(file->c_str(), F_OK) == 0) {
            // The new line must not make the file unusable: checked with it before it is written.
            std::string text = read_text_file(*file);
            if (!text.empty() && text.back() != '\n') text += '\n';
            (void)yanxiu::Tokens::parse(text + made.line + "\n", *file);
        }
        const int fd = ::open(file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) throw yanxiu::io_error(*file, "cannot open", errno);
        const std::string line = made.line + "\n";
        const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
        const int error = errno;
        ::close(fd);
        if (!written) throw yanxiu::io_error(*file, "cannot write", error);
        std::fprintf(stderr, "token: added %s (%s) to %s\n", name.c_str(), role_text.c_str(), file->c_str());
    } else {
        std::fprintf(stderr, "%s\n", made.line.c_str());
    }
    std::printf("%s\n", made.token.c_str());
    return kOk;
}

int cmd_certify(const Args& args) {
    auto program = yanxiu::Program::load(args.require("program"));
    RecordInputs inputs(args);
    const auto key = yanxiu::SigningKey::load(args.require("key"));
    yanxiu::EvaluateOptions options;
    options.keep_lessons = false;
    if (auto as_of = args.get("as-of")) options.as_of = as_of_option(*as_of, program);
    if (auto threads = args.get("threads")) options.threads = static_cast<unsigned>(parse_whole(*threads, "--threads", 0, 1024));
    yanxiu::CertifyOptions certify_options;
    if (auto at = args.get("issued-at")) {
        std::string why;
        certify_options.issued_at = yanxiu::parse_instant(*at, program.time_zone(), &why);
        if (!certify_options.issued_at) throw UsageError("--issued-at: " + why);
    }
    std::vector<yanxiu::Certificate> previous;
    if (auto path = args.get("previous")) {
        const auto issuer = key.public_key();
        previous = yanxiu::read_certificates(read_text_file(*path), *path, &issuer);
    }
    Output out(args.require("out"));
    const auto html_dir = args.get("html"), pdf_dir = args.get("pdf");
    const std::string verify_url = args.get("verify-url").value_or("");
    if (!html_dir && !pdf_dir && args.get("verify-url")) throw UsageError("--verify-url needs --html or --pdf");
#ifndef YANXIU_HAVE_PDF
    if (pdf_dir) throw UsageError("--pdf: this yanxiu was built without PDF support (YANXIU_WITH_PDF=OFF)");
#endif
    for (const auto& dir : {html_dir, pdf_dir})
        if (dir) std::filesystem::create_directories(*dir);

    yanxiu::Dataset data(program);
    apply_limits(args, data);
    inputs.read(data);
    const yanxiu::Evaluation evaluation = yanxiu::evaluate(data, options);
    certify_options.threads = options.threads;
    const auto certificates = yanxiu::certify(evaluation, data, key, previous, certify_options);
    for (const auto& c : certificates) out.stream() << c.line() << '\n';
    auto provenance = yanxiu::provenance_of(program, options.as_of, yanxiu::generation_instant());
    provenance.inputs = inputs.files();
    if (auto path = args.get("previous")) provenance.inputs.push_back(yanxiu::hash_file("previous", *path));
    std::optional<Output> sidecar;
    sidecar_for(sidecar, out, provenance, "certificates");
    commit(out, sidecar);  // the records first: no page for a certificate in no file
    // One printable page per certificate, named by its id, each put in place
    // whole; on --threads threads (a PDF takes some 35 ms), the first error
    // stopping the rest.
    const auto write_pages = [&](const std::string& dir, const char* extension, auto&& render) {
        yanxiu::detail::parallel_for(
            certificates.size(), options.threads,
            [&](std::size_t i) {
                Output page((std::filesystem::path(dir) / (certificates[i].id + extension)).string());
                page.stream() << render(certificates[i]);
                page.commit();
            },
            2, 1);
    };
    if (html_dir)
        write_pages(*html_dir, ".html", [&](const yanxiu::Certificate& c) { return yanxiu::certificate_html(c, program, verify_url); });
#ifdef YANXIU_HAVE_PDF
    if (pdf_dir)
        write_pages(*pdf_dir, ".pdf", [&](const yanxiu::Certificate& c) { return yanxiu::certificate_pdf(c, program, verify_url); });
#endif
    inputs.print();
    std::size_t certified = 0, superseding = 0;
    for (const auto& o : evaluation.outcomes) certified += o.certificate;
    for (std::size_t i = previous.size(); i < certificates.size(); ++i) superseding += !certificates[i].supersedes.empty();
    std::fprintf(stderr, "certify: %zu certified; %zu kept from --previous, %zu issued (%zu superseding), key %s\n",
                 certified, previous.size(), certificates.size() - previous.size(), superseding,
                 key.public_key().id().c_str());
    return kOk;
}

int cmd_verify(const Args& args) {
    const auto key = yanxiu::PublicKey::load(args.require("pub"));
    if (args.positional.empty()) throw UsageError("verify needs a certificates FILE");
    std::vector<std::pair<std::string, std::string>> files, revoked;
    for (const auto& path : args.positional) files.emplace_back(path, read_text_file(path));
    if (auto path = args.get("revoked")) revoked.emplace_back(*path, read_text_file(*path));
    unsigned threads = 0;
    if (auto text = args.get("threads")) threads = static_cast<unsigned>(parse_whole(*text, "--threads", 0, 1024));
    const auto result = yanxiu::verify(key, files, revoked, threads);
    for (const auto& issue : result.issues)
        std::printf("%s:%zu: %s%s%s\n", issue.file.c_str(), issue.line, issue.id.empty() ? "" : issue.id.c_str(),
                    issue.id.empty() ? "" : ": ", issue.why.c_str());
    std::fprintf(stderr, "verify: %zu records, %zu valid, %zu failed\n", result.records, result.valid,
                 result.issues.size());
    return result.ok() ? kOk : kNotVerified;
}

int cmd_revoke(const Args& args) {
    const auto key = yanxiu::SigningKey::load(args.require("key"));
    const std::string id = args.require("id"), reason = args.require("reason"), path = args.require("out");
    if (id.empty()) throw UsageError("--id needs a certificate id");
    yanxiu::Instant at = std::chrono::time_point_cast<yanxiu::Seconds>(std::chrono::system_clock::now());
    if (auto text = args.get("at")) {
        std::string why;
        auto parsed = yanxiu::parse_instant(*text, *yanxiu::find_zone("UTC"), &why);
        if (!parsed) throw UsageError("--at: " + why);
        at = *parsed;
    }
    std::string before;
    struct stat st {};
    std::optional<yanxiu::Revocation> last;  // the revocation the new one links to
    if (::stat(path.c_str(), &st) == 0) {
        before = read_text_file(path);
        if (!before.empty() && before.back() != '\n') before += '\n';
        std::size_t end = before.find_last_not_of('\n');
        if (end != std::string::npos) {
            const std::size_t start = before.rfind('\n', end);
            const std::size_t from = start == std::string::npos ? 0 : start + 1;
            const std::size_t line = static_cast<std::size_t>(std::count(before.begin(), before.begin() + from, '\n')) + 1;
            auto j = nlohmann::json::parse(before.substr(from, end + 1 - from), nullptr, false);
            std::string why = "not JSON";
            if (!j.is_discarded()) last = yanxiu::Revocation::from_json(j, &why);
            if (!last)
                throw std::runtime_error(path + ":" + std::to_string(line) + ": the last line is not a revocation (" + why +
                                         "); nothing appended");
        }
    }
    const auto r = yanxiu::revoke(id, reason, at, key, last ? &*last : nullptr);
    Output out(path);  // the file with one more line, put in place whole
    out.stream() << before << r.line() << '\n';
    commit(out);
    std::fprintf(stderr, "revoke: %s revoked in %s\n", id.c_str(), path.c_str());
    return kOk;
}

int cmd_provenance(const Args& args) {
    if (args.positional.empty()) throw UsageError("provenance needs a FILE (an output or its .provenance.json)");
    bool ok = true;
    for (const auto& path : args.positional) {
        const auto check = yanxiu::check_provenance(path);
        for (const auto& problem : check.problems) std::printf("%s: %s\n", path.c_str(), problem.c_str());
        std::fprintf(stderr, "provenance: %s: %zu files checked, %zu changed or missing%s\n", path.c_str(), check.files,
                     check.problems.size(), check.embedded ? " (the inputs its own provenance names)" : "");
        ok = ok && check.ok();
    }
    return ok ? kOk : kNotVerified;
}

int cmd_simulate(const Args& args) {
    yanxiu::SimulationOptions options;
    options.participants = parse_whole(args.require("participants"), "--participants", 1, 10000000);
    options.seed = parse_whole(args.require("seed"), "--seed", 0, UINT64_MAX / 2);
    if (auto share = args.get("malformed-share")) {
        char* end = nullptr;
        const double value = std::strtod(share->c_str(), &end);
        if (share->empty() || *end != '\0' || !(value >= 0 && value <= 1))
            throw UsageError("--malformed-share needs a number from 0 to 1");
        options.malformed_share = value;
    }
    const std::string out_dir = args.require("out");
    const auto program = yanxiu::Program::load(args.get("program").value_or(kDemoProgram));
    Progress progress;
    progress.step("simulating " + std::to_string(options.participants) + " participants");
    auto files = yanxiu::simulate_to_directory(program, options, out_dir);
    progress.done();
    std::printf("simulated %zu participants, %zu events (%zu deliberately bad records, %zu re-sent copies) into %s\n",
                files.participants, files.events, files.malformed, files.duplicates, out_dir.c_str());
    for (const std::string* path : {&files.participants_jsonl, &files.participants_csv, &files.events_jsonl,
                                    &files.events_csv, &files.census_csv})
        std::printf("  %s\n", path->c_str());
    return kOk;
}

int cmd_demo(const Args& args) {
    namespace fs = std::filesystem;
    const auto started = std::chrono::steady_clock::now();
    const std::string out_dir = args.get("out").value_or("yanxiu-demo");
    if (out_dir.empty()) throw UsageError("--out needs a directory");
    yanxiu::SimulationOptions simulation;
    if (auto n = args.get("participants")) simulation.participants = parse_whole(*n, "--participants", 1, 10000000);
    const yanxiu::Lang lang = parse_lang_option(args);
    auto program = yanxiu::Program::load(kDemoProgram);
    auto path = [&](const char* name) { return (fs::path(out_dir) / name).string(); };

    Progress progress;
    progress.step("simulating " + std::to_string(simulation.participants) + " Hunan participants");
    auto files = yanxiu::simulate_to_directory(program, simulation, out_dir);
    progress.step("reading the records");
    yanxiu::Dataset data(program);
    Output rejects(path("rejects.jsonl"));
    RejectionStream rejected(data, &rejects);
    data.read_participants_file(files.participants_jsonl);
    data.read_events_file(files.events_jsonl);
    yanxiu::Census census(program);
    census.read_file(files.census_csv);
    progress.step("evaluating " + std::to_string(data.participants().size()) + " participants");
    yanxiu::EvaluateOptions options;
    options.keep_lessons = false;
    const yanxiu::Evaluation evaluation = yanxiu::evaluate(data, options);

    progress.step("writing outcomes and the report");
    const yanxiu::Provenance provenance = report_provenance(
        args, program, options.as_of,
        {yanxiu::hash_file("participants", files.participants_jsonl, data.participant_summary()),
         yanxiu::hash_file("events", files.events_jsonl, data.event_summary()),
         yanxiu::hash_file("census", files.census_csv, census.summary())});
    {
        Output out(path("outcomes.jsonl"));
        write_outcomes(out, evaluation, {}, 0);
        std::optional<Output> sidecar;
        sidecar_for(sidecar, out, provenance, "outcomes");
        commit(out, sidecar);
    }
    rejected.add(census.rejections());
    rejected.finish();
    std::optional<Output> rejects_sidecar;
    sidecar_for(rejects_sidecar, rejects, provenance, "rejections");
    commit(rejects, rejects_sidecar);
    // The units' contact persons (simulated, as the census's units send them:
    // a few units never sent one, one changed theirs after the due date).
    const std::string contacts_path = path("contacts.csv");
    {
        std::set<std::string> units;
        for (const yanxiu::CensusRow& row : census.rows()) units.insert(row.unit);
        Output out(contacts_path);
        out.stream() << "\xEF\xBB\xBF单位,姓名,职务,座机,手机,微信,更新时间\r\n";
        std::size_t n = 0;
        for (const std::string& unit : units) {
            if (++n % 9 == 0) continue;  // no contact sent
            char mobile[32], day[32];
            std::snprintf(mobile, sizeof mobile, "1380000%04u", static_cast<unsigned>(n % 10000));
            std::snprintf(day, sizeof day, "2023-01-%02u", static_cast<unsigned>(n % 11 == 0 ? 16 : 9 + n % 5));
            out.stream() << yanxiu::csv_text_cell(unit) << ",模拟联系人" << n << ",教师培训负责人,," << mobile << ",,"
                         << day << "\r\n";
        }
        out.close();
        out.commit();
    }
    yanxiu::Contacts contacts(program);
    contacts.read_file(contacts_path);
    auto report = yanxiu::report(evaluation, &census.rows(), &census.summary());
    report.generated_at = generated_at(args, program);
    report.provenance = provenance;
    yanxiu::add_contacts(report, contacts.rows());
    ReportOutputs outputs;
    outputs.html.emplace(path("report.html"));
    outputs.json.emplace(path("report.json"));
    outputs.csv.emplace(path("report.csv"));
    outputs.bom = true;  // the CSV is for opening in Excel
#ifdef YANXIU_HAVE_XLSX
    outputs.xlsx.emplace(path("report.xlsx"));
#endif
    outputs.created = yanxiu::generation_instant();
    const std::vector<yanxiu::FollowUpRow> follow_up = yanxiu::follow_up(evaluation, data, lang);
    FollowUpLists lists(path("follow-up"), true);
    outputs.write(report, lang, &follow_up);
    lists.write(follow_up, program, lang, outputs.created, &*report.contacts);

    // The province's dispatch series (调度、通报): the same rules with a weekly
    // calendar, one report per dispatch and an index.
    progress.step("writing the dispatch reports");
    const std::string calendar_path = path("programme-dispatch.json");
    {
        Output out(calendar_path);
        out.stream() << nlohmann::ordered_json{{"extends", program.id()},
                                               {"id", program.id() + "-dispatch"},
                                               {"version", program.version()},
                                               {"dispatches", {"2023-01-16", "2023-01-23", "2023-01-30", "2023-02-06",
                                                               "2023-02-10"}}}
                            .dump(2)
                     << "\n";
        out.close();
        out.commit();
    }
    const auto calendar = yanxiu::Program::load(calendar_path);
    yanxiu::Dataset dispatch_data(calendar);
    dispatch_data.read_participants_file(files.participants_jsonl);
    dispatch_data.read_events_file(files.events_jsonl);
    DispatchSeries dispatch(path("dispatch"));
    dispatch.run(calendar, dispatch_data, options, [&](const yanxiu::Evaluation& e, yanxiu::Instant) {
        auto r = yanxiu::report(e, &census.rows(), &census.summary());
        r.generated_at = report.generated_at;
        yanxiu::add_contacts(r, contacts.rows());
        return r;
    });
    dispatch.write(lang);
    outputs.commit();
    lists.commit();
    dispatch.commit();
    progress.done();

    print_report_summary(report, lang);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("\nsimulated %zu participants and %zu events, evaluated under %s in %.1f s (%zu records rejected)\n",
                files.participants, files.events, program.id().c_str(), seconds, rejected.count());
    std::printf("written to %s/: report.html (open in a browser; prints on A4), report.json, report.csv,\n"
                "  %soutcomes.jsonl, rejects.jsonl (each with a .provenance.json), follow-up/ (who has\n"
                "  not finished, one list per unit: %zu participants in %zu units), dispatch/ (one report\n"
                "  per dispatch date of programme-dispatch.json, and index.html), and the simulated\n"
                "  participants, events, census and contacts.csv\n",
                out_dir.c_str(),
#ifdef YANXIU_HAVE_XLSX
                "report.xlsx, ",
#else
                "",
#endif
                lists.participants(), lists.units());
    return kOk;
}

int run(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kHelp, stderr);
        return kUsage;
    }
    std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        // `yanxiu help CMD` is `yanxiu CMD --help`.
        if (argc > 2) {
            const CommandSpec* spec = command_spec(argv[2]);
            if (!spec) throw UsageError(std::string("no command '") + argv[2] + "'");
            std::fputs(command_help(*spec).c_str(), stdout);
            return kOk;
        }
        std::fputs(kHelp, stdout);
        return kOk;
    }
    // CMD --help (or -h) anywhere: that command's own help.
    const CommandSpec* spec = command_spec(command);
    if (!spec) throw UsageError("unknown command '" + command + "'");
    for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(command_help(*spec).c_str(), stdout);
            return kOk;
        }
    if (command == "version" || command == "--version") {
        std::printf("yanxiu %s\n", yanxiu::kVersion);
        return kOk;
    }
    if (command == "programs") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("programs takes no arguments");
        return cmd_programs();
    }
    if (command == "validate") return cmd_validate(Args(argc, argv, *spec));
    if (command == "evaluate") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_evaluate(args);
    }
    if (command == "report") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_report(args);
    }
    if (command == "provenance") {
        Args args(argc, argv, *spec);
        return cmd_provenance(args);
    }
    if (command == "keygen") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_keygen(args);
    }
    if (command == "token") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_token(args);
    }
    if (command == "certify") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_certify(args);
    }
    if (command == "verify") {
        Args args(argc, argv, *spec);
        return cmd_verify(args);
    }
    if (command == "revoke") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_revoke(args);
    }
    if (command == "diff") {
        Args args(argc, argv, *spec);
        return cmd_diff(args);
    }
    if (command == "simulate") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_simulate(args);
    }
    if (command == "demo") {
        Args args(argc, argv, *spec);
        if (!args.positional.empty()) throw UsageError("unexpected argument " + args.positional[0]);
        return cmd_demo(args);
    }
    throw UsageError("unknown command '" + command + "'");
}

}  // namespace

/// Everything printed reached stdout (a full disk or a closed pipe is an error, not success).
int check_stdout(int code) {
    errno = 0;
    std::cout.flush();
    if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
        std::fprintf(stderr, "yanxiu: stdout: write error%s\n", errno_text(errno).c_str());
        return code == kOk || code == kStrictRejections ? kFailure : code;
    }
    return code;
}

int main(int argc, char** argv) {
    struct sigaction action {};
    action.sa_handler = temporaries::on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    yanxiu::set_simulation_temporary_hook(&temporaries::simulation_hook);
    try {
        return check_stdout(run(argc, argv));
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
