// yanxiu._core: the C++ library as a Python extension module.  This file
// holds the module, the exception mapping and the programme classes;
// inputs.cpp turns Python records, data-frame columns and files into a
// Dataset; evaluation.cpp holds the outcomes.

#include "common.hpp"

#include <pybind11/stl.h>

#include <exception>
#include <new>
#include <stdexcept>
#include <system_error>

namespace yanxiu_python {

namespace {

PyObject* g_program_error = nullptr;      // yanxiu.ProgramError(ValueError)
PyObject* g_program_not_found = nullptr;  // yanxiu.ProgramNotFound(ProgramError, LookupError)

void set_error(PyObject* type, std::string_view message) { PyErr_SetObject(type, text(message).ptr()); }

void raise_program_error(PyObject* type, const yanxiu::ProgramError& e) {
    py::object error = py::reinterpret_borrow<py::object>(type)(text(e.what()));
    error.attr("source") = path_text(e.source());
    error.attr("key") = text(e.key());
    PyErr_SetObject(type, error.ptr());
}

/// Maps every C++ exception to a Python one; none escapes as "unknown".
void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const py::error_already_set&) {
        throw;  // already a Python error: pybind11 restores it
    } catch (const py::builtin_exception&) {
        throw;  // pybind11's own (value_error, cast_error, ...)
    } catch (const yanxiu::io_error& e) {
        set_os_error(e, path_text(e.path()));
    } catch (const yanxiu::ProgramNotFound& e) {
        raise_program_error(g_program_not_found, e);
    } catch (const yanxiu::ProgramError& e) {
        raise_program_error(g_program_error, e);
    } catch (const yanxiu::KeyError& e) {
        set_error(PyExc_ValueError, e.what());  // a key file that is missing, exists already or is not a key
    } catch (const std::invalid_argument& e) {
        set_error(PyExc_ValueError, e.what());
    } catch (const std::domain_error& e) {
        set_error(PyExc_ValueError, e.what());
    } catch (const std::out_of_range& e) {
        set_error(PyExc_ValueError, e.what());
    } catch (const nlohmann::json::exception& e) {
        set_error(PyExc_ValueError, e.what());
    } catch (const std::system_error& e) {
        // Includes std::ios_base::failure and std::filesystem errors.
        py::object error = py::reinterpret_borrow<py::object>(PyExc_OSError)(e.code().value(), text(e.what()));
        PyErr_SetObject(PyExc_OSError, error.ptr());
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        set_error(PyExc_RuntimeError, e.what());
    } catch (...) {
        set_error(PyExc_RuntimeError, "yanxiu: an unexpected C++ error (not a std::exception)");
    }
}

/// The one text form of a sector list.
py::list sector_names(const std::vector<yanxiu::Sector>& sectors) {
    py::list out;
    for (yanxiu::Sector s : sectors) out.append(text(yanxiu::to_string(s)));
    return out;
}

yanxiu::Sector sector_argument(const std::string& name) {
    if (name.empty()) return yanxiu::Sector::unknown;
    auto s = yanxiu::parse_sector(name);
    if (!s)
        throw std::invalid_argument("unknown sector '" + name +
                                    "'; expected kindergarten, primary, secondary, secondary_vocational, "
                                    "higher_vocational, undergraduate or other");
    return *s;
}

/// The training window of a programme, with the zone its instants are shown in.
struct WindowView {
    yanxiu::Window window;
    std::string zone_name;
    const yanxiu::TimeZone* zone;
};

using ProgramPtr = std::shared_ptr<yanxiu::Program>;

ProgramPtr load_program(py::handle id_or_path) {
    std::string arg = path_bytes(id_or_path);
    py::gil_scoped_release release;
    return std::make_shared<yanxiu::Program>(yanxiu::Program::load(arg));
}

ProgramPtr program_from_json(py::handle document, const std::string& source, py::handle base_dir) {
    std::string json_text;
    if (py::isinstance<py::str>(document)) {
        // surrogatepass: a lone surrogate reaches the JSON parser as bad UTF-8
        // and is reported there, as in a file.
        py::object encoded = document.attr("encode")("utf-8", "surrogatepass");
        json_text = std::string(py::reinterpret_borrow<py::bytes>(encoded));
    } else if (py::isinstance<py::bytes>(document) || py::isinstance<py::bytearray>(document)) {
        json_text = std::string(py::bytes(py::reinterpret_borrow<py::object>(document)));
    } else {
        // A mapping: through JSON text, so that key order (the order of
        // categories) is kept.
        py::object dumped = py::module_::import("json").attr("dumps")(document, py::arg("ensure_ascii") = false,
                                                                       py::arg("allow_nan") = false);
        py::object encoded = dumped.attr("encode")("utf-8", "surrogatepass");
        json_text = std::string(py::reinterpret_borrow<py::bytes>(encoded));
    }
    std::string dir = path_bytes(base_dir);
    py::gil_scoped_release release;
    return std::make_shared<yanxiu::Program>(yanxiu::Program::from_json(std::string_view(json_text), source, dir));
}

std::string label_repr(const yanxiu::Label& l) {
    return "yanxiu.Label(zh=" + py_quoted(l.zh) + ", en=" + py_quoted(l.en) + ")";
}

}  // namespace

void bind_program(py::module_& m) {
    py::class_<yanxiu::Label>(m, "Label", "A label in Chinese and English.")
        .def_property_readonly("zh", [](const yanxiu::Label& l) { return text(l.zh); })
        .def_property_readonly("en", [](const yanxiu::Label& l) { return text(l.en); })
        .def("to_dict", [](const yanxiu::Label& l) {
            py::dict d;
            d["zh"] = text(l.zh);
            d["en"] = text(l.en);
            return d;
        })
        .def("__repr__", &label_repr);

    py::class_<yanxiu::Category>(m, "Category", "A participant category (the identity chosen at registration).")
        .def_property_readonly("id", [](const yanxiu::Category& c) { return text(c.id); })
        .def_property_readonly("label", [](const yanxiu::Category& c) { return c.label; })
        .def_readonly("min_lessons", &yanxiu::Category::min_lessons)
        .def_readonly("certificate", &yanxiu::Category::certificate)
        .def_property_readonly("sectors", [](const yanxiu::Category& c) { return sector_names(c.sectors); },
                               "Sectors allowed; empty means every sector.")
        .def(
            "allows",
            [](const yanxiu::Category& c, const std::string& sector) { return c.allows(sector_argument(sector)); },
            py::arg("sector"), "Whether a participant of this sector may choose the category ('' = not given).")
        .def("__repr__", [](const yanxiu::Category& c) {
            return "yanxiu.Category(id=" + py_quoted(c.id) + ", min_lessons=" + std::to_string(c.min_lessons) +
                   ", certificate=" + py_bool(c.certificate) + ")";
        });

    py::class_<yanxiu::QuizRule>(m, "QuizRule", "The quiz gate (R5).")
        .def_property_readonly("mode", [](const yanxiu::QuizRule& q) { return text(yanxiu::to_string(q.mode)); })
        .def_readonly("pass_score", &yanxiu::QuizRule::pass_score)
        .def("__repr__", [](const yanxiu::QuizRule& q) {
            return "yanxiu.QuizRule(mode=" + py_quoted(yanxiu::to_string(q.mode)) +
                   ", pass_score=" + std::string(py::str(py::repr(py::float_(q.pass_score)))) + ")";
        });

    py::class_<yanxiu::CreditRule>(m, "CreditRule", "How counted time becomes credited hours (R6).")
        .def_readonly("minutes_per_hour", &yanxiu::CreditRule::minutes_per_hour)
        .def_readonly("hour_step", &yanxiu::CreditRule::hour_step)
        .def_property_readonly("max_hours",
                               [](const yanxiu::CreditRule& c) -> py::object {
                                   if (!c.max_hours) return py::none();
                                   return py::float_(*c.max_hours);
                               })
        .def_readonly("cap_at_lesson_length", &yanxiu::CreditRule::cap_at_lesson_length)
        .def_readonly("min_study_ratio", &yanxiu::CreditRule::min_study_ratio)
        .def("__repr__", [](const yanxiu::CreditRule& c) {
            return "yanxiu.CreditRule(minutes_per_hour=" + std::to_string(c.minutes_per_hour) + ", hour_step=" +
                   std::string(py::str(py::repr(py::float_(c.hour_step)))) + ", max_hours=" +
                   (c.max_hours ? std::string(py::str(py::repr(py::float_(*c.max_hours)))) : "None") +
                   ", cap_at_lesson_length=" + py_bool(c.cap_at_lesson_length) + ", min_study_ratio=" +
                   std::string(py::str(py::repr(py::float_(c.min_study_ratio)))) + ")";
        });

    py::class_<yanxiu::Lesson>(m, "Lesson", "One lesson of the programme's catalogue.")
        .def_property_readonly("id", [](const yanxiu::Lesson& l) { return text(l.id); })
        .def_property_readonly("title", [](const yanxiu::Lesson& l) { return text(l.title); })
        .def_property_readonly("length",
                               [](const yanxiu::Lesson& l) {
                                   return py::module_::import("datetime").attr("timedelta")(
                                       py::arg("seconds") = l.length.count());
                               },
                               "The lesson's length (from `minutes`), a timedelta.")
        .def_property_readonly("theme", [](const yanxiu::Lesson& l) { return text(l.theme); })
        .def_property_readonly("group", [](const yanxiu::Lesson& l) { return text_or_none(l.group); },
                               "The declared group (module) the lesson belongs to, or None.")
        .def_property_readonly("max_hours", [](const yanxiu::Lesson& l) -> py::object {
            if (!l.max_hours) return py::none();
            return py::float_(*l.max_hours);
        }, "The most hours the lesson counts, however long it is studied, or None.")
        .def("__repr__", [](const yanxiu::Lesson& l) {
            return "yanxiu.Lesson(id=" + py_quoted(l.id) + ", title=" + py_quoted(l.title) + ")";
        });

    py::class_<yanxiu::Milestone>(m, "Milestone", "A dated milestone that is not a study rule (R9).")
        .def_property_readonly("id", [](const yanxiu::Milestone& x) { return text(x.id); })
        .def_property_readonly("date", [](const yanxiu::Milestone& x) { return python_date(x.date); })
        .def_property_readonly("label", [](const yanxiu::Milestone& x) { return x.label; })
        .def("__repr__", [](const yanxiu::Milestone& x) {
            return "yanxiu.Milestone(id=" + py_quoted(x.id) + ", date=" + py_quoted(yanxiu::format_local_date(x.date)) + ")";
        });

    py::class_<yanxiu::SupportChannel>(m, "SupportChannel", "A support channel, e.g. a QQ group (R11).")
        .def_property_readonly("id", [](const yanxiu::SupportChannel& x) { return text(x.id); })
        .def_property_readonly("kind", [](const yanxiu::SupportChannel& x) { return text(x.kind); })
        .def_property_readonly("value", [](const yanxiu::SupportChannel& x) { return text(x.value); })
        .def_property_readonly("label", [](const yanxiu::SupportChannel& x) { return x.label; })
        .def_property_readonly("sectors", [](const yanxiu::SupportChannel& x) { return sector_names(x.sectors); })
        .def("__repr__", [](const yanxiu::SupportChannel& x) {
            return "yanxiu.SupportChannel(id=" + py_quoted(x.id) + ", kind=" + py_quoted(x.kind) +
                   ", value=" + py_quoted(x.value) + ")";
        });

    py::class_<WindowView>(m, "Window",
                           "The training window: local dates start_date..end_date, both inclusive; it covers "
                           "the instants [begin, end).")
        .def_property_readonly("start_date", [](const WindowView& w) { return python_date(w.window.start_date()); })
        .def_property_readonly("end_date", [](const WindowView& w) { return python_date(w.window.end_date()); })
        .def_property_readonly("begin", [](const WindowView& w) { return datetime_in_zone(w.window.begin(), w.zone_name); },
                               "The first instant inside the window (an aware datetime).")
        .def_property_readonly("end", [](const WindowView& w) { return datetime_in_zone(w.window.end(), w.zone_name); },
                               "The first instant after the window (an aware datetime).")
        .def_property_readonly("days", [](const WindowView& w) { return w.window.days(); })
        .def(
            "contains",
            [](const WindowView& w, py::handle t) {
                auto instant = instant_from_python(t, *w.zone);
                if (!instant) throw py::type_error("contains() takes a datetime");
                return w.window.contains(*instant);
            },
            py::arg("t"), "Whether the instant lies inside the window (a naive datetime is in the programme's zone).")
        .def("__repr__", [](const WindowView& w) {
            return "yanxiu.Window(start_date=" + py_quoted(yanxiu::format_local_date(w.window.start_date())) +
                   ", end_date=" + py_quoted(yanxiu::format_local_date(w.window.end_date())) + ")";
        });

    py::class_<yanxiu::Program, ProgramPtr>(m, "Program",
                                            "A resolved, validated training programme (immutable; safe to share "
                                            "between threads).")
        .def_static("load", &load_program, py::arg("id_or_path"),
                    "Loads a built-in programme by id, or a programme file by path (resolving `extends`).\n"
                    "Raises ProgramNotFound (a LookupError) or ProgramError (a ValueError).")
        .def_static("from_json", &program_from_json, py::arg("document"), py::arg("source") = "<json>",
                    py::arg("base_dir") = ".",
                    "Builds a programme from JSON text or a dict; `source` names it in errors, and a relative "
                    "`extends` path is resolved against `base_dir`.")
        .def_static("builtin_ids", [] {
            py::list out;
            for (const auto& id : yanxiu::Program::builtin_ids()) out.append(text(id));
            return out;
        }, "The ids of the built-in programmes.")
        .def_static("schema", [] { return json_to_py(yanxiu::Program::schema()); },
                    "The JSON Schema of a resolved programme, as a dict.")
        .def_property_readonly("id", [](const yanxiu::Program& p) { return text(p.id()); })
        .def_property_readonly("version", [](const yanxiu::Program& p) { return text(p.version()); })
        .def_property_readonly("title", [](const yanxiu::Program& p) { return p.title(); })
        .def_property_readonly("authority", [](const yanxiu::Program& p) { return text(p.authority()); })
        .def_property_readonly("time_zone", [](const yanxiu::Program& p) { return text(p.time_zone_name()); },
                               "The IANA name of the programme's time zone.")
        .def_property_readonly("window", [](const yanxiu::Program& p) {
            return WindowView{p.window(), p.time_zone_name(), &p.time_zone()};
        })
        .def_property_readonly("require_verified", &yanxiu::Program::require_verified)
        .def_property_readonly("on_sector_mismatch", [](const yanxiu::Program& p) {
            return text(p.on_sector_mismatch() == yanxiu::SectorMismatchPolicy::reject ? "reject" : "flag");
        })
        .def_property_readonly("categories", [](const yanxiu::Program& p) { return p.categories(); })
        .def(
            "find_category",
            [](const yanxiu::Program& p, const std::string& id) -> std::optional<yanxiu::Category> {
                if (const auto* c = p.find_category(id)) return *c;
                return std::nullopt;
            },
            py::arg("id"), "The category with this id, or None.")
        .def_property_readonly("quiz", [](const yanxiu::Program& p) { return p.quiz(); })
        .def_property_readonly("credit", [](const yanxiu::Program& p) { return p.credit(); })
        .def_property_readonly("lessons", [](const yanxiu::Program& p) { return p.lessons(); },
                               "The lesson catalogue (empty: any lesson id accepted, nothing capped).")
        .def(
            "find_lesson",
            [](const yanxiu::Program& p, const std::string& id) -> std::optional<yanxiu::Lesson> {
                if (const auto* l = p.find_lesson(id)) return *l;
                return std::nullopt;
            },
            py::arg("id"), "The catalogue lesson with this id, or None.")
        .def_property_readonly("themes", [](const yanxiu::Program& p) {
            py::list out;
            for (const auto& t : p.themes()) out.append(text(t));
            return out;
        })
        .def_property_readonly("groups", [](const yanxiu::Program& p) { return json_to_py(p.to_json()["groups"]); },
                               "The declared groups (modules): {id: {label, max_hours}}, in the programme's order.")
        .def_property_readonly("exams", [](const yanxiu::Program& p) { return json_to_py(p.to_json()["exams"]); },
                               "The declared exams: {id: {label, pass_score}}.")
        .def(
            "requirement",
            [](const yanxiu::Program& p, const std::string& category) {
                if (!p.find_category(category)) throw py::key_error("no category '" + category + "' in " + p.id());
                return json_to_py(p.to_json()["categories"][category]["requires"]);
            },
            py::arg("category"), "A category's requirement tree, resolved (min_lessons as {\"lessons\": N}).")
        .def_property_readonly("milestones", [](const yanxiu::Program& p) { return p.milestones(); })
        .def_property_readonly("support", [](const yanxiu::Program& p) { return p.support(); })
        .def("to_dict", [](const yanxiu::Program& p) { return json_to_py(p.to_json()); },
             "The resolved programme as a dict (every key present, defaults filled in).")
        .def("__repr__", [](const yanxiu::Program& p) {
            return "yanxiu.Program(id=" + py_quoted(p.id()) + ", version=" + py_quoted(p.version()) + ")";
        })
        .def(py::pickle(
            [](const yanxiu::Program& p) {
                return py::make_tuple(text(p.to_json().dump()), text(p.id()));
            },
            [](const py::tuple& state) {
                if (state.size() != 2) throw std::invalid_argument("bad pickled yanxiu.Program");
                std::string json_text = state[0].cast<std::string>();
                std::string source = state[1].cast<std::string>();
                return std::make_shared<yanxiu::Program>(yanxiu::Program::from_json(std::string_view(json_text), source));
            }));

    m.def("_parse_as_of", [](const yanxiu::Program& p, py::handle as_of) -> py::object {
        const auto t = as_of_from_python(p, as_of);
        if (!t) return py::none();
        return py::int_(t->time_since_epoch().count());
    }, py::arg("program"), py::arg("as_of"), "An as_of as Unix seconds, or None (internal).");
}

}  // namespace yanxiu_python

PYBIND11_MODULE(_core, m) {
    namespace yp = yanxiu_python;
    m.doc() = "yanxiu's C++ core. Use the `yanxiu` package, not this module.";
    m.attr("__version__") = yanxiu::kVersion;

    yp::g_program_error = PyErr_NewExceptionWithDoc(
        "yanxiu.ProgramError",
        "A bad programme: a bad key, value, file or `extends` chain. `source` names the file or built-in id, "
        "`key` the JSON key.",
        PyExc_ValueError, nullptr);
    if (!yp::g_program_error) throw pybind11::error_already_set();
    pybind11::tuple bases = pybind11::make_tuple(pybind11::handle(yp::g_program_error),
                                                 pybind11::handle(PyExc_LookupError));
    yp::g_program_not_found = PyErr_NewExceptionWithDoc(
        "yanxiu.ProgramNotFound", "No built-in programme and no file of this name.", bases.ptr(), nullptr);
    if (!yp::g_program_not_found) throw pybind11::error_already_set();
    // The module keeps a reference; the globals borrow it for the process's life.
    m.attr("ProgramError") = pybind11::handle(yp::g_program_error);
    m.attr("ProgramNotFound") = pybind11::handle(yp::g_program_not_found);
    pybind11::register_exception_translator(&yp::translate);

    yp::init_datetime_api();
    yp::bind_program(m);
    yp::bind_inputs(m);
    yp::bind_evaluation(m);
    yp::bind_ledger(m);
    yp::bind_report(m);

    // Reprs and help() name the public package, not this module.
    for (const char* name : {"Label", "Category", "QuizRule", "CreditRule", "Lesson", "Milestone", "SupportChannel",
                             "Window", "Program", "Outcome", "Reason", "LessonResult", "Rejection"})
        m.attr(name).attr("__module__") = "yanxiu";
}
