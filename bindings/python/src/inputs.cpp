// Records from Python into a yanxiu::Dataset: files (read by the library's
// streaming readers with the GIL released), lists of dicts (row by row
// through the one RecordConverter) and data-frame columns (numpy buffers,
// converted once per column, then added with the GIL released).  Every path
// ends in the same acceptance functions as the command line's readers, so the
// same rejections and counts.  xAPI statements go through the library's one
// mapping (io/xapi.hpp): into the Dataset as `--xapi` reads them, or as
// event records for yanxiu.read_xapi.

#include "common.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <yanxiu/io/xapi.hpp>

// The datetime C API; PyDateTime_IMPORT fills a per-translation-unit table,
// so every use of it stays in this file.
#include <datetime.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>

namespace yanxiu_python {

using yanxiu::Field;
using FieldValue = yanxiu::Value;
using RecordFields = yanxiu::Record;
using yanxiu::ValueType;

void init_datetime_api() {
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI) throw py::error_already_set();
}

namespace {

constexpr std::int64_t kNaT = std::numeric_limits<std::int64_t>::min();  // numpy's NaT as int64

/// Types from optional packages that mean something in a record.  Looked up
/// in sys.modules (never imported: a value of a type whose package is not
/// loaded cannot exist).
}  // namespace

struct RecordConverter::Types {
    py::object nat, na;                                            // pandas.NaT, pandas.NA
    py::object np_bool, np_integer, np_floating, np_datetime64, np_timedelta64;  // numpy scalar types

    Types() {
        py::dict modules = py::module_::import("sys").attr("modules");
        if (modules.contains("pandas")) {
            py::object pd = modules["pandas"];
            nat = py::getattr(pd, "NaT", py::none());
            na = py::getattr(pd, "NA", py::none());
        }
        if (modules.contains("numpy")) {
            py::object np = modules["numpy"];
            np_bool = np.attr("bool_");
            np_integer = np.attr("integer");
            np_floating = np.attr("floating");
            np_datetime64 = np.attr("datetime64");
            np_timedelta64 = np.attr("timedelta64");
        }
    }
    [[nodiscard]] bool is_missing_marker(PyObject* o) const noexcept {
        return o == Py_None || (nat && o == nat.ptr()) || (na && o == na.ptr());
    }
    static bool is_instance(PyObject* o, const py::object& type) {
        if (!type) return false;
        int r = PyObject_IsInstance(o, type.ptr());
        if (r < 0) throw py::error_already_set();
        return r == 1;
    }
};

namespace {

using ForeignTypes = RecordConverter::Types;

/// The wall-clock fields of a date or datetime as seconds since 1970-01-01 00:00.
std::int64_t wall_seconds(PyObject* dt) {
    const date::year_month_day ymd{date::year{PyDateTime_GET_YEAR(dt)},
                                   date::month{static_cast<unsigned>(PyDateTime_GET_MONTH(dt))},
                                   date::day{static_cast<unsigned>(PyDateTime_GET_DAY(dt))}};
    std::int64_t seconds = date::sys_days{ymd}.time_since_epoch().count() * 86400LL;
    if (PyDateTime_Check(dt))
        seconds += PyDateTime_DATE_GET_HOUR(dt) * 3600LL + PyDateTime_DATE_GET_MINUTE(dt) * 60LL +
                   PyDateTime_DATE_GET_SECOND(dt);
    return seconds;
}

/// A datetime's UTC offset in seconds; nullopt when it is naive.
std::optional<std::int64_t> utc_offset_seconds(PyObject* dt) {
    py::object offset = py::reinterpret_steal<py::object>(PyObject_CallMethod(dt, "utcoffset", nullptr));
    if (!offset) throw py::error_already_set();
    if (offset.is_none()) return std::nullopt;
    if (!PyDelta_Check(offset.ptr())) throw py::type_error("utcoffset() did not return a timedelta");
    return PyDateTime_DELTA_GET_DAYS(offset.ptr()) * 86400LL + PyDateTime_DELTA_GET_SECONDS(offset.ptr());
}

/// A numpy datetime64/timedelta64 scalar as whole seconds (kNaT for NaT).
std::int64_t numpy_seconds(PyObject* value, const char* unit) {
    py::object v = py::reinterpret_borrow<py::object>(value);
    return v.attr("astype")(unit).attr("astype")("int64").cast<std::int64_t>();
}

void set_string(PyObject* s, FieldValue& v) {
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(s, &size);
    v.type = ValueType::string;
    if (utf8) {
        v.text.assign(utf8, static_cast<std::size_t>(size));
        return;
    }
    // A lone surrogate: pass its bytes on, and the reader rejects them as bad_utf8.
    PyErr_Clear();
    py::object bytes = py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass"));
    if (!bytes) throw py::error_already_set();
    v.text = std::string(py::reinterpret_borrow<py::bytes>(bytes));
}

void set_integer(PyObject* n, FieldValue& v) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(n, &overflow);
    if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (!overflow) {
        v.type = ValueType::integer, v.integer = x;
        return;
    }
    if (overflow > 0) {
        unsigned long long u = PyLong_AsUnsignedLongLong(n);
        if (!PyErr_Occurred()) {
            v.type = ValueType::unsigned_integer, v.unsigned_integer = u;
            return;
        }
        PyErr_Clear();
    }
    // Beyond 64 bits: a float, as a JSON parser reads it (infinite if too large).
    double d = PyLong_AsDouble(n);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        d = overflow > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    }
    v.type = ValueType::number, v.number = d;
}

void set_number(double x, FieldValue& v) {
    if (std::isnan(x)) return;  // NaN: a missing value (pandas' spelling of "none")
    v.type = ValueType::number, v.number = x;
}

/// Fills `v` from one Python value, as a JSON value of the same kind would.
/// None, NaN, NaT and pandas.NA leave it absent.  A datetime becomes the text
/// of a timestamp (aware: the instant in UTC; naive: wall-clock time, read in
/// the programme's zone); a timedelta whole seconds.  Anything else that is
/// not a str, bool or number (a list, a dict, bytes) is a value of the wrong
/// type, and the record is rejected `bad_type`.
void field_from_python(PyObject* o, FieldValue& v, const ForeignTypes& types) {
    v.from_text = false;
    if (types.is_missing_marker(o)) return;
    if (PyBool_Check(o)) {
        v.type = ValueType::boolean, v.boolean = (o == Py_True);
        return;
    }
    if (PyUnicode_Check(o)) return set_string(o, v);
    if (PyLong_Check(o)) return set_integer(o, v);
    if (PyFloat_Check(o)) return set_number(PyFloat_AS_DOUBLE(o), v);
    if (PyDateTime_Check(o)) {
        const std::int64_t wall = wall_seconds(o);
        const auto offset = utc_offset_seconds(o);
        v.type = ValueType::string;
        v.text = yanxiu::format_epoch_seconds(offset ? wall - *offset : wall, offset.has_value());
        return;
    }
    if (PyDelta_Check(o)) {
        v.type = ValueType::integer;
        v.integer = PyDateTime_DELTA_GET_DAYS(o) * 86400LL + PyDateTime_DELTA_GET_SECONDS(o);
        return;
    }
    if (PyDate_Check(o)) {
        // A date is not an instant; as text the reader says so (bad_timestamp).
        v.type = ValueType::string;
        v.text = yanxiu::format_epoch_seconds(wall_seconds(o), false).substr(0, 10);
        return;
    }
    if (ForeignTypes::is_instance(o, types.np_bool)) {
        int truth = PyObject_IsTrue(o);
        if (truth < 0) throw py::error_already_set();
        v.type = ValueType::boolean, v.boolean = truth == 1;
        return;
    }
    if (ForeignTypes::is_instance(o, types.np_integer)) {
        py::object n = py::reinterpret_steal<py::object>(PyNumber_Index(o));
        if (!n) throw py::error_already_set();
        return set_integer(n.ptr(), v);
    }
    if (ForeignTypes::is_instance(o, types.np_floating)) {
        double x = PyFloat_AsDouble(o);
        if (x == -1.0 && PyErr_Occurred()) throw py::error_already_set();
        return set_number(x, v);
    }
    if (ForeignTypes::is_instance(o, types.np_datetime64)) {
        std::int64_t s = numpy_seconds(o, "datetime64[s]");
        if (s == kNaT) return;
        v.type = ValueType::string, v.text = yanxiu::format_epoch_seconds(s, false);
        return;
    }
    if (ForeignTypes::is_instance(o, types.np_timedelta64)) {
        std::int64_t s = numpy_seconds(o, "timedelta64[s]");
        if (s == kNaT) return;
        v.type = ValueType::integer, v.integer = s;
        return;
    }
    v.type = ValueType::nested;
}

/// Fills `fields` from a mapping's items (unknown and non-str keys ignored).
/// Returns false when `record` is not a mapping.
bool fields_from_record(py::handle record, RecordFields& fields, const ForeignTypes& types,
                        const py::object& mapping_type) {
    fields.clear();
    auto set = [&](PyObject* key, PyObject* value) {
        if (!PyUnicode_Check(key)) return;
        Py_ssize_t size = 0;
        const char* name = PyUnicode_AsUTF8AndSize(key, &size);
        if (!name) {
            PyErr_Clear();  // a key with a lone surrogate names no field
            return;
        }
        if (auto field = yanxiu::field_from_header(std::string_view(name, static_cast<std::size_t>(size))))
            field_from_python(value, fields.slot(*field), types);
    };
    if (PyDict_Check(record.ptr())) {
        py::object keep = py::reinterpret_borrow<py::object>(record);
        PyObject *key = nullptr, *value = nullptr;
        Py_ssize_t pos = 0;
        while (PyDict_Next(record.ptr(), &pos, &key, &value)) set(key, value);
        return true;
    }
    if (!ForeignTypes::is_instance(record.ptr(), mapping_type)) return false;
    for (py::handle item : py::iter(record.attr("items")())) {
        py::tuple pair = py::reinterpret_borrow<py::tuple>(item);
        set(pair[0].ptr(), pair[1].ptr());
    }
    return true;
}

/// What the text views of a table's columns point into, kept while its rows
/// are added: private copies of the object arrays (each holds a reference to
/// every cell, so no other thread can free a string being read) and the
/// bytes of strings that have no UTF-8 form of their own (lone surrogates).
struct Borrowed {
    std::vector<py::object> arrays;
    std::deque<std::string> bytes;
};

/// A column from a 1-D numpy array of Python objects: when every cell is a
/// str or missing (the usual case), views of the strings' own UTF-8 (no copy);
/// when every cell is a bool or missing (pandas' object column of True,
/// False and NaN), booleans; else one value per cell.
yanxiu::RecordColumn column_from_objects(std::string name, const py::array& array, const ForeignTypes& types,
                                         Borrowed& borrowed) {
    if (array.ndim() != 1 || array.dtype().kind() != 'O')
        throw std::invalid_argument("column '" + name + "': expected a 1-D array of objects");
    // A private, contiguous copy: it holds its own reference to every cell.
    py::array own = py::array::ensure(py::module_::import("numpy").attr("array")(array, py::arg("copy") = true));
    if (!own) throw py::error_already_set();
    borrowed.arrays.push_back(own);
    const auto n = static_cast<std::size_t>(own.shape(0));
    auto* const* cells = static_cast<PyObject* const*>(own.data());
    enum class Kind { unknown, text, boolean } kind = Kind::unknown;
    std::vector<std::string_view> views;
    std::vector<std::uint8_t> booleans;
    std::vector<std::uint8_t> missing;
    const std::size_t surrogates_before = borrowed.bytes.size();
    auto mark_missing = [&](std::size_t i) {
        if (missing.empty()) missing.assign(n, 0);
        missing[i] = 1;
    };
    auto mixed = [&] {
        std::vector<FieldValue> values(n);
        for (std::size_t k = 0; k < n; ++k) field_from_python(cells[k], values[k], types);
        return yanxiu::RecordColumn::of_values(std::move(name), std::move(values));
    };
    for (std::size_t i = 0; i < n; ++i) {
        PyObject* o = cells[i];
        if (PyUnicode_Check(o)) {
            if (kind == Kind::boolean) return mixed();
            if (kind == Kind::unknown) kind = Kind::text, views.resize(n);
            Py_ssize_t size = 0;
            if (const char* utf8 = PyUnicode_AsUTF8AndSize(o, &size)) {
                views[i] = std::string_view(utf8, static_cast<std::size_t>(size));
                continue;
            }
            // A lone surrogate: its bytes are passed on, and the reader rejects them as bad_utf8.
            FieldValue v;
            set_string(o, v);
            views[i] = borrowed.bytes.emplace_back(std::move(v.text));
            continue;
        }
        if (PyBool_Check(o)) {
            if (kind == Kind::text) return mixed();
            if (kind == Kind::unknown) kind = Kind::boolean, booleans.resize(n);
            booleans[i] = o == Py_True;
            continue;
        }
        if (o == Py_None || (PyFloat_CheckExact(o) && std::isnan(PyFloat_AS_DOUBLE(o)))) {  // pandas' NaN, mostly
            mark_missing(i);
            continue;
        }
        FieldValue v;
        field_from_python(o, v, types);
        if (v.type != ValueType::absent) return mixed();  // a value of another type
        mark_missing(i);  // NaT, pd.NA, a numpy NaN
    }
    if (kind == Kind::boolean)
        return yanxiu::RecordColumn::of_booleans(std::move(name), std::move(booleans), std::move(missing));
    if (kind == Kind::unknown) views.resize(n);  // every cell missing
    auto column = yanxiu::RecordColumn::of_text_views(std::move(name), std::move(views), std::move(missing));
    column.valid_utf8 = borrowed.bytes.size() == surrogates_before;  // a str's own UTF-8 is valid
    return column;
}

template <class T>
std::vector<T> copy_array(const py::handle& values, std::size_t rows, const std::string& name) {
    auto array = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!array) throw py::error_already_set();
    if (array.ndim() != 1 || static_cast<std::size_t>(array.shape(0)) != rows)
        throw std::invalid_argument("column '" + name + "' has the wrong shape");
    const T* data = array.data();
    return std::vector<T>(data, data + rows);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

/// One column handed over by yanxiu._evaluation: (name, kind, values, missing).
yanxiu::RecordColumn column_from_python(const py::handle& spec, std::size_t rows, const ForeignTypes& types,
                                        Borrowed& borrowed) {
    py::tuple t = py::reinterpret_borrow<py::tuple>(spec);
    if (t.size() != 4) throw std::invalid_argument("a column is (name, kind, values, missing)");
    std::string name = t[0].cast<std::string>();
    std::string kind = t[1].cast<std::string>();
    py::object values = t[2];
    std::vector<std::uint8_t> missing;
    if (!t[3].is_none()) missing = copy_array<std::uint8_t>(t[3], rows, name);

    if (kind == "category") {
        // (codes, categories): each category converted once, as a cell of an object column would be.
        py::tuple pair = py::reinterpret_borrow<py::tuple>(values);
        std::vector<std::int32_t> codes = copy_array<std::int32_t>(pair[0], rows, name);
        auto categories = py::array::ensure(py::module_::import("numpy").attr("ascontiguousarray")(pair[1]));
        if (!categories || categories.ndim() != 1 || categories.dtype().kind() != 'O')
            throw std::invalid_argument("column '" + name + "': the categories must be a 1-D array of objects");
        auto* const* cells = static_cast<PyObject* const*>(categories.data());
        std::vector<FieldValue> distinct(static_cast<std::size_t>(categories.shape(0)));
        for (std::size_t k = 0; k < distinct.size(); ++k)
            field_from_python(cells[k], distinct[k], types);
        for (std::size_t i = 0; i < missing.size(); ++i)
            if (missing[i]) codes[i] = -1;
        return yanxiu::RecordColumn::of_categories(name, std::move(distinct), std::move(codes));
    }
    if (kind == "object") {
        auto array = py::array::ensure(values);
        if (!array) throw py::error_already_set();
        auto column = column_from_objects(name, array, types, borrowed);
        if (!missing.empty()) {
            if (column.missing.empty()) column.missing.assign(rows, 0);
            for (std::size_t i = 0; i < rows; ++i) column.missing[i] = column.missing[i] || missing[i];
        }
        return column;
    }
    if (kind == "int64") return yanxiu::RecordColumn::of_integers(name, copy_array<std::int64_t>(values, rows, name), std::move(missing));
    if (kind == "float64") {
        auto column = yanxiu::RecordColumn::of_numbers(name, copy_array<double>(values, rows, name));
        column.missing = std::move(missing);
        return column;
    }
    if (kind == "bool") return yanxiu::RecordColumn::of_booleans(name, copy_array<std::uint8_t>(values, rows, name), std::move(missing));
    if (kind == "instant_ns" || kind == "local_ns" || kind == "timedelta_ns") {
        std::vector<std::int64_t> cells = copy_array<std::int64_t>(values, rows, name);
        if (missing.empty()) missing.assign(rows, 0);
        bool any_missing = false;
        for (std::size_t i = 0; i < rows; ++i) {
            if (cells[i] == kNaT) missing[i] = 1;
            if (missing[i]) any_missing = true;
            else cells[i] = floor_div(cells[i], 1000000000);  // fractions of a second are dropped
        }
        if (!any_missing) missing.clear();
        if (kind == "instant_ns") return yanxiu::RecordColumn::of_instants(name, std::move(cells), std::move(missing));
        if (kind == "local_ns") return yanxiu::RecordColumn::of_local_times(name, std::move(cells), std::move(missing));
        return yanxiu::RecordColumn::of_integers(name, std::move(cells), std::move(missing));
    }
    throw std::invalid_argument("column '" + name + "': unknown column kind '" + kind + "'");
}

/// The `lesson` argument of the xAPI functions: how an object id names a lesson.
yanxiu::XapiOptions xapi_options(const std::string& lesson) {
    if (auto options = yanxiu::XapiOptions::parse(lesson)) return *options;
    throw py::value_error("xapi lesson mapping must be 'last_segment', 'whole_iri' or 'query:PARAM', not " +
                          py_quoted(lesson));
}

/// A read of statements as a dict: read = mapped + ignored + rejected + duplicates.
py::dict xapi_summary_dict(const yanxiu::XapiSummary& s) {
    py::dict d;
    d["read"] = s.read;
    d["mapped"] = s.mapped;
    d["ignored"] = s.ignored;
    d["rejected"] = s.rejected;
    d["duplicates"] = s.duplicates;
    d["voided"] = s.voided;
    d["pages"] = s.pages;
    d["sessions"] = s.sessions;
    py::dict by_verb;
    for (const auto& [verb, n] : s.ignored_by_verb) by_verb[text(verb)] = n;
    d["ignored_by_verb"] = by_verb;
    return d;
}

/// A record's fields as a dict, in field order (absent ones left out): the
/// dict yanxiu.evaluate would read back as the same record.
py::dict record_dict(const yanxiu::Record& record) {
    py::dict d;
    for (std::size_t i = 0; i < yanxiu::kFieldCount; ++i) {
        const FieldValue& v = record.values()[i];
        py::str name = text(yanxiu::field_name(static_cast<Field>(i)));
        switch (v.type) {
            case ValueType::string: d[name] = text(v.text); break;
            case ValueType::boolean: d[name] = py::bool_(v.boolean); break;
            case ValueType::integer: d[name] = py::int_(v.integer); break;
            case ValueType::unsigned_integer: d[name] = py::int_(v.unsigned_integer); break;
            case ValueType::number: d[name] = py::float_(v.number); break;
            case ValueType::null: d[name] = py::none(); break;
            default: break;  // absent (or nested, which no mapped statement gives)
        }
    }
    return d;
}

/// Statements mapped to event records (yanxiu::xapi_events) with the GIL
/// released: ([(line, record dict)], [Rejection], summary dict).
/// What xapi_events gave, as (events as (line, record) pairs, rejections, summary).
py::tuple mapped_tuple(const yanxiu::XapiEvents& mapped) {
    py::list events;
    for (const auto& e : mapped.events) events.append(py::make_tuple(e.line, record_dict(e.record)));
    return py::make_tuple(events, py::cast(mapped.rejections), xapi_summary_dict(mapped.summary));
}

py::tuple map_statements(const yanxiu::Program& program, const py::bytes& statements, const py::object& file,
                         const std::string& lesson) {
    const yanxiu::XapiOptions options = xapi_options(lesson);
    const std::string text_bytes = statements;
    const std::string name = path_bytes(file);
    yanxiu::XapiEvents mapped;
    std::atomic<bool> cancel{false};  // the mapping runs to its end; Ctrl-C is raised after it
    run_interruptible(cancel, [&] { mapped = yanxiu::xapi_events(text_bytes, name, program, options); });
    return mapped_tuple(mapped);
}

/// The same for a file, read by the library (encodings recognised, size checked).
py::tuple map_statements_file(const yanxiu::Program& program, const py::object& path, const std::string& lesson) {
    const yanxiu::XapiOptions options = xapi_options(lesson);
    const std::string bytes_path = path_bytes(path);
    yanxiu::XapiEvents mapped;
    std::atomic<bool> cancel{false};
    try {
        run_interruptible(cancel, [&] { mapped = yanxiu::xapi_events_file(bytes_path, program, options); });
    } catch (const yanxiu::io_error& e) {
        raise_os_error(e, py::module_::import("os").attr("fspath")(path));
    }
    return mapped_tuple(mapped);
}

/// One evaluation's records, filled from Python, then evaluated.
class DatasetBuilder {
public:
    explicit DatasetBuilder(std::shared_ptr<yanxiu::Program> program, unsigned threads = 0)
        : program_(std::move(program)), data_(*program_) {
        data_.cancel = &cancel_;
        data_.read_threads = threads;  // an events file's pieces are parsed on these (0: every core)
    }

    void read_file(bool events, const py::object& path) {
        const std::string bytes_path = path_bytes(path);
        try {
            // The library's streaming readers, as the command line reads files:
            // in pieces, the format from the extension, else sniffed.
            run_interruptible(cancel_, [&] {
                if (events)
                    data_.read_events_file(bytes_path);
                else
                    data_.read_participants_file(bytes_path);
            });
        } catch (const yanxiu::io_error& e) {
            raise_os_error(e, py::module_::import("os").attr("fspath")(path));
        }
    }

    void add_records(bool events, const py::object& records) {
        const RecordConverter converter;
        const char* where = events ? "<events>" : "<participants>";
        RecordFields fields;
        std::size_t row = 0;
        for (py::handle record : py::iter(records)) {
            ++row;
            if (!converter.convert(record, fields)) {
                // Not a mapping: rejected `malformed`, as a line that is not an object.
                const char* message = "a record must be a JSON object";  // as a line that is not one
                if (events)
                    data_.reject_event(where, row, "", yanxiu::RejectCode::malformed, message);
                else
                    data_.reject_participant(where, row, "", yanxiu::RejectCode::malformed, message);
                continue;
            }
            if (events)
                data_.add_event(fields, where, row);
            else
                data_.add_participant(fields, where, row);
        }
    }

    /// xAPI statements from a file (`path`, read as `yanxiu evaluate --xapi`
    /// reads it) or from text (`statements`, named `<xapi>`), after any events.
    py::dict read_xapi(const py::object& path, const py::object& statements, const std::string& lesson) {
        const yanxiu::XapiOptions options = xapi_options(lesson);
        yanxiu::XapiSummary summary;
        if (!path.is_none()) {
            const std::string bytes_path = path_bytes(path);
            try {
                run_interruptible(cancel_, [&] { summary = yanxiu::read_xapi_file(data_, bytes_path, options); });
            } catch (const yanxiu::io_error& e) {
                raise_os_error(e, py::module_::import("os").attr("fspath")(path));
            }
        } else {
            const std::string text_bytes = py::bytes(statements);
            run_interruptible(cancel_, [&] { summary = yanxiu::read_xapi(data_, text_bytes, "<xapi>", options); });
        }
        return xapi_summary_dict(summary);
    }

    /// A DataFrame's columns (yanxiu._evaluation._frame_columns): converted
    /// here, text as views of the strings; the rows are then checked on
    /// `threads` threads with the GIL released.
    void add_columns(bool events, std::size_t rows, const py::list& columns) {
        const ForeignTypes types;
        Borrowed borrowed;
        yanxiu::RecordTable table(rows);
        for (py::handle spec : columns) table.add(column_from_python(spec, rows, types, borrowed));
        run_interruptible(cancel_, [&] {
            if (events)
                yanxiu::add_events(data_, table);
            else
                yanxiu::add_participants(data_, table);
        });
    }

    /// `as_of`: Unix seconds (yanxiu._core._parse_as_of), or None.
    EvaluationPtr evaluate(std::optional<std::int64_t> as_of, unsigned threads) {
        yanxiu::EvaluateOptions options;
        if (as_of) options.as_of = yanxiu::Instant{yanxiu::Seconds{*as_of}};
        options.threads = threads;
        options.cancel = &cancel_;
        auto out = std::make_shared<yanxiu::Evaluation>();
        run_interruptible(cancel_, [&] {
            data_.group_events();  // each participant's events side by side (once)
            *out = yanxiu::evaluate(data_, options);
        });
        out->program = program_;  // the Program object Python holds, not a copy
        return out;
    }

    /// Evaluates, then issues certificates (canonical lines): `key` the secret
    /// key file's text, `previous` earlier certificate lines, `issued_at` Unix seconds.
    std::vector<std::string> certify(std::optional<std::int64_t> as_of, unsigned threads, const std::string& key,
                                     const std::string& previous, std::optional<std::int64_t> issued_at,
                                     const std::string& previous_name) {
        const auto signing = yanxiu::SigningKey::parse(key, "key");
        const auto issuer = signing.public_key();
        std::vector<yanxiu::Certificate> before;
        try {
            before = yanxiu::read_certificates(previous, previous_name, &issuer);
        } catch (const std::runtime_error& e) {
            throw py::value_error(e.what());
        }
        const EvaluationPtr evaluation = evaluate(as_of, threads);
        yanxiu::CertifyOptions options;
        if (issued_at) options.issued_at = yanxiu::Instant{yanxiu::Seconds{*issued_at}};
        options.threads = threads;
        std::vector<std::string> lines;
        {
            py::gil_scoped_release release;
            for (const auto& c : yanxiu::certify(*evaluation, data_, signing, before, options)) lines.push_back(c.line());
        }
        return lines;
    }

private:
    std::shared_ptr<yanxiu::Program> program_;  // outlives data_, which points to it
    yanxiu::Dataset data_;
    std::atomic<bool> cancel_{false};  // set by Ctrl-C while a file is read or participants are evaluated
};

}  // namespace

std::optional<yanxiu::Instant> instant_from_python(py::handle obj, const yanxiu::TimeZone& zone) {
    const ForeignTypes types;
    PyObject* o = obj.ptr();
    auto in_zone = [&](std::int64_t wall) {
        return date::floor<yanxiu::Seconds>(
            zone.to_sys(date::local_seconds{yanxiu::Seconds{wall}}, date::choose::earliest));
    };
    if (types.nat && o == types.nat.ptr()) throw py::value_error("NaT is not an instant");
    if (PyDateTime_Check(o)) {
        const std::int64_t wall = wall_seconds(o);
        if (auto offset = utc_offset_seconds(o)) return yanxiu::Instant{yanxiu::Seconds{wall - *offset}};
        return in_zone(wall);
    }
    if (PyDate_Check(o)) return in_zone(wall_seconds(o) + 86400);  // the end of that local day
    if (ForeignTypes::is_instance(o, types.np_datetime64)) {
        std::int64_t s = numpy_seconds(o, "datetime64[s]");
        if (s == kNaT) throw py::value_error("NaT is not an instant");
        return in_zone(s);
    }
    return std::nullopt;
}

std::optional<yanxiu::Instant> as_of_from_python(const yanxiu::Program& program, py::handle as_of) {
    if (as_of.is_none()) return std::nullopt;
    const yanxiu::TimeZone& zone = program.time_zone();
    if (PyUnicode_Check(as_of.ptr())) {
        FieldValue v;
        set_string(as_of.ptr(), v);
        std::string error;
        if (auto t = yanxiu::parse_as_of(v.text, zone, &error)) return t;
        throw std::invalid_argument("as_of " + yanxiu::quoted(v.text) + ": " + error);
    }
    if (auto t = instant_from_python(as_of, zone)) return t;
    throw py::type_error("as_of must be None, an ISO 8601 string, a datetime, a date or a pandas Timestamp, not " +
                         std::string(py::str(py::type::handle_of(as_of).attr("__name__"))));
}

RecordConverter::RecordConverter() : types_(std::make_unique<Types>()) {}
RecordConverter::~RecordConverter() = default;

bool RecordConverter::convert(py::handle obj, yanxiu::Record& record) const {
    // Looked up once and kept for the life of the process (never destroyed
    // after the interpreter is gone).
    static const py::object* mapping_type = new py::object(py::module_::import("collections.abc").attr("Mapping"));
    return fields_from_record(obj, record, *types_, *mapping_type);
}

void record_or_type_error(const RecordConverter& converter, py::handle obj, yanxiu::Record& record, const char* what) {
    if (!converter.convert(obj, record))
        throw py::type_error(std::string(what) + " must be a dict, not " +
                             std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
}

void set_os_error(const yanxiu::io_error& error, py::handle filename) {
    errno = error.code().value();
    PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, filename.ptr());
}

void raise_os_error(const yanxiu::io_error& error, py::handle filename) {
    set_os_error(error, filename);
    throw py::error_already_set();
}

void bind_inputs(py::module_& m) {
    py::class_<DatasetBuilder>(m, "_Dataset", "Records of one evaluation (internal; see yanxiu.evaluate).")
        .def(py::init<std::shared_ptr<yanxiu::Program>, unsigned>(), py::arg("program"), py::arg("threads") = 0)
        .def("read_file", &DatasetBuilder::read_file, py::arg("events"), py::arg("path"))
        .def("add_records", &DatasetBuilder::add_records, py::arg("events"), py::arg("records"))
        .def("add_columns", &DatasetBuilder::add_columns, py::arg("events"), py::arg("rows"), py::arg("columns"))
        .def("read_xapi", &DatasetBuilder::read_xapi, py::arg("path"), py::arg("statements"), py::arg("lesson"))
        .def("evaluate", &DatasetBuilder::evaluate, py::arg("as_of"), py::arg("threads"))
        .def("certify", &DatasetBuilder::certify, py::arg("as_of"), py::arg("threads"), py::arg("key"),
             py::arg("previous"), py::arg("issued_at"), py::arg("previous_name") = "previous");
    m.def(
        "_keygen",
        [](const std::string& path, bool overwrite) {
            const auto key = yanxiu::SigningKey::generate();
            key.save(path, overwrite);
            return key.public_key().id();
        },
        py::arg("path"), py::arg("overwrite"), "Writes a key pair (internal; see yanxiu.keygen).");
    m.def(
        "_verify",
        [](const std::string& pub, const std::vector<std::pair<std::string, std::string>>& files,
           const std::vector<std::pair<std::string, std::string>>& revoked) {
            const auto key = yanxiu::PublicKey::parse(pub, "pub");
            yanxiu::VerifyResult result;
            {
                py::gil_scoped_release release;
                result = yanxiu::verify(key, files, revoked);
            }
            py::list issues;
            for (const auto& i : result.issues) issues.append(py::make_tuple(i.file, i.line, i.id, i.why));
            return py::make_tuple(result.records, result.valid, issues);
        },
        py::arg("pub"), py::arg("files"), py::arg("revoked"), "Verifies certificates (internal; see yanxiu.verify).");
    m.def("_field_from_header", [](const std::string& header) -> py::object {
        if (auto field = yanxiu::field_from_header(header)) return py::str(std::string(yanxiu::field_name(*field)));
        return py::none();
    }, py::arg("header"), "The record field a column header names, or None (internal).");
    m.def("_xapi_events", &map_statements, py::arg("program"), py::arg("statements"), py::arg("file"),
          py::arg("lesson"), "Statements mapped to event records (internal; see yanxiu.read_xapi).");
    m.def("_xapi_events_file", &map_statements_file, py::arg("program"), py::arg("path"), py::arg("lesson"),
          "A statements file mapped to event records (internal; see yanxiu.read_xapi).");
}

}  // namespace yanxiu_python
