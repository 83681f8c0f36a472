// yanxiu.report: the unit report of an evaluation (SPEC §6), built by the same
// C++ as `yanxiu report`; Python holds it and renders JSON, CSV and HTML.

#include "common.hpp"

#include <yanxiu/report.hpp>

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
}

}  // namespace yanxiu_python
