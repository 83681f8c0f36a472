// yanxiu.report: the unit report of an evaluation, built by the same C++ as
// `yanxiu report`; Python holds it and renders JSON, CSV and HTML.  The
// census is read by the library's Census from a file, or from records
// through the one RecordConverter.

#include "common.hpp"

#include <pybind11/stl.h>

#include <simulate.hpp>
#ifdef YANXIU_HAVE_XLSX
#include <yanxiu/render/report_xlsx.hpp>
#endif

#include <array>

namespace yanxiu_python {

namespace {

struct ReportData {
    explicit ReportData(yanxiu::Report r) : report(std::move(r)) {}
    yanxiu::Report report;
    std::vector<yanxiu::Rejection> census_rejections;
    std::vector<yanxiu::Rejection> contact_rejections;
};

yanxiu::Lang lang_argument(const std::string& lang) {
    if (auto l = yanxiu::parse_lang(lang)) return *l;
    throw py::value_error("lang must be 'zh' or 'en'");
}

/// A census (or contacts) for a report: a file path, records (an iterable
/// of mappings, e.g. a DataFrame's rows), or None.
template <class Reader = yanxiu::Census>
std::optional<Reader> read_census(const yanxiu::Program& program, py::handle census, const char* where = "<census>") {
    std::optional<Reader> out;
    if (census.is_none()) return out;
    out.emplace(program);
    if (py::isinstance<py::str>(census) || py::isinstance<py::bytes>(census) ||
        py::hasattr(census, "__fspath__")) {
        const std::string path = path_bytes(census);
        try {
            py::gil_scoped_release release;
            out->read_file(path);
        } catch (const yanxiu::io_error& e) {
            raise_os_error(e, py::module_::import("os").attr("fspath")(census));
        }
        return out;
    }
    const RecordConverter converter;
    yanxiu::Record record;
    std::size_t row = 0;
    for (py::handle item : py::iter(census)) {
        ++row;
        if (converter.convert(item, record))
            out->add(record, where, row);
        else
            out->reject(where, row, "", yanxiu::RejectCode::malformed, "a record must be a JSON object");
    }
    return out;
}

std::string generated_at_or_now(const yanxiu::Program& program, const std::optional<std::string>& generated_at) {
    return generated_at ? *generated_at : yanxiu::generated_at_text(program);
}

/// An input file of a report: role, path, and its counts where the Evaluation
/// does not hold them (xAPI statements).
using ProvenanceInput = std::tuple<std::string, std::string, std::optional<std::array<std::size_t, 4>>>;

/// A report's provenance as `yanxiu report` writes it (generated_at as
/// yanxiu::provenance_time reads it).
yanxiu::Provenance report_provenance(const yanxiu::Evaluation& evaluation, const yanxiu::Census* census,
                                     const std::optional<std::string>& generated_at,
                                     const std::vector<ProvenanceInput>& files) {
    const yanxiu::Program& program = *evaluation.program;
    auto p = yanxiu::provenance_of(program, evaluation.as_of, yanxiu::generation_instant());
    p.generated_at = yanxiu::provenance_time(generated_at, program.time_zone());
    for (const auto& [role, path, given] : files) {
        std::optional<yanxiu::ReadSummary> counts;
        if (given) {
            counts.emplace();
            counts->read = (*given)[0], counts->accepted = (*given)[1], counts->rejected = (*given)[2],
            counts->duplicates = (*given)[3];
        } else if (role == "census" && census) {
            counts = census->summary();
        } else if (const yanxiu::ReadSummary* s = evaluation.input(role)) {
            counts = *s;
        }
        p.inputs.push_back(yanxiu::hash_file(role, path, counts));
    }
    return p;
}

}  // namespace

void bind_report(py::module_& m) {
    py::class_<ReportData, std::shared_ptr<ReportData>>(m, "_Report", "A unit report (internal; see yanxiu.Report).")
        .def("to_json", [](const ReportData& r) { return text(yanxiu::to_json(r.report).dump()); })
        .def("to_html", [](const ReportData& r, const std::string& lang) {
            return text(yanxiu::to_html(r.report, lang_argument(lang)));
        }, py::arg("lang") = "zh")
        .def("to_csv", [](const ReportData& r, bool bom, const std::string& lang) {
            yanxiu::CsvOptions options;
            options.bom = bom;
            options.lang = lang_argument(lang);
            return py::bytes(yanxiu::to_csv(r.report, options));
        }, py::arg("bom") = false, py::arg("lang") = "zh")
        .def("to_xlsx", [](const ReportData& r, const std::string& lang) {
#ifdef YANXIU_HAVE_XLSX
            yanxiu::XlsxOptions options;
            options.lang = lang_argument(lang);
            std::string bytes;
            {
                py::gil_scoped_release release;
                bytes = yanxiu::to_xlsx(r.report, options);
            }
            return py::bytes(bytes);
#else
            (void)r, (void)lang;
            throw std::runtime_error("this yanxiu was built without yanxiu::xlsx (libxlsxwriter)");
#endif
        }, py::arg("lang") = "zh")
        .def("_configure", [](ReportData& r, bool ranked, const std::string& issuer,
                              const std::optional<std::string>& previous) {
            // As `yanxiu report --no-ranking --issuer --previous` (the previous report's JSON text).
            if (previous) {
                auto j = nlohmann::json::parse(*previous, nullptr, false);
                r.report.previous = yanxiu::previous_report_from_json(j);  // std::invalid_argument -> ValueError
            }
            if (!ranked) yanxiu::without_ranking(r.report);
            r.report.issuer = issuer;
        }, py::arg("ranked"), py::arg("issuer"), py::arg("previous"))
        .def("_contacts", [](ReportData& r, py::handle contacts) {
            // As `yanxiu report --contacts FILE`: after the ranking is set, so the lists follow it.
            auto read = read_census<yanxiu::Contacts>(r.report.program, contacts, "<contacts>");
            if (!read) return;
            yanxiu::add_contacts(r.report, read->rows());
            r.contact_rejections = read->rejections();
        }, py::arg("contacts"))
        .def("contact_rejections", [](const ReportData& r) {
            py::list out;
            for (const auto& rejection : r.contact_rejections) out.append(py::cast(rejection));
            return out;
        })
        .def("census_rejections", [](const ReportData& r) {
            py::list out;
            for (const auto& rejection : r.census_rejections) out.append(py::cast(rejection));
            return out;
        });

    m.def("_report", [](const EvaluationPtr& evaluation, py::handle census_input,
                        const std::optional<std::string>& generated_at,
                        const std::optional<std::vector<ProvenanceInput>>& files) {
        std::optional<yanxiu::Census> census = read_census(*evaluation->program, census_input);
        std::shared_ptr<ReportData> data;
        {
            py::gil_scoped_release release;
            data = std::make_shared<ReportData>(census ? yanxiu::report(*evaluation, &census->rows(), &census->summary())
                                                       : yanxiu::report(*evaluation));
            data->report.generated_at = generated_at_or_now(*evaluation->program, generated_at);
            if (census) data->census_rejections = census->rejections();
            if (files) {
                try {
                    data->report.provenance = report_provenance(*evaluation, census ? &*census : nullptr, generated_at, *files);
                } catch (const yanxiu::io_error&) {
                    // A file gone since it was read: no provenance rather than a wrong one.
                }
            }
        }
        return data;
    }, py::arg("evaluation"), py::arg("census"), py::arg("generated_at"), py::arg("files") = py::none());

    // yanxiu.check_provenance: as `yanxiu provenance FILE`.
    m.def("_check_provenance", [](const std::string& path) {
        yanxiu::ProvenanceCheck check;
        try {
            py::gil_scoped_release release;
            check = yanxiu::check_provenance(path);
        } catch (const yanxiu::io_error& e) {
            throw py::value_error(e.what());
        } catch (const std::runtime_error& e) {
            throw py::value_error(e.what());
        }
        return py::make_tuple(check.files, check.problems, check.embedded);
    }, py::arg("path"));

    // Partial reports (yanxiu.dask): an evaluation's additive counts as JSON,
    // and a report from the sum of several.
    m.def("_report_partial", [](const EvaluationPtr& evaluation) {
        std::string json;
        {
            py::gil_scoped_release release;
            yanxiu::ReportPartial partial =
                yanxiu::report_partial(*evaluation->program, evaluation->outcomes, evaluation->as_of);
            partial.latest_record = evaluation->latest_record;
            json = yanxiu::to_json(partial).dump();
        }
        return text(json);
    }, py::arg("evaluation"));

    // yanxiu.diff: two evaluations of the same records compared.
    m.def("_diff", [](const EvaluationPtr& before, const EvaluationPtr& after) {
        nlohmann::ordered_json j;
        {
            py::gil_scoped_release release;
            j = yanxiu::to_json(yanxiu::diff(*before, *after), after->program->time_zone());
        }
        return json_to_py(j);
    }, py::arg("before"), py::arg("after"));

    m.def("_report_from_partials", [](const std::shared_ptr<yanxiu::Program>& program,
                                      const std::vector<std::string>& partials, py::object as_of_seconds,
                                      py::handle census_input, const std::optional<std::string>& generated_at,
                                      const std::vector<std::pair<std::string, std::array<std::size_t, 4>>>& inputs) {
        std::optional<yanxiu::Instant> as_of;
        if (!as_of_seconds.is_none()) as_of = yanxiu::Instant{yanxiu::Seconds{as_of_seconds.cast<std::int64_t>()}};
        std::optional<yanxiu::Census> census = read_census(*program, census_input);
        std::shared_ptr<ReportData> data;
        {
            py::gil_scoped_release release;
            yanxiu::ReportPartial sum;
            for (const std::string& p : partials) {
                auto j = nlohmann::json::parse(p, nullptr, false);
                sum += yanxiu::report_partial_from_json(j);  // std::invalid_argument -> ValueError
            }
            data = std::make_shared<ReportData>(yanxiu::report(*program, sum, census ? &census->rows() : nullptr, as_of));
            data->report.generated_at = generated_at_or_now(*program, generated_at);
            for (const auto& [name, n] : inputs)
                data->report.inputs.push_back({name, yanxiu::ReadSummary{n[0], n[1], n[2], n[3]}});
            if (census) {
                data->report.inputs.push_back({"census", census->summary()});
                data->census_rejections = census->rejections();
            }
        }
        return data;
    }, py::arg("program"), py::arg("partials"), py::arg("as_of_seconds"), py::arg("census"),
       py::arg("generated_at"), py::arg("inputs"));

    m.def("_simulate", [](const std::shared_ptr<yanxiu::Program>& program, const std::string& out_dir,
                          std::size_t participants, std::uint64_t seed, double malformed_share) {
        if (!(malformed_share >= 0 && malformed_share <= 0.5))
            throw py::value_error("malformed_share must lie between 0 and 0.5");
        yanxiu::SimulationOptions options;
        options.participants = participants;
        options.seed = seed;
        options.malformed_share = malformed_share;
        yanxiu::SimulationFiles files;
        {
            py::gil_scoped_release release;
            files = yanxiu::simulate_to_directory(*program, options, out_dir);
        }
        py::dict out;
        out["participants_jsonl"] = text(files.participants_jsonl);
        out["participants_csv"] = text(files.participants_csv);
        out["events_jsonl"] = text(files.events_jsonl);
        out["events_csv"] = text(files.events_csv);
        out["census_csv"] = text(files.census_csv);
        out["participants"] = files.participants;
        out["events"] = files.events;
        out["malformed"] = files.malformed;
        out["duplicates"] = files.duplicates;
        out["behaviours"] = files.behaviours;
        return out;
    }, py::arg("program"), py::arg("out_dir"), py::arg("participants"), py::arg("seed"), py::arg("malformed_share"));
}

}  // namespace yanxiu_python
