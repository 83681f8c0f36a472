#pragma once
/// \file followup.hpp
/// The list a unit's contact person works through to chase teachers
/// (未完成名单): every participant of a certificate category who has no
/// certificate yet, with their name, standing and what is still missing in
/// words.  Unlike a report, which only counts, this list names people: it
/// is made only when asked for, and yanxiu never prints it anywhere else.

#include <yanxiu/dataset.hpp>
#include <yanxiu/evaluate.hpp>
#include <yanxiu/messages.hpp>
#include <yanxiu/outcome.hpp>

#include <optional>
#include <string>
#include <vector>

namespace yanxiu {

/// One participant still to finish.
struct FollowUpRow {
    std::string participant;
    std::string name;      ///< as the participant record gave it (may be empty)
    std::string unit;
    std::string category;  ///< the category's id
    Status status = Status::not_started;
    int lessons_credited = 0;
    int lessons_required = 0;             ///< 0: the category's requirement is not a lesson count
    double hours_credited = 0;
    std::optional<double> hours_required; ///< where the requirement asks for hours
    std::string missing;                  ///< what is still missing, in the list's language
};

/// What `outcome` still lacks for its certificate, in words: the
/// participant-level reasons (verification, lessons or hours to go, exams,
/// sign-offs), then the lessons whose quiz is missing, failed or came before
/// the study, and those studied too briefly.  Empty when nothing is missing.
[[nodiscard]] std::string missing_text(const Outcome& outcome, const Program& program, Lang lang);

/// The follow-up rows of an evaluation: participants of certificate
/// categories without a certificate, by unit (in byte order of the name)
/// and then by participant id; names are taken from `data`, which the
/// evaluation was made from.
[[nodiscard]] std::vector<FollowUpRow> follow_up(const Evaluation& evaluation, const Dataset& data, Lang lang = Lang::zh);

}  // namespace yanxiu
