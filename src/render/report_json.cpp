// A report as JSON.

#include <yanxiu/render/report_json.hpp>

#include <nlohmann/json.hpp>

#include <cmath>

namespace yanxiu {

namespace {

/// `x` rounded to `places` decimals, for stable, readable output.
double rounded(double x, int places) {
    const double scale = std::pow(10.0, places);
    return std::round(x * scale) / scale;
}

/// Adds the figures of `k` to the object `j`.
void add_counts(nlohmann::ordered_json& j, const Counts& k, bool target, const Program& program) {
    j["expected"] = k.expected ? nlohmann::ordered_json(*k.expected) : nullptr;
    j["registered"] = k.registered;
    j["started"] = k.started;
    j["completed"] = k.completed;
    j["unverified"] = k.unverified;
    if (target) {
        auto coverage = k.coverage();
        j["coverage"] = coverage ? nlohmann::ordered_json(rounded(*coverage, 6)) : nullptr;
        j["coverage_base"] = k.coverage_base;
        j["coverage_denominator"] =
            k.denominator == Denominator::none ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(std::string(to_string(k.denominator)));
    }
    auto mean = k.mean_hours();
    j["mean_hours"] = mean ? nlohmann::ordered_json(rounded(*mean, 2)) : nullptr;
    j["hours_credited"] = rounded(k.hours_credited, 1);
    j["seconds_studied"] = k.seconds_studied;
    if (!program.groups().empty()) {
        auto modules = nlohmann::ordered_json::array();
        for (std::size_t g = 0; g < program.groups().size(); ++g) {
            const auto m = k.mean_group_hours(g);
            modules.push_back({{"group", program.groups()[g].id},
                               {"mean_hours", m ? nlohmann::ordered_json(rounded(*m, 2)) : nullptr},
                               {"at_quota", g < k.group_at_quota.size() ? k.group_at_quota[g] : 0}});
        }
        j["modules"] = std::move(modules);
    }
}

nlohmann::ordered_json counts_json(const Counts& k, bool target, const Program& program) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    add_counts(j, k, target, program);
    return j;
}

nlohmann::ordered_json category_json(const CategoryCounts& c, const Program& program) {
    nlohmann::ordered_json j;
    j["category"] = c.category;
    j["target"] = c.target;
    add_counts(j, c.counts, c.target, program);
    return j;
}

nlohmann::ordered_json label_json(const Label& l) {
    return nlohmann::ordered_json{{"zh", l.zh}, {"en", l.en}};
}

/// A contact person's row (only in a report made with contacts).
nlohmann::ordered_json contact_json(const Contact& c) {
    using json = nlohmann::ordered_json;
    json x;
    x["unit"] = c.unit;
    x["name"] = c.name;
    x["title"] = c.title;
    x["phone"] = c.phone;
    x["mobile"] = c.mobile;
    x["wechat"] = c.wechat;
    x["updated_at"] = c.updated_at ? json(format_local_date(*c.updated_at)) : json(nullptr);
    return x;
}

}  // namespace

nlohmann::ordered_json to_json(const Report& r) {
    using json = nlohmann::ordered_json;
    const Program& p = r.program;
    const TimeZone& zone = p.time_zone();
    json j;
    json program;
    program["id"] = p.id();
    program["version"] = p.version();
    program["title"] = label_json(p.title());
    program["authority"] = p.authority();
    program["time_zone"] = p.time_zone_name();
    program["window"] = {{"start", format_local_date(p.window().start_date())},
                         {"end", format_local_date(p.window().end_date())}};
    json categories = json::array();
    for (const Category& c : p.categories())
        categories.push_back({{"id", c.id}, {"label", label_json(c.label)}, {"min_lessons", c.min_lessons},
                              {"certificate", c.certificate}});
    program["categories"] = std::move(categories);
    if (!p.groups().empty()) {
        json groups = json::array();
        for (const Group& g : p.groups())
            groups.push_back({{"id", g.id}, {"label", label_json(g.label)},
                              {"max_hours", g.max_hours ? json(*g.max_hours) : json(nullptr)}});
        program["groups"] = std::move(groups);
    }
    program["quiz"] = {{"mode", to_string(p.quiz().mode)},
                       {"pass_score", p.quiz().pass_score}};
    program["minutes_per_hour"] = p.credit().minutes_per_hour;
    json milestones = json::array();
    for (const Milestone& m : p.milestones())
        milestones.push_back({{"id", m.id}, {"date", format_local_date(m.date)}, {"label", label_json(m.label)}});
    program["milestones"] = std::move(milestones);
    json support = json::array();
    for (const SupportChannel& s : p.support()) {
        json sectors = json::array();
        for (Sector sector : s.sectors) sectors.push_back(to_string(sector));
        support.push_back({{"id", s.id}, {"kind", s.kind}, {"value", s.value}, {"label", label_json(s.label)},
                           {"sectors", std::move(sectors)}});
    }
    program["support"] = std::move(support);
    j["program"] = std::move(program);
    j["as_of"] = r.as_of ? json(format_instant(*r.as_of, zone)) : json(nullptr);
    // What the figures count up to: as_of, or (without it) the latest record read.
    j["latest_record"] = r.latest_record ? json(format_instant(*r.latest_record, zone)) : json(nullptr);
    j["cut_off"] = format_instant(report_cut_off(r), zone);
    j["days_remaining"] = days_remaining(r);
    j["ranked"] = r.ranked;
    if (!r.issuer.empty()) j["issuer"] = r.issuer;
    j["generated_at"] = r.generated_at;
    json inputs = json::object();
    for (const InputCount& in : r.inputs)
        inputs[in.name] = {{"read", in.summary.read}, {"accepted", in.summary.accepted},
                           {"rejected", in.summary.rejected}, {"duplicates", in.summary.duplicates}};
    j["inputs"] = std::move(inputs);
    if (r.provenance) j["provenance"] = r.provenance->to_json();
    j["census"] = r.has_census;

    json totals;
    totals["target"] = counts_json(r.target, true, p);
    totals["recorded"] = counts_json(r.recorded, false, p);
    json by_category = json::array();
    for (const CategoryCounts& c : r.categories) by_category.push_back(category_json(c, p));
    totals["by_category"] = std::move(by_category);
    if (r.previous) {
        json change;
        change["completed"] = static_cast<long long>(r.target.completed) - static_cast<long long>(r.previous->total.completed);
        change["started"] = static_cast<long long>(r.target.started) - static_cast<long long>(r.previous->total.started);
        const auto now = r.target.coverage();
        change["coverage"] = now && r.previous->total.coverage ? json(*now - *r.previous->total.coverage) : json(nullptr);
        totals["change"] = std::move(change);
        j["previous"] = {{"cut_off", r.previous->cut_off}};
    }
    j["totals"] = std::move(totals);

    json units = json::array();
    for (const UnitReport& u : r.units) {
        json x;
        x["rank"] = r.ranked ? json(u.rank) : json(nullptr);
        x["unit"] = u.unit;
        x["target"] = counts_json(u.target, true, p);
        x["recorded"] = counts_json(u.recorded, false, p);
        if (r.previous) {
            // 较上期: the change since the earlier report, or null for a unit it did not have.
            const auto it = r.previous->units.find(u.unit);
            if (it == r.previous->units.end()) {
                x["change"] = nullptr;
            } else {
                json change;
                change["completed"] = static_cast<long long>(u.target.completed) - static_cast<long long>(it->second.completed);
                change["started"] = static_cast<long long>(u.target.started) - static_cast<long long>(it->second.started);
                const auto now = u.target.coverage();
                change["coverage"] = now && it->second.coverage ? json(*now - *it->second.coverage) : json(nullptr);
                x["change"] = std::move(change);
            }
        }
        json cats = json::array();
        for (const CategoryCounts& c : u.categories) cats.push_back(category_json(c, p));
        x["categories"] = std::move(cats);
        if (r.contacts) {
            const Contact* c = r.contacts->find(u.unit);
            x["contact"] = c ? contact_json(*c) : json(nullptr);
        }
        units.push_back(std::move(x));
    }
    j["units"] = std::move(units);

    json daily = json::array();
    for (const DayPoint& d : r.daily) {
        json x;
        x["date"] = format_local_date(d.date);
        x["as_of"] = format_instant(d.as_of, zone);
        if (d.partial) x["partial"] = true;
        x["completed"] = d.completed;
        x["started"] = d.started;
        daily.push_back(std::move(x));
    }
    j["daily"] = std::move(daily);
    json gaps = json::array();
    for (const auto& g : r.census_without_participants)
        gaps.push_back({{"unit", g.unit}, {"category", g.category}, {"expected", g.expected}});
    j["census_without_participants"] = std::move(gaps);
    json missing = json::array();
    for (const auto& g : r.participants_without_census)
        missing.push_back({{"unit", g.unit}, {"category", g.category}, {"registered", g.registered}});
    j["participants_without_census"] = std::move(missing);
    if (r.contacts) {
        // Only in a report asked for with contacts: they name people.
        const ContactCheck& k = *r.contacts;
        json check;
        check["due"] = k.due ? json(format_local_date(*k.due)) : json(nullptr);
        check["without_contact"] = k.without_contact;
        check["updated_late"] = k.updated_late;
        check["not_in_report"] = k.not_in_report;
        json all = json::array();
        for (const auto& [unit, c] : k.by_unit) all.push_back(contact_json(c));
        check["contacts"] = std::move(all);
        j["contacts"] = std::move(check);
    }
    return j;
}


std::string to_json_text(const Report& r) {
    return to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace yanxiu
