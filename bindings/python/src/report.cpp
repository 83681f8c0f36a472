// yanxiu.report: the unit report of an evaluation (SPEC §6), built by the same
// C++ as `yanxiu report`; Python holds it and renders JSON, CSV and HTML.

#include "common.hpp"

#include <pybind11/stl.h>

#include <yanxiu/report.hpp>
#include <yanxiu/simulate.hpp>

#include <array>
#include <chrono>
#include <sstream>

namespace yanxiu_python {

namespace {

struct ReportData {
    yanxiu::Report report;
    std::vector<yanxiu::Rejection> census_rejections;
};

yanxiu::Lang parse_lang(const std::string& lang) {
    if (lang == "zh") return yanxiu::Lang::zh;
    if (lang == "en") return yanxiu::Lang::en;
    throw py::value_error("lang must be 'zh' or 'en'");
}

}  // namespace

void bind_report(py::module_& m) {
    py::class_<ReportData, std::shared_ptr<ReportData>>(m, "_Report", "A unit report (internal; see yanxiu.Report).")
        .def("to_json", [](const ReportData& r) { return text(yanxiu::to_json(r.report).dump()); })
        .def("to_html", [](const ReportData& r, const std::string& lang) {
            return text(yanxiu::to_html(r.report, parse_lang(lang)));
        }, py::arg("lang") = "zh")
        .def("to_csv", [](const ReportData& r, bool bom) {
            std::ostringstream out;
            yanxiu::CsvOptions options;
            options.bom = bom;
            yanxiu::write_csv(out, r.report, options);
            return py::bytes(out.str());
        }, py::arg("bom") = false)
        .def("census_rejections", [](const ReportData& r) {
            py::list out;
            for (const auto& rejection : r.census_rejections) out.append(py::cast(rejection));
            return out;
        });

    m.def("_report", [](const std::shared_ptr<EvaluationData>& evaluation, py::object census_object,
                        const std::string& census_name, const std::string& generated_at) {
        auto data = std::make_shared<ReportData>();
        std::optional<std::string> census_text;
        if (!census_object.is_none()) census_text = census_object.cast<std::string>();
        {
            py::gil_scoped_release release;
            std::optional<yanxiu::Census> census;
            if (census_text) {
                census.emplace(*evaluation->program);
                census->read(*census_text, census_name);
                data->census_rejections = census->rejections();
            }
            data->report = yanxiu::report(*evaluation->program, evaluation->outcomes,
                                          census ? &census->rows() : nullptr, evaluation->as_of);
            data->report.generated_at = generated_at;
            data->report.inputs = {{"participants", evaluation->participants}, {"events", evaluation->events}};
            if (census) data->report.inputs.push_back({"census", census->summary()});
        }
        return data;
    }, py::arg("evaluation"), py::arg("census_text"), py::arg("census_name"), py::arg("generated_at"));

    // Partial reports (yanxiu.dask): an evaluation's additive counts as JSON,
    // and a report from the sum of several.
    m.def("_report_partial", [](const std::shared_ptr<EvaluationData>& evaluation) {
        std::string json;
        {
            py::gil_scoped_release release;
            json = yanxiu::to_json(yanxiu::report_partial(*evaluation->program, evaluation->outcomes,
                                                          evaluation->as_of)).dump();
        }
        return text(json);
    }, py::arg("evaluation"));

    m.def("_report_from_partials", [](const std::shared_ptr<yanxiu::Program>& program,
                                      const std::vector<std::string>& partials, py::object as_of_seconds,
                                      py::object census_object, const std::string& census_name,
                                      const std::string& generated_at,
                                      const std::vector<std::pair<std::string, std::array<std::size_t, 4>>>& inputs) {
        auto data = std::make_shared<ReportData>();
        std::optional<yanxiu::Instant> as_of;
        if (!as_of_seconds.is_none()) as_of = yanxiu::Instant{yanxiu::Seconds{as_of_seconds.cast<std::int64_t>()}};
        std::optional<std::string> census_text;
        if (!census_object.is_none()) census_text = census_object.cast<std::string>();
        {
            py::gil_scoped_release release;
            yanxiu::ReportPartial sum;
            for (const std::string& p : partials) {
                auto j = nlohmann::json::parse(p, nullptr, false);
                sum += yanxiu::report_partial_from_json(j);  // std::invalid_argument -> ValueError
            }
            std::optional<yanxiu::Census> census;
            if (census_text) {
                census.emplace(*program);
                census->read(*census_text, census_name);
                data->census_rejections = census->rejections();
            }
            data->report = yanxiu::report(*program, sum, census ? &census->rows() : nullptr, as_of);
            data->report.generated_at = generated_at;
            for (const auto& [name, n] : inputs)
                data->report.inputs.push_back({name, yanxiu::ReadSummary{n[0], n[1], n[2], n[3]}});
            if (census) data->report.inputs.push_back({"census", census->summary()});
        }
        return data;
    }, py::arg("program"), py::arg("partials"), py::arg("as_of_seconds"), py::arg("census_text"),
       py::arg("census_name"), py::arg("generated_at"), py::arg("inputs"));

    m.def("_simulate", [](const std::string& out_dir, std::size_t participants, std::uint64_t seed,
                          double malformed_share) {
        if (!(malformed_share >= 0 && malformed_share <= 0.5))
            throw py::value_error("malformed_share must lie between 0 and 0.5");
        yanxiu::SimulationOptions options;
        options.participants = participants;
        options.seed = seed;
        options.malformed_share = malformed_share;
        yanxiu::SimulationFiles files;
        {
            py::gil_scoped_release release;
            files = yanxiu::simulate_to_directory(options, out_dir);
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
    }, py::arg("out_dir"), py::arg("participants"), py::arg("seed"), py::arg("malformed_share"));
}

}  // namespace yanxiu_python
