// Links yanxiu::core alone (no compiled library): the rules are header-only.
#include <yanxiu/rules.hpp>

#include <cstdlib>
#include <iostream>

int main() {
    yanxiu::CreditRule credit;  // 45 minutes per 学时, rounded down to 0.1
    const double hours = yanxiu::rule_hours_credited(yanxiu::Seconds{2 * 45 * 60 + 10 * 60}, credit);
    yanxiu::QuizRule quiz;
    quiz.mode = yanxiu::QuizMode::passed;
    const bool passes = yanxiu::rule_quiz_qualifies(quiz, 60, true) && !yanxiu::rule_quiz_qualifies(quiz, 59.5, true);
    yanxiu::Category homeroom;
    homeroom.min_lessons = 10;
    homeroom.certificate = true;
    const bool certified = yanxiu::rule_certificate(homeroom, yanxiu::Seconds{600}, 10);
    std::cout << "core: " << hours << " hours, pass at 60: " << passes << ", certificate: " << certified << '\n';
    return hours == 2.2 && passes && certified ? EXIT_SUCCESS : EXIT_FAILURE;
}
