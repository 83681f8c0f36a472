#pragma once
// Shared by the translation units of yanxiu._core: conversions between C++
// values and Python objects, and the data an evaluation hands to Python.

#include <pybind11/pybind11.h>

#include <yanxiu/yanxiu.hpp>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace yanxiu_python {

namespace py = pybind11;

/// A C++ string as a Python str.  Bytes that are not UTF-8 (say, from a file)
/// become `\xNN` escapes instead of a UnicodeDecodeError.
inline py::str text(std::string_view s) {
    PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
    if (!o) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(o);
}

/// An optional C++ string: None when empty.
inline py::object text_or_none(std::string_view s) {
    if (s.empty()) return py::none();
    return text(s);
}

/// A file name as Python spells it (`os.fsdecode`: undecodable bytes become
/// surrogate escapes, so it equals the path the caller passed).
inline py::str path_text(std::string_view s) {
    PyObject* o = PyUnicode_DecodeFSDefaultAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
    if (!o) {
        PyErr_Clear();
        return text(s);
    }
    return py::reinterpret_steal<py::str>(o);
}

/// A str or path-like argument as the bytes the C++ side opens (`os.fsencode`).
inline std::string path_bytes(py::handle obj) {
    py::object encoded = py::module_::import("os").attr("fsencode")(obj);
    return std::string(py::reinterpret_borrow<py::bytes>(encoded));
}

/// A JSON value as plain Python objects (dict order kept).
template <class Json>
py::object json_to_py(const Json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: return py::none();
        case nlohmann::json::value_t::boolean: return py::bool_(j.template get<bool>());
        case nlohmann::json::value_t::number_integer: return py::int_(j.template get<std::int64_t>());
        case nlohmann::json::value_t::number_unsigned: return py::int_(j.template get<std::uint64_t>());
        case nlohmann::json::value_t::number_float: return py::float_(j.template get<double>());
        case nlohmann::json::value_t::string: return text(j.template get_ref<const std::string&>());
        case nlohmann::json::value_t::array: {
            py::list out;
            for (const auto& x : j) out.append(json_to_py(x));
            return out;
        }
        case nlohmann::json::value_t::object: {
            py::dict out;
            for (auto it = j.begin(); it != j.end(); ++it) out[text(it.key())] = json_to_py(it.value());
            return out;
        }
        default: return py::none();
    }
}

/// An instant as an aware `datetime` in the zone named `zone_name`.
inline py::object datetime_in_zone(yanxiu::Instant t, const std::string& zone_name) {
    py::object zone = py::module_::import("zoneinfo").attr("ZoneInfo")(zone_name);
    return py::module_::import("datetime").attr("datetime").attr("fromtimestamp")(t.time_since_epoch().count(), zone);
}

inline py::object optional_datetime(const std::optional<yanxiu::Instant>& t, const std::string& zone_name) {
    if (!t) return py::none();
    return datetime_in_zone(*t, zone_name);
}

/// A local date as a `datetime.date`.
inline py::object python_date(yanxiu::LocalDate d) {
    return py::module_::import("datetime")
        .attr("date")(static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

/// `repr()` of a C++ string as Python would write the str.
inline std::string py_quoted(std::string_view s) { return std::string(py::str(py::repr(text(s)))); }

/// Python's spelling of a bool in a repr.
inline const char* py_bool(bool b) { return b ? "True" : "False"; }

/// One evaluation (yanxiu::Evaluation), immutable once built and shared by
/// every Python object that points into it.
using EvaluationPtr = std::shared_ptr<const yanxiu::Evaluation>;

/// An evaluation of `outcomes` alone (a Ledger's answers), under `program`.
EvaluationPtr evaluation_of(const std::shared_ptr<yanxiu::Program>& program, std::vector<yanxiu::Outcome> outcomes,
                            std::optional<yanxiu::Instant> as_of);

/// The Program an evaluation was made under, as Python holds programmes.
inline std::shared_ptr<yanxiu::Program> program_of(const yanxiu::Evaluation& e) {
    return std::const_pointer_cast<yanxiu::Program>(e.program);
}

// Defined in inputs.cpp (the one translation unit that uses the datetime C API).

/// Prepares the datetime C API; call once from the module's init.
void init_datetime_api();

/// Python objects as yanxiu records: the one converter that yanxiu.evaluate
/// (lists of dicts), the Ledger and the census all use, so that None, NaN,
/// NaT and pandas.NA are "missing" everywhere, datetimes are instants, and a
/// value of the wrong type is a rejection (bad_type), never an exception.
class RecordConverter {
public:
    /// Looks up the pandas and numpy types in sys.modules (never imports them).
    RecordConverter();
    ~RecordConverter();
    /// Fills `record` from a mapping's items (unknown and non-str keys
    /// ignored); false when `obj` is not a mapping.
    bool convert(py::handle obj, yanxiu::Record& record) const;

    struct Types;
private:
    std::unique_ptr<Types> types_;
};

/// A record argument of the Ledger: a mapping, else TypeError naming `what`.
void record_or_type_error(const RecordConverter& converter, py::handle obj, yanxiu::Record& record, const char* what);

/// Sets the OSError (FileNotFoundError, IsADirectoryError, …) of an
/// io_error, with `filename` the path as the caller gave it.
void set_os_error(const yanxiu::io_error& error, py::handle filename);
/// The same, raised.
[[noreturn]] void raise_os_error(const yanxiu::io_error& error, py::handle filename);

/// Runs `work` (which must not touch Python) on another thread while this
/// one, the GIL released, waits for it and looks for a signal every 50 ms:
/// Ctrl-C sets `cancel`, which the library checks between pieces of work,
/// and raises KeyboardInterrupt within a second.  Exceptions from `work`
/// come back here.  The wait ends as soon as `work` does.
template <class Work>
void run_interruptible(std::atomic<bool>& cancel, Work&& work) {
    std::exception_ptr failure;
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;  // guarded by `mutex`
    std::thread worker([&] {
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
        const std::lock_guard<std::mutex> lock(mutex);
        finished = true;
        done.notify_all();
    });
    bool interrupted = false;
    for (;;) {
        bool over = false;
        {
            py::gil_scoped_release release;
            std::unique_lock<std::mutex> lock(mutex);
            over = done.wait_for(lock, std::chrono::milliseconds(50), [&] { return finished; });
        }
        if (over) break;
        if (!interrupted && PyErr_CheckSignals() != 0) {
            interrupted = true;  // the error stays set until the worker is done
            cancel = true;
        }
    }
    {
        py::gil_scoped_release release;
        worker.join();
    }
    cancel = false;
    if (interrupted) throw py::error_already_set();
    if (failure) std::rethrow_exception(failure);
}

/// A Python `datetime` (aware: as is; naive: wall-clock time in `zone`), a
/// `date` (the end of that local day: the next day's 00:00) or a numpy
/// `datetime64` (naive) as an instant.  nullopt if `obj` is none of these;
/// throws ValueError for NaT.
std::optional<yanxiu::Instant> instant_from_python(py::handle obj, const yanxiu::TimeZone& zone);

/// The `as_of` argument of evaluate: None, an ISO 8601 string (read by
/// yanxiu::parse_as_of: a date means the end of that local day, as on the
/// command line), or what `instant_from_python` takes.
std::optional<yanxiu::Instant> as_of_from_python(const yanxiu::Program& program, py::handle as_of);

// Registration of each translation unit's classes and functions.
void bind_program(py::module_& m);
void bind_inputs(py::module_& m);
void bind_evaluation(py::module_& m);
void bind_ledger(py::module_& m);
void bind_report(py::module_& m);

}  // namespace yanxiu_python
