// Fuzz target: the vocabulary loader (text::Vocab::deserialize) and the tokenisers, fed the same
// bytes. An accepted vocab must serialise back to a text that loads to the same tokens, with each
// token's id its position; tokens of any valid UTF-8 must encode and decode through it.
// Seed corpus: tests/corpus/vocab/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <focus/text/tokenize.h>
#include <focus/text/vocab.h>

#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using focus::fuzz::accepts;
  using focus::fuzz::fuzz_require;
  using focus::text::Vocab;
  const auto text = focus::fuzz::as_text(data, size);

  Vocab vocab;  // the specials only, when the text is no vocab
  if (accepts([&] { vocab = Vocab::deserialize(text, "fuzz.vocab"); })) {
    fuzz_require(vocab.size() >= Vocab::kNumSpecial, "an accepted vocab holds the specials");
    for (std::int64_t i = 0; i < vocab.size(); ++i) {
      fuzz_require(vocab.id(vocab.token(i)) == i, "a token's id is its position");
    }
    const Vocab again = Vocab::deserialize(vocab.serialize(), "resaved.vocab");
    fuzz_require(again.tokens() == vocab.tokens(), "a serialised vocab loads to the same tokens");
  }

  // The same bytes as a sentence: tokenise (valid UTF-8 only), encode, decode.
  std::vector<std::string> words, chars;
  const bool words_ok = accepts([&] { words = focus::text::tokenize(text); });
  const bool chars_ok = accepts([&] { chars = focus::text::tokenize_chars(text); });
  fuzz_require(words_ok == chars_ok, "both tokenisers accept the same texts (valid UTF-8)");
  if (words_ok) {
    const std::vector<std::int64_t> ids = vocab.encode(words, true, true);
    fuzz_require(ids.size() == words.size() + 2, "encode gives one id per token plus <bos> and <eos>");
    (void)vocab.decode(ids);
    (void)focus::text::detokenize(words);
  }
  if (chars_ok) {
    const std::vector<std::string> back = vocab.decode(vocab.encode(chars));
    fuzz_require(back.size() <= chars.size(), "decode gives at most one token per id");
    (void)focus::text::detokenize_chars(chars);
  }
  return 0;
}
