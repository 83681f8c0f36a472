// Outcomes, reasons, lesson results and rejections as Python objects.  Each
// points into the shared, immutable yanxiu::Evaluation, so listing thousands
// of outcomes copies nothing; dicts come from yanxiu::to_json, the same
// function the command line prints with.

#include "common.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace yanxiu_python {

namespace {

using DataPtr = EvaluationPtr;

struct OutcomeRef {
    DataPtr data;
    std::size_t index;
    [[nodiscard]] const yanxiu::Outcome& get() const { return data->outcomes[index]; }
    [[nodiscard]] const std::string& zone() const { return data->program->time_zone_name(); }
};

struct ReasonRef {
    DataPtr data;
    std::size_t outcome, index;
    [[nodiscard]] const yanxiu::Reason& get() const { return data->outcomes[outcome].reasons[index]; }
};

struct LessonRef {
    DataPtr data;
    std::size_t outcome, index;
    [[nodiscard]] const yanxiu::LessonResult& get() const { return data->outcomes[outcome].lessons[index]; }
    [[nodiscard]] const std::string& zone() const { return data->program->time_zone_name(); }
};

py::object optional_int(const std::optional<std::int64_t>& v) {
    if (!v) return py::none();
    return py::int_(*v);
}

/// A reason's `have` as its JSON gives it: a count or seconds (int), hours or a score (float), or None.
py::object reason_have(const yanxiu::Reason& r) {
    if (auto have = r.have()) return py::int_(*have);
    if (r.value_have) return py::float_(*r.value_have);
    return py::none();
}

py::object reason_need(const yanxiu::Reason& r) {
    if (auto need = r.need()) return py::int_(*need);
    if (r.value_need) return py::float_(*r.value_need);
    return py::none();
}

std::string reason_value_repr(const py::object& v) { return std::string(py::str(py::repr(v))); }

std::string float_repr(double x) { return std::string(py::str(py::repr(py::float_(x)))); }

std::string optional_instant_repr(const std::optional<yanxiu::Instant>& t, const yanxiu::Program& program) {
    if (!t) return "None";
    return py_quoted(yanxiu::format_instant(*t, program.time_zone()));
}

/// A reason as the command line prints it: through to_json of a one-reason outcome.
py::object reason_dict(const yanxiu::Reason& reason, const yanxiu::TimeZone& zone) {
    yanxiu::Outcome shell;
    shell.reasons.push_back(reason);
    return json_to_py(yanxiu::to_json(shell, zone)["reasons"][0]);
}

/// The JSON options of `--explain`: each studied lesson too.
yanxiu::OutcomeJson with_lessons(bool include) {
    yanxiu::OutcomeJson format;
    format.include_lessons = include;
    return format;
}

/// A lesson result as `--explain` prints it.
py::object lesson_dict(const yanxiu::LessonResult& lesson, const yanxiu::TimeZone& zone) {
    yanxiu::Outcome shell;
    shell.lessons.push_back(lesson);
    return json_to_py(yanxiu::to_json(shell, zone, with_lessons(true))["lessons"][0]);
}

/// A rejection as a line of `--rejects` (yanxiu::to_json), the file as Python spells paths.
py::dict rejection_dict(const yanxiu::Rejection& r) {
    py::dict d = json_to_py(yanxiu::to_json(r)).cast<py::dict>();
    d["file"] = path_text(r.file);
    return d;
}

py::dict summary_dict(const yanxiu::ReadSummary& s) {
    py::dict d;
    d["read"] = s.read;
    d["accepted"] = s.accepted;
    d["rejected"] = s.rejected;
    d["duplicates"] = s.duplicates;
    return d;
}

/// The statuses in the order the command line counts them.
constexpr const char* kStatusOrder[] = {"completed", "in_progress", "recorded", "not_started", "unverified"};

py::list outcome_list(const DataPtr& data) {
    py::list out;
    for (std::size_t i = 0; i < data->outcomes.size(); ++i) out.append(py::cast(OutcomeRef{data, i}));
    return out;
}

std::optional<OutcomeRef> find_outcome(const DataPtr& data, const std::string& participant) {
    const auto& outcomes = data->outcomes;
    auto it = std::lower_bound(outcomes.begin(), outcomes.end(), participant,
                               [](const yanxiu::Outcome& o, const std::string& id) { return o.participant < id; });
    if (it == outcomes.end() || it->participant != participant) return std::nullopt;
    return OutcomeRef{data, static_cast<std::size_t>(it - outcomes.begin())};
}

/// An outcome's requirement standings as the command line prints them.
py::list requirement_list(const yanxiu::Outcome& o, const yanxiu::TimeZone& zone) {
    if (o.requirements.empty()) return py::list();
    yanxiu::Outcome shell;
    shell.requirements = o.requirements;
    return json_to_py(yanxiu::to_json(shell, zone)["requirements"]).cast<py::list>();
}

/// The outcome table as columns, for pandas (the order of an outcome's JSON).
py::dict frame_columns(const DataPtr& data) {
    const auto& outcomes = data->outcomes;
    const auto n = static_cast<py::ssize_t>(outcomes.size());
    const yanxiu::TimeZone& zone = data->program->time_zone();
    py::list participant(n), unit(n), category(n), status(n), reasons(n), requirements(n);
    const auto& groups = data->program->groups();
    py::array_t<double> group_hours({n, static_cast<py::ssize_t>(groups.size())});
    auto gh = group_hours.mutable_unchecked<2>();
    py::array_t<std::int64_t> lessons_credited(n), lessons_required(n), seconds_studied(n), seconds_credited(n),
        completed_at(n);
    py::array_t<double> hours_credited(n);
    py::array_t<bool> certificate(n);
    auto lc = lessons_credited.mutable_unchecked<1>();
    auto lr = lessons_required.mutable_unchecked<1>();
    auto ss = seconds_studied.mutable_unchecked<1>();
    auto sc = seconds_credited.mutable_unchecked<1>();
    auto ca = completed_at.mutable_unchecked<1>();
    auto hc = hours_credited.mutable_unchecked<1>();
    auto ce = certificate.mutable_unchecked<1>();
    // Units, categories and statuses are few: one Python str each, shared by
    // every row that has it (a million rows then hold a few hundred strings).
    std::unordered_map<std::string_view, py::str> shared;
    auto shared_text = [&](std::string_view s) -> py::str {
        auto it = shared.find(s);
        if (it == shared.end()) it = shared.emplace(s, text(std::string(s))).first;
        return it->second;
    };
    yanxiu::Outcome shell;  // the reasons alone go through to_json, as the command line words them
    for (py::ssize_t i = 0; i < n; ++i) {
        const yanxiu::Outcome& o = outcomes[static_cast<std::size_t>(i)];
        participant[static_cast<std::size_t>(i)] = text(o.participant);
        unit[static_cast<std::size_t>(i)] = shared_text(o.unit);
        category[static_cast<std::size_t>(i)] = shared_text(o.category);
        status[static_cast<std::size_t>(i)] = shared_text(yanxiu::to_string(o.status));
        if (o.reasons.empty()) {
            reasons[static_cast<std::size_t>(i)] = py::list();
        } else {
            shell.reasons = o.reasons;
            reasons[static_cast<std::size_t>(i)] = json_to_py(yanxiu::to_json(shell, zone)["reasons"]);
        }
        requirements[static_cast<std::size_t>(i)] = requirement_list(o, zone);
        for (std::size_t g = 0; g < groups.size(); ++g)
            gh(i, static_cast<py::ssize_t>(g)) = g < o.group_hours.size() ? o.group_hours[g].hours : 0.0;
        lc(i) = o.lessons_credited;
        lr(i) = o.lessons_required;
        ss(i) = o.seconds_studied.count();
        sc(i) = o.seconds_credited.count();
        hc(i) = o.hours_credited;
        ce(i) = o.certificate;
        ca(i) = o.completed_at ? o.completed_at->time_since_epoch().count() : std::numeric_limits<std::int64_t>::min();
    }
    py::dict d;
    d["participant"] = participant;
    d["unit"] = unit;
    d["category"] = category;
    d["status"] = status;
    d["lessons_credited"] = lessons_credited;
    d["lessons_required"] = lessons_required;
    d["seconds_studied"] = seconds_studied;
    d["seconds_credited"] = seconds_credited;
    d["hours_credited"] = hours_credited;
    d["certificate"] = certificate;
    d["completed_at"] = completed_at;  // Unix seconds; int64 min (numpy's NaT) where none
    d["reasons"] = reasons;
    d["requirements"] = requirements;
    py::list group_ids;
    for (const auto& g : groups) group_ids.append(text(g.id));
    d["group_ids"] = group_ids;
    d["group_hours"] = group_hours;  // one row per outcome, one column per group
    return d;
}

}  // namespace

yanxiu::Lang parse_lang_or_throw(const std::string& lang) {
    auto l = yanxiu::parse_lang(lang);
    if (!l) throw py::value_error("lang must be 'zh' or 'en', not '" + lang + "'");
    return *l;
}

/// The wording of a status, reason code or rejection code.
std::string code_message(const std::string& code, const std::string& lang) {
    const yanxiu::Lang l = parse_lang_or_throw(lang);
    for (yanxiu::Status x : yanxiu::kStatuses)
        if (yanxiu::to_string(x) == code) return std::string(yanxiu::message(x, l));
    for (yanxiu::ReasonCode x : yanxiu::kReasonCodes)
        if (yanxiu::to_string(x) == code) return std::string(yanxiu::message(x, l));
    for (yanxiu::RejectCode x : yanxiu::kRejectCodes)
        if (yanxiu::to_string(x) == code) return std::string(yanxiu::message(x, l));
    throw py::key_error("not a status, reason code or rejection code: '" + code + "'");
}

void bind_evaluation(py::module_& m) {
    m.def("message", [](const std::string& code, const std::string& lang) { return text(code_message(code, lang)); },
          py::arg("code"), py::arg("lang") = "zh",
          "The wording of a status, reason code or rejection code in Chinese ('zh') or English ('en').");
    py::class_<ReasonRef>(m, "Reason",
                          "Why a lesson was not credited, or what stands in a participant's way. Fields that do "
                          "not apply are None.")
        .def_property_readonly("code", [](const ReasonRef& r) { return text(yanxiu::to_string(r.get().code)); })
        .def_property_readonly("lesson", [](const ReasonRef& r) { return text_or_none(r.get().lesson); })
        .def_property_readonly("have", [](const ReasonRef& r) { return reason_have(r.get()); },
                               "What the participant has: seconds of a lesson, lessons credited (int); hours or "
                               "the best exam score of a requirement (float; None: no exam sat).")
        .def_property_readonly("need", [](const ReasonRef& r) { return reason_need(r.get()); },
                               "What is needed, in the unit of `have`.")
        .def_property_readonly("seconds", [](const ReasonRef& r) {
            const auto& o = r.get().overlapped ? r.get().overlapped : r.get().credited;
            return optional_int(o ? std::optional<std::int64_t>(o->count()) : std::nullopt);
        }, "overlap: the seconds other sessions own; manual_credit: the seconds credited.")
        .def_property_readonly("path", [](const ReasonRef& r) { return text_or_none(r.get().path); },
                               "requirement_not_met: where the requirement sits in the tree (\"requires.all[1]\").")
        .def_property_readonly("requirement", [](const ReasonRef& r) { return text_or_none(r.get().requirement); },
                               "requirement_not_met: its kind (lessons, hours, exam, approval, all, any).")
        .def_property_readonly("exam", [](const ReasonRef& r) { return text_or_none(r.get().exam); },
                               "requirement_not_met of an exam, exam_not_passed: the exam.")
        .def_property_readonly("by", [](const ReasonRef& r) { return text_or_none(r.get().by); },
                               "approved, manual_credit: who gave it.")
        .def_property_readonly("recorded_by", [](const ReasonRef& r) { return text_or_none(r.get().recorded_by); },
                               "approved, manual_credit: who sent the record (a service's authenticated writer).")
        .def_property_readonly("at", [](const ReasonRef& r) {
            return optional_datetime(r.get().at, r.data->program->time_zone_name());
        }, "approved, manual_credit: when (an aware datetime in the programme's zone).")
        .def_property_readonly("reason", [](const ReasonRef& r) { return text_or_none(r.get().note); },
                               "manual_credit, approved: the free text the record gave, if any.")
        .def_property_readonly("sector", [](const ReasonRef& r) { return text_or_none(r.get().sector); })
        .def_property_readonly("category", [](const ReasonRef& r) { return text_or_none(r.get().category); })
        .def("to_dict", [](const ReasonRef& r) { return reason_dict(r.get(), r.data->program->time_zone()); },
             "The reason as in the command line's output (only the fields that apply).")
        .def("explain", [](const ReasonRef& r, const std::string& lang) {
            return text(yanxiu::explain(r.get(), parse_lang_or_throw(lang), r.data->program.get()));
        }, py::arg("lang") = "zh", "The reason in words, as the command line's --explain (lang 'zh' or 'en').")
        .def("__eq__", [](const ReasonRef& a, const ReasonRef& b) { return a.get() == b.get(); }, py::is_operator())
        .def("__repr__", [](const ReasonRef& ref) {
            const yanxiu::Reason& r = ref.get();
            std::string s = "yanxiu.Reason(code=" + py_quoted(yanxiu::to_string(r.code));
            if (!r.lesson.empty()) s += ", lesson=" + py_quoted(r.lesson);
            if (!r.path.empty()) s += ", path=" + py_quoted(r.path);
            if (!r.exam.empty()) s += ", exam=" + py_quoted(r.exam);
            if (py::object have = reason_have(r); !have.is_none()) s += ", have=" + reason_value_repr(have);
            if (py::object need = reason_need(r); !need.is_none()) s += ", need=" + reason_value_repr(need);
            if (r.overlapped) s += ", seconds=" + std::to_string(r.overlapped->count());
            if (r.credited) s += ", seconds=" + std::to_string(r.credited->count());
            if (!r.by.empty()) s += ", by=" + py_quoted(r.by);
            if (!r.sector.empty()) s += ", sector=" + py_quoted(r.sector);
            if (!r.category.empty()) s += ", category=" + py_quoted(r.category);
            return s + ")";
        });

    py::class_<LessonRef>(m, "LessonResult", "How one studied lesson came out.")
        .def_property_readonly("lesson", [](const LessonRef& l) { return text(l.get().lesson); })
        .def_property_readonly("seconds_counted", [](const LessonRef& l) { return l.get().seconds_counted.count(); },
                               "Seconds after window, as_of, overlap and cap.")
        .def_property_readonly("credited", [](const LessonRef& l) { return l.get().credited; })
        .def_property_readonly("first_instant",
                               [](const LessonRef& l) { return optional_datetime(l.get().first_instant, l.zone()); })
        .def_property_readonly("credited_at",
                               [](const LessonRef& l) { return optional_datetime(l.get().credited_at, l.zone()); })
        .def_property_readonly("credited_from",
                               [](const LessonRef& l) { return optional_datetime(l.get().credited_from, l.zone()); },
                               "The earliest as_of at which an evaluation would credit this lesson, or None.")
        .def("to_dict", [](const LessonRef& l) { return lesson_dict(l.get(), l.data->program->time_zone()); },
             "The lesson as the command line's --explain prints it.")
        .def("__eq__", [](const LessonRef& a, const LessonRef& b) { return a.get() == b.get(); }, py::is_operator())
        .def("__repr__", [](const LessonRef& ref) {
            const yanxiu::LessonResult& l = ref.get();
            return "yanxiu.LessonResult(lesson=" + py_quoted(l.lesson) +
                   ", seconds_counted=" + std::to_string(l.seconds_counted.count()) +
                   ", credited=" + py_bool(l.credited) +
                   ", credited_at=" + optional_instant_repr(l.credited_at, *ref.data->program) + ")";
        });

    py::class_<OutcomeRef>(m, "Outcome", "One participant's evaluation.")
        .def("explain", [](const OutcomeRef& o, const std::string& lang) {
            const yanxiu::Lang l = parse_lang_or_throw(lang);
            py::list out;
            out.append(text(std::string(yanxiu::message(o.get().status, l))));
            for (const auto& reason : o.get().reasons)
                out.append(text(yanxiu::explain(reason, l, o.data->program.get())));
            return out;
        }, py::arg("lang") = "zh",
             "The status in words, then each reason in words (lang 'zh' or 'en').")
        .def_property_readonly("participant", [](const OutcomeRef& o) { return text(o.get().participant); })
        .def_property_readonly("unit", [](const OutcomeRef& o) { return text(o.get().unit); })
        .def_property_readonly("category", [](const OutcomeRef& o) { return text(o.get().category); })
        .def_property_readonly("status", [](const OutcomeRef& o) { return text(yanxiu::to_string(o.get().status)); })
        .def_property_readonly("lessons_credited", [](const OutcomeRef& o) { return o.get().lessons_credited; })
        .def_property_readonly("lessons_required", [](const OutcomeRef& o) { return o.get().lessons_required; })
        .def_property_readonly("seconds_studied", [](const OutcomeRef& o) { return o.get().seconds_studied.count(); })
        .def_property_readonly("seconds_credited", [](const OutcomeRef& o) { return o.get().seconds_credited.count(); })
        .def_property_readonly("hours_credited", [](const OutcomeRef& o) { return o.get().hours_credited; })
        .def_property_readonly("certificate", [](const OutcomeRef& o) { return o.get().certificate; })
        .def_property_readonly("completed_at",
                               [](const OutcomeRef& o) { return optional_datetime(o.get().completed_at, o.zone()); },
                               "When the minimum was reached: an aware datetime in the programme's zone, or None.")
        .def_property_readonly("started_from",
                               [](const OutcomeRef& o) { return optional_datetime(o.get().started_from, o.zone()); },
                               "The earliest as_of at which the status would no longer be not_started, or None.")
        .def_property_readonly("completed_from",
                               [](const OutcomeRef& o) { return optional_datetime(o.get().completed_from, o.zone()); },
                               "The earliest as_of at which the status would be completed, or None.")
        .def_property_readonly("reasons", [](const OutcomeRef& o) {
            py::list out;
            for (std::size_t i = 0; i < o.get().reasons.size(); ++i) out.append(py::cast(ReasonRef{o.data, o.index, i}));
            return out;
        })
        .def_property_readonly("lessons", [](const OutcomeRef& o) {
            py::list out;
            for (std::size_t i = 0; i < o.get().lessons.size(); ++i) out.append(py::cast(LessonRef{o.data, o.index, i}));
            return out;
        }, "Each studied lesson, by lesson id.")
        .def_property_readonly("requirements", [](const OutcomeRef& o) { return requirement_list(o.get(), o.data->program->time_zone()); },
                               "Each node of the category's requirement tree in tree order, as dicts {path, kind, "
                               "holds, have, need}; empty for a bare lesson count.")
        .def_property_readonly("hours_by_group", [](const OutcomeRef& o) {
            py::dict out;
            for (const yanxiu::GroupHours& g : o.get().group_hours) out[text(g.group)] = g.hours;
            return out;
        }, "Credited hours by group (module), after the lesson and group caps, where the programme has groups.")
        .def(
            "to_dict",
            [](const OutcomeRef& o, bool include_lessons) {
                return json_to_py(yanxiu::to_json(o.get(), o.data->program->time_zone(), with_lessons(include_lessons)));
            },
            py::arg("include_lessons") = false,
            "The outcome as the command line prints it; with include_lessons (the command line's --explain), "
            "also each studied lesson.")
        .def("__eq__", [](const OutcomeRef& a, const OutcomeRef& b) { return a.get() == b.get(); }, py::is_operator())
        .def("__repr__", [](const OutcomeRef& ref) {
            const yanxiu::Outcome& o = ref.get();
            return "yanxiu.Outcome(participant=" + py_quoted(o.participant) + ", unit=" + py_quoted(o.unit) +
                   ", category=" + py_quoted(o.category) + ", status=" + py_quoted(yanxiu::to_string(o.status)) +
                   ", lessons_credited=" + std::to_string(o.lessons_credited) +
                   ", lessons_required=" + std::to_string(o.lessons_required) +
                   ", hours_credited=" + float_repr(o.hours_credited) + ", certificate=" + py_bool(o.certificate) +
                   ", completed_at=" + optional_instant_repr(o.completed_at, *ref.data->program) + ")";
        });

    py::class_<yanxiu::Rejection>(m, "Rejection", "A record that could not be used, and where it was.")
        .def_property_readonly("file", [](const yanxiu::Rejection& r) { return path_text(r.file); },
                               "The file, or '<participants>' / '<events>' / '<xapi>' for records given in memory.")
        .def_readonly("line", &yanxiu::Rejection::line, "The line (from 1), or the row of in-memory records.")
        .def_property_readonly("field", [](const yanxiu::Rejection& r) { return text_or_none(r.field); },
                               "The field, or None when the whole record is unusable.")
        .def_property_readonly("code", [](const yanxiu::Rejection& r) { return text(yanxiu::to_string(r.code)); })
        .def_property_readonly("message", [](const yanxiu::Rejection& r) { return text(r.message); })
        .def("to_dict", &rejection_dict, "The rejection as a line of the command line's --rejects file.")
        .def("__eq__", [](const yanxiu::Rejection& a, const yanxiu::Rejection& b) { return a == b; },
             py::is_operator())
        .def("__repr__", [](const yanxiu::Rejection& r) {
            return "yanxiu.Rejection(file=" + std::string(py::str(py::repr(path_text(r.file)))) +
                   ", line=" + std::to_string(r.line) + ", field=" + (r.field.empty() ? "None" : py_quoted(r.field)) +
                   ", code=" + py_quoted(yanxiu::to_string(r.code)) + ", message=" + py_quoted(r.message) + ")";
        });

    py::class_<yanxiu::Evaluation, std::shared_ptr<yanxiu::Evaluation>>(m, "_Evaluation",
                                                                       "The result of yanxiu.evaluate (internal).")
        .def_property_readonly("program", [](const yanxiu::Evaluation& d) { return program_of(d); })
        .def_property_readonly("as_of", [](const yanxiu::Evaluation& d) {
            return optional_datetime(d.as_of, d.program->time_zone_name());
        })
        .def("outcomes", [](const std::shared_ptr<yanxiu::Evaluation>& d) { return outcome_list(d); })
        .def("rejections", [](const yanxiu::Evaluation& d) { return d.rejections; })
        .def("summary", [](const yanxiu::Evaluation& d) {
            py::dict s;
            for (const auto& input : d.inputs) s[text(input.name)] = summary_dict(input.summary);
            return s;
        })
        .def("find", [](const std::shared_ptr<yanxiu::Evaluation>& d, const std::string& participant) {
            return find_outcome(d, participant);
        }, py::arg("participant"))
        .def("status_counts", [](const yanxiu::Evaluation& d) {
            py::dict counts;
            for (const char* s : kStatusOrder) counts[s] = 0;
            for (const auto& o : d.outcomes) {
                py::str key = text(yanxiu::to_string(o.status));
                counts[key] = counts[key].cast<std::size_t>() + 1;
            }
            return counts;
        })
        .def("columns", [](const std::shared_ptr<yanxiu::Evaluation>& d) { return frame_columns(d); })
        .def("__len__", [](const yanxiu::Evaluation& d) { return d.outcomes.size(); });
}

EvaluationPtr evaluation_of(const std::shared_ptr<yanxiu::Program>& program, std::vector<yanxiu::Outcome> outcomes,
                            std::optional<yanxiu::Instant> as_of) {
    auto out = std::make_shared<yanxiu::Evaluation>();
    out->program = program;
    out->outcomes = std::move(outcomes);
    out->as_of = as_of;
    return out;
}

}  // namespace yanxiu_python
