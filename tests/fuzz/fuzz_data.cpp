// Fuzz target: the translation-pair reader (data::parse_examples, tab-separated and SCAN lines),
// then the tokenisers on every pair it accepts, as the training programs do. Accepted pairs must
// be non-empty valid UTF-8 that both tokenisers take without error. Seed corpus: tests/corpus/data/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <focus/data/tasks.h>
#include <focus/text/tokenize.h>
#include <focus/text/utf8.h>

#include "fuzz_target.h"

namespace {

void check_text(const std::string& s) {
  using focus::fuzz::fuzz_require;
  fuzz_require(!s.empty(), "an accepted source or target is not empty");
  fuzz_require(focus::text::find_invalid_utf8(s) == std::string::npos, "an accepted source or target is valid UTF-8");
  fuzz_require(s.find('\n') == std::string::npos, "an accepted source or target holds no line feed");
  // Valid UTF-8 never makes a tokeniser throw: anything thrown here escapes as a finding.
  const std::vector<std::string> chars = focus::text::tokenize_chars(s);
  fuzz_require(!chars.empty(), "a non-empty text has character tokens");
  (void)focus::text::detokenize_chars(chars);
  (void)focus::text::detokenize(focus::text::tokenize(s));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<focus::data::Example> examples;
  const auto text = focus::fuzz::as_text(data, size);
  if (!focus::fuzz::accepts([&] { examples = focus::data::parse_examples(text, "fuzz.tsv"); })) return 0;
  focus::fuzz::fuzz_require(!examples.empty(), "an accepted file has examples");
  for (const auto& e : examples) {
    check_text(e.source);
    check_text(e.target);
  }
  return 0;
}
