#include <yanxiu/version.hpp>
#include <cstdio>
int main() { std::puts(yanxiu::kVersion); }
