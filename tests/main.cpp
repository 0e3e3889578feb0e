// The doctest entry point for the one test binary (focus_tests); every other file here is a
// group of test cases named "<area>: <behaviour>".
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
