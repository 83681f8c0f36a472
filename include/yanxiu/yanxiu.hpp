#pragma once
/// \file yanxiu.hpp
/// The umbrella header: everything yanxiu offers.

#include <yanxiu/version.hpp>
#include <yanxiu/time.hpp>
#include <yanxiu/program.hpp>
#include <yanxiu/rejection.hpp>
#include <yanxiu/records.hpp>
#include <yanxiu/evaluate.hpp>
#include <yanxiu/ledger.hpp>
#include <yanxiu/columns.hpp>
