// yanxiu.Ledger: the streaming ledger (include/yanxiu/ledger.hpp) for
// services written in Python.  Each record is turned into JSON with the GIL
// held (it is a Python object), then added and evaluated with the GIL
// released; a mutex keeps the C++ ledger, which is not thread-safe, to one
// caller at a time.  Outcomes are the same yanxiu.Outcome objects that
// yanxiu.evaluate returns.

#include "common.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <mutex>

namespace yanxiu_python {

namespace {

/// A Python value as the JSON value a record reader would see.  None and NaN
/// become null (absent); a datetime its ISO 8601 text (naive: read in the
/// programme's zone); a timedelta whole seconds; a date its ISO text (which
/// the reader rejects as bad_timestamp); a mapping an object; a list or tuple
/// an array; a numpy scalar its Python value.  Anything else is an error.
nlohmann::json json_from_python(py::handle value, int depth = 0) {
    PyObject* o = value.ptr();
    if (depth > 64) throw std::invalid_argument("a record nested more than 64 levels deep");
    if (o == Py_None) return nullptr;
    if (PyBool_Check(o)) return o == Py_True;
    if (PyUnicode_Check(o)) {
        Py_ssize_t size = 0;
        const char* utf8 = PyUnicode_AsUTF8AndSize(o, &size);
        if (utf8) return std::string(utf8, static_cast<std::size_t>(size));
        // A lone surrogate: its bytes go on, and the reader rejects them as bad_utf8.
        PyErr_Clear();
        py::object bytes = py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass"));
        if (!bytes) throw py::error_already_set();
        return std::string(py::reinterpret_borrow<py::bytes>(bytes));
    }
    if (PyLong_Check(o)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
        if (!overflow) return static_cast<std::int64_t>(x);
        if (overflow > 0) {
            unsigned long long u = PyLong_AsUnsignedLongLong(o);
            if (!PyErr_Occurred()) return static_cast<std::uint64_t>(u);
            PyErr_Clear();
        }
        double d = PyLong_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            d = overflow > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
        }
        return d;
    }
    if (PyFloat_Check(o)) {
        double x = PyFloat_AS_DOUBLE(o);
        if (std::isnan(x)) return nullptr;
        return x;
    }
    if (PyDict_Check(o)) {
        nlohmann::json out = nlohmann::json::object();
        PyObject *key = nullptr, *item = nullptr;
        Py_ssize_t pos = 0;
        while (PyDict_Next(o, &pos, &key, &item)) {
            if (!PyUnicode_Check(key)) continue;  // a non-str key names no field
            Py_ssize_t size = 0;
            const char* name = PyUnicode_AsUTF8AndSize(key, &size);
            if (!name) {
                PyErr_Clear();
                continue;
            }
            out[std::string(name, static_cast<std::size_t>(size))] = json_from_python(item, depth + 1);
        }
        return out;
    }
    if (PyList_Check(o) || PyTuple_Check(o)) {
        nlohmann::json out = nlohmann::json::array();
        for (py::handle item : value) out.push_back(json_from_python(item, depth + 1));
        return out;
    }
    py::module_ datetime = py::module_::import("datetime");
    if (py::isinstance(value, datetime.attr("datetime")) || py::isinstance(value, datetime.attr("date")))
        return json_from_python(value.attr("isoformat")(), depth);
    if (py::isinstance(value, datetime.attr("timedelta")))
        return static_cast<std::int64_t>(std::floor(value.attr("total_seconds")().cast<double>()));
    py::object mapping = py::module_::import("collections.abc").attr("Mapping");
    if (py::isinstance(value, mapping)) return json_from_python(py::dict(py::reinterpret_borrow<py::object>(value)), depth);
    // numpy scalars (and pandas Timestamps) know how to become Python values.
    if (py::hasattr(value, "isoformat")) return json_from_python(value.attr("isoformat")(), depth);
    if (py::hasattr(value, "item")) {
        py::object plain = value.attr("item")();
        if (plain.ptr() != o) return json_from_python(plain, depth + 1);
    }
    throw py::type_error("a record value must be a str, number, bool, None, datetime or timedelta, not " +
                         std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

/// A record argument: it must be a mapping.
nlohmann::json record_from_python(py::handle record, const char* what) {
    if (!PyDict_Check(record.ptr()) &&
        !py::isinstance(record, py::module_::import("collections.abc").attr("Mapping")))
        throw py::type_error(std::string(what) + " must be a dict, not " +
                             std::string(py::str(py::type::handle_of(record).attr("__name__"))));
    return json_from_python(record);
}

/// Outcomes as the yanxiu.Outcome objects of an evaluation (they point into
/// a shared, immutable EvaluationData, as yanxiu.evaluate's do).
py::list outcome_objects(const std::shared_ptr<yanxiu::Program>& program, std::vector<yanxiu::Outcome> outcomes,
                         std::optional<yanxiu::Instant> as_of) {
    auto data = std::make_shared<EvaluationData>();
    data->program = program;
    data->outcomes = std::move(outcomes);
    data->as_of = as_of;
    return py::cast(data).attr("outcomes")();
}

std::string float_repr(double x) { return std::string(py::str(py::repr(py::float_(x)))); }

class PyLedger {
public:
    explicit PyLedger(std::shared_ptr<yanxiu::Program> program)
        : program_(std::move(program)), ledger_(std::make_unique<yanxiu::Ledger>(*program_)) {}
    PyLedger(std::shared_ptr<yanxiu::Program> program, yanxiu::Ledger ledger)
        : program_(std::move(program)), ledger_(std::make_unique<yanxiu::Ledger>(std::move(ledger))) {}

    std::optional<yanxiu::Rejection> add_participant(py::handle record) {
        nlohmann::json j = record_from_python(record, "a participant");
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->add_participant(j);
    }

    yanxiu::Update add(py::handle event) {
        nlohmann::json j = record_from_python(event, "an event");
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->add(j);
    }

    py::object outcome(const std::string& id, py::handle as_of) {
        auto limit = as_of_instant(as_of);
        std::optional<yanxiu::Outcome> found;
        {
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(mutex_);
            found = ledger_->outcome(id, limit.value_or(yanxiu::kEndOfTime));
        }
        if (!found) return py::none();
        std::vector<yanxiu::Outcome> one;
        one.push_back(std::move(*found));
        return outcome_objects(program_, std::move(one), limit)[0];
    }

    py::list outcomes(py::handle as_of) {
        auto limit = as_of_instant(as_of);
        std::vector<yanxiu::Outcome> all;
        {
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(mutex_);
            all = ledger_->outcomes(limit.value_or(yanxiu::kEndOfTime));
        }
        return outcome_objects(program_, std::move(all), limit);
    }

    py::object snapshot() {
        nlohmann::json j;
        {
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(mutex_);
            j = ledger_->snapshot();
        }
        return json_to_py(j);
    }

    static std::unique_ptr<PyLedger> restore(py::handle snapshot) {
        nlohmann::json j = record_from_python(snapshot, "a snapshot");
        std::unique_ptr<yanxiu::Ledger> ledger;
        {
            py::gil_scoped_release release;
            ledger = std::make_unique<yanxiu::Ledger>(yanxiu::Ledger::restore(j));
        }
        auto program = std::make_shared<yanxiu::Program>(ledger->program());
        return std::make_unique<PyLedger>(std::move(program), std::move(*ledger));
    }

    [[nodiscard]] const std::shared_ptr<yanxiu::Program>& program() const noexcept { return program_; }

    std::size_t participant_count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->participant_count();
    }
    std::size_t event_count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->event_count();
    }

private:
    std::optional<yanxiu::Instant> as_of_instant(py::handle as_of) const {
        py::object seconds = parse_as_of(*program_, as_of);
        if (seconds.is_none()) return std::nullopt;
        return yanxiu::Instant{yanxiu::Seconds{seconds.cast<std::int64_t>()}};
    }

    std::shared_ptr<yanxiu::Program> program_;
    std::unique_ptr<yanxiu::Ledger> ledger_;  // on the heap: PyLedger moves, the ledger stays
    std::mutex mutex_;
};

std::string update_repr(const yanxiu::Update& u) {
    std::string s = "yanxiu.Update(accepted=" + std::string(py_bool(u.accepted)) +
                    ", duplicate=" + py_bool(u.duplicate) + ", participant=" + py_quoted(u.participant) +
                    ", status=" + py_quoted(yanxiu::to_string(u.status)) +
                    ", lessons_credited=" + std::to_string(u.lessons_credited) +
                    ", lessons_required=" + std::to_string(u.lessons_required) +
                    ", seconds_credited=" + std::to_string(u.seconds_credited.count()) +
                    ", hours_credited=" + float_repr(u.hours_credited) +
                    ", completed_now=" + py_bool(u.completed_now);
    if (u.rejection) s += ", rejection=" + std::string(py::str(py::repr(py::cast(*u.rejection))));
    return s + ")";
}

}  // namespace

void bind_ledger(py::module_& m) {
    py::class_<yanxiu::Update>(m, "Update", "What one Ledger.add changed for its participant.")
        .def_readonly("accepted", &yanxiu::Update::accepted, "False when the event was rejected or a duplicate.")
        .def_readonly("duplicate", &yanxiu::Update::duplicate, "The same record was already added.")
        .def_readonly("rejection", &yanxiu::Update::rejection, "Why the event was rejected, or None.")
        .def_property_readonly("participant", [](const yanxiu::Update& u) { return text(u.participant); })
        .def_property_readonly("status", [](const yanxiu::Update& u) { return text(yanxiu::to_string(u.status)); })
        .def_readonly("lessons_credited", &yanxiu::Update::lessons_credited)
        .def_readonly("lessons_required", &yanxiu::Update::lessons_required)
        .def_property_readonly("seconds_credited", [](const yanxiu::Update& u) { return u.seconds_credited.count(); })
        .def_readonly("hours_credited", &yanxiu::Update::hours_credited)
        .def_readonly("completed_now", &yanxiu::Update::completed_now, "This event earned the certificate.")
        .def("__repr__", &update_repr);

    py::class_<PyLedger>(m, "Ledger",
                         "A streaming ledger: participants and events one at a time, in any order; every answer "
                         "equals what yanxiu.evaluate gives on the same records. Safe to share between threads "
                         "(calls are serialised); the GIL is released while it works.")
        .def(py::init<std::shared_ptr<yanxiu::Program>>(), py::arg("program"))
        .def("add_participant", &PyLedger::add_participant, py::arg("record"),
             "Adds a participant record (a dict with the fields of SPEC §4). Returns the Rejection, or None.")
        .def("add", &PyLedger::add, py::arg("event"),
             "Adds a study or quiz event (a dict) and returns its participant's new standing (an Update).")
        .def("outcome", &PyLedger::outcome, py::arg("participant"), py::arg("as_of") = py::none(),
             "The participant's Outcome as of `as_of` (None: no limit), or None if unknown.")
        .def("outcomes", &PyLedger::outcomes, py::arg("as_of") = py::none(),
             "Every participant's Outcome, sorted by id (what yanxiu.evaluate gives).")
        .def("snapshot", &PyLedger::snapshot,
             "Everything needed to resume (the programme and every accepted record), as a dict.")
        .def_static("restore", &PyLedger::restore, py::arg("snapshot"),
                    "Rebuilds a ledger from snapshot(); raises ProgramError on a bad snapshot.")
        .def_property_readonly("program", &PyLedger::program)
        .def_property_readonly("participant_count", &PyLedger::participant_count)
        .def_property_readonly("event_count", &PyLedger::event_count)
        .def("__repr__", [](PyLedger& l) {
            return "yanxiu.Ledger(program=" + py_quoted(l.program()->id()) +
                   ", participants=" + std::to_string(l.participant_count()) +
                   ", events=" + std::to_string(l.event_count()) + ")";
        });

    m.attr("Update").attr("__module__") = "yanxiu";
    m.attr("Ledger").attr("__module__") = "yanxiu";
}

}  // namespace yanxiu_python
