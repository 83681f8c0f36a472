// yanxiu.Ledger: the streaming ledger (include/yanxiu/ledger.hpp) for
// services written in Python.  Each record becomes a yanxiu::Record through
// the one RecordConverter (as yanxiu.evaluate's dicts do) with the GIL held,
// then is added and evaluated with the GIL released; a mutex keeps the C++
// ledger, which is not thread-safe, to one caller at a time.  Outcomes are
// the same yanxiu.Outcome objects that yanxiu.evaluate returns.

#include "common.hpp"

#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <mutex>

namespace yanxiu_python {

namespace {

/// Outcomes as the yanxiu.Outcome objects of an evaluation (they point into
/// a shared, immutable yanxiu::Evaluation, as yanxiu.evaluate's do).
py::list outcome_objects(const std::shared_ptr<yanxiu::Program>& program, std::vector<yanxiu::Outcome> outcomes,
                         std::optional<yanxiu::Instant> as_of) {
    return py::cast(std::const_pointer_cast<yanxiu::Evaluation>(evaluation_of(program, std::move(outcomes), as_of)))
        .attr("outcomes")();
}

std::string float_repr(double x) { return std::string(py::str(py::repr(py::float_(x)))); }

class PyLedger {
public:
    explicit PyLedger(std::shared_ptr<yanxiu::Program> program)
        : program_(std::move(program)), ledger_(std::make_unique<yanxiu::Ledger>(*program_)) {}
    PyLedger(std::shared_ptr<yanxiu::Program> program, yanxiu::Ledger ledger)
        : program_(std::move(program)), ledger_(std::make_unique<yanxiu::Ledger>(std::move(ledger))) {}

    yanxiu::AddResult add_participant(py::handle record) {
        yanxiu::Record r;
        record_or_type_error(RecordConverter(), record, r, "a participant");
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->add_participant(r);
    }

    yanxiu::Update add(py::handle event) {
        yanxiu::Record r;
        record_or_type_error(RecordConverter(), event, r, "an event");
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->add(r);
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
        nlohmann::ordered_json j;
        {
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(mutex_);
            j = ledger_->snapshot();
        }
        return json_to_py(j);
    }

    static std::unique_ptr<PyLedger> restore(py::handle snapshot) {
        if (!PyDict_Check(snapshot.ptr())) throw py::type_error("a snapshot must be a dict (from Ledger.snapshot())");
        // Through JSON text, as the snapshot was written.
        const std::string dumped =
            py::str(py::module_::import("json").attr("dumps")(snapshot, py::arg("ensure_ascii") = false)).cast<std::string>();
        nlohmann::json j = nlohmann::json::parse(dumped, nullptr, false);
        if (j.is_discarded()) throw std::invalid_argument("a snapshot must be JSON");
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
    std::size_t parked_count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ledger_->parked_count();
    }
    void set_park_limit(std::size_t limit) {
        std::lock_guard<std::mutex> lock(mutex_);
        ledger_->set_park_limit(limit);
    }

private:
    std::optional<yanxiu::Instant> as_of_instant(py::handle as_of) const {
        return as_of_from_python(*program_, as_of);
    }

    std::shared_ptr<yanxiu::Program> program_;
    std::unique_ptr<yanxiu::Ledger> ledger_;  // on the heap: PyLedger moves, the ledger stays
    std::mutex mutex_;
};

std::string update_repr(const yanxiu::Update& u) {
    std::string s = "yanxiu.Update(accepted=" + std::string(py_bool(u.accepted())) +
                    ", duplicate=" + py_bool(u.duplicate()) + ", participant=" + py_quoted(u.participant) +
                    ", status=" + py_quoted(yanxiu::to_string(u.status)) +
                    ", lessons_credited=" + std::to_string(u.lessons_credited) +
                    ", lessons_required=" + std::to_string(u.lessons_required) +
                    ", seconds_credited=" + std::to_string(u.seconds_credited.count()) +
                    ", hours_credited=" + float_repr(u.hours_credited) +
                    ", completed_now=" + py_bool(u.completed_now);
    if (u.parked) s += ", parked=True";
    if (u.rejection) s += ", rejection=" + std::string(py::str(py::repr(py::cast(*u.rejection))));
    return s + ")";
}

}  // namespace

void bind_ledger(py::module_& m) {
    py::class_<yanxiu::AddResult>(m, "AddResult", "What became of one participant record given to Ledger.add_participant.")
        .def_property_readonly("result", [](const yanxiu::AddResult& r) { return text(yanxiu::to_string(r.result)); },
                               "'accepted', 'duplicate' or 'rejected'.")
        .def_property_readonly("accepted", &yanxiu::AddResult::accepted)
        .def_property_readonly("duplicate", &yanxiu::AddResult::duplicate)
        .def_property_readonly("id", [](const yanxiu::AddResult& r) { return text(r.id); },
                               "The record's id as text ('' when it has none).")
        .def_readonly("rejection", &yanxiu::AddResult::rejection, "Why the record was rejected, or None.")
        .def("__bool__", &yanxiu::AddResult::accepted)
        .def("__repr__", [](const yanxiu::AddResult& r) {
            std::string s = "yanxiu.AddResult(result=" + py_quoted(yanxiu::to_string(r.result)) + ", id=" + py_quoted(r.id);
            if (r.rejection) s += ", rejection=" + std::string(py::str(py::repr(py::cast(*r.rejection))));
            return s + ")";
        });

    py::class_<yanxiu::Update>(m, "Update", "What one Ledger.add changed for its participant.")
        .def_property_readonly("result", [](const yanxiu::Update& u) { return text(yanxiu::to_string(u.result)); },
                               "'accepted', 'duplicate' or 'rejected'.")
        .def_property_readonly("accepted", &yanxiu::Update::accepted, "False when the event was rejected or a duplicate.")
        .def_property_readonly("duplicate", &yanxiu::Update::duplicate, "The same record was already added.")
        .def_readonly("rejection", &yanxiu::Update::rejection, "Why the event was rejected, or None.")
        .def_property_readonly("participant", [](const yanxiu::Update& u) { return text(u.participant); })
        .def_property_readonly("status", [](const yanxiu::Update& u) { return text(yanxiu::to_string(u.status)); })
        .def_readonly("lessons_credited", &yanxiu::Update::lessons_credited)
        .def_readonly("lessons_required", &yanxiu::Update::lessons_required)
        .def_property_readonly("seconds_credited", [](const yanxiu::Update& u) { return u.seconds_credited.count(); })
        .def_readonly("hours_credited", &yanxiu::Update::hours_credited)
        .def_readonly("completed_now", &yanxiu::Update::completed_now, "This event earned the certificate.")
        .def_readonly("parked", &yanxiu::Update::parked,
                      "Its participant is not known yet: the event waits (accepted) and applies when they arrive.")
        .def("__repr__", &update_repr);

    py::class_<PyLedger>(m, "Ledger",
                         "A streaming ledger: participants and events one at a time, in any order; every answer "
                         "equals what yanxiu.evaluate gives on the same records. Safe to share between threads "
                         "(calls are serialised); the GIL is released while it works.")
        .def(py::init([](std::shared_ptr<yanxiu::Program> program, std::size_t park_limit) {
                 auto ledger = std::make_unique<PyLedger>(std::move(program));
                 ledger->set_park_limit(park_limit);
                 return ledger;
             }),
             py::arg("program"), py::arg("park_limit") = yanxiu::kDefaultParkLimit,
             "park_limit: how many events may wait for a participant not added yet (0: such events are "
             "rejected unknown_participant).")
        .def("add_participant", &PyLedger::add_participant, py::arg("record"),
             "Adds a participant record (a dict). Returns an AddResult: accepted, duplicate or rejected (with its "
             "Rejection), and the record's id; it is true only when accepted.")
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
        .def_property_readonly("parked_count", &PyLedger::parked_count, "Events waiting for their participant.")
        .def("__repr__", [](PyLedger& l) {
            return "yanxiu.Ledger(program=" + py_quoted(l.program()->id()) +
                   ", participants=" + std::to_string(l.participant_count()) +
                   ", events=" + std::to_string(l.event_count()) + ")";
        });

    m.attr("Update").attr("__module__") = "yanxiu";
    m.attr("AddResult").attr("__module__") = "yanxiu";
    m.attr("Ledger").attr("__module__") = "yanxiu";
}

}  // namespace yanxiu_python
