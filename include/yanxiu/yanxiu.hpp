#pragma once
/// \file yanxiu.hpp
/// The umbrella header: everything yanxiu offers, in its layers.  Light to
/// include: declarations and the header-only core; nlohmann/json is seen
/// through <nlohmann/json_fwd.hpp> only (include <nlohmann/json.hpp> to call
/// `.dump()` on what `to_json` returns).

#include <yanxiu/version.hpp>

// The core, header-only: time, the programme model, records, the rules and the evaluator.
#include <yanxiu/time.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/record.hpp>
#include <yanxiu/dataset.hpp>
#include <yanxiu/outcome.hpp>
#include <yanxiu/rules.hpp>
#include <yanxiu/evaluate.hpp>

// Live evaluation, reports and wording.
#include <yanxiu/ledger.hpp>
#include <yanxiu/durable.hpp>
#include <yanxiu/report.hpp>
#include <yanxiu/followup.hpp>
#include <yanxiu/diff.hpp>
#include <yanxiu/messages.hpp>

// Readers and writers.
#include <yanxiu/io/error.hpp>
#include <yanxiu/io/jsonl.hpp>
#include <yanxiu/io/columns.hpp>
#include <yanxiu/io/xapi.hpp>
#include <yanxiu/io/census.hpp>
#include <yanxiu/io/contacts.hpp>

// Renderings of a report.
#include <yanxiu/render/report_json.hpp>
#include <yanxiu/render/report_csv.hpp>
#include <yanxiu/render/report_html.hpp>
#include <yanxiu/certificate.hpp>
#include <yanxiu/auth.hpp>
#include <yanxiu/provenance.hpp>
#include <yanxiu/render/certificate_html.hpp>
