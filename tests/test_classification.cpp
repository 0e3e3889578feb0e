// Classifier scores on a six-example case worked out by hand in the comments, a class nobody
// predicts (zero_division = 0), the text table, and the errors.
#include <doctest/doctest.h>

#include <focus/metrics/classification.h>
#include <focus/tensor/error.h>

using focus::ValueError;
using focus::metrics::classification_table;
using focus::metrics::classify_scores;

TEST_CASE("classification: confusion, per-class precision/recall/F1 and macro averages by hand") {
  // true 0 0 1 1 2 2, predicted 0 1 1 1 2 0:
  //   confusion rows (true) [1 1 0] [0 2 0] [1 0 1]
  //   class 0: p = 1/2, r = 1/2, f1 = 1/2;  class 1: p = 2/3, r = 1, f1 = 0.8;  class 2: p = 1, r = 1/2, f1 = 2/3
  const auto s = classify_scores({0, 1, 1, 1, 2, 0}, {0, 0, 1, 1, 2, 2}, 3);
  CHECK(s.confusion == std::vector<std::vector<std::int64_t>>{{1, 1, 0}, {0, 2, 0}, {1, 0, 1}});
  CHECK(s.precision[0] == doctest::Approx(0.5));
  CHECK(s.precision[1] == doctest::Approx(2.0 / 3));
  CHECK(s.precision[2] == doctest::Approx(1.0));
  CHECK(s.recall == std::vector<double>{0.5, 1.0, 0.5});
  CHECK(s.f1[1] == doctest::Approx(0.8));
  CHECK(s.f1[2] == doctest::Approx(2.0 / 3));
  CHECK(s.support == std::vector<std::int64_t>{2, 2, 2});
  CHECK(s.accuracy == doctest::Approx(4.0 / 6));
  CHECK(s.macro_precision == doctest::Approx((0.5 + 2.0 / 3 + 1.0) / 3));
  CHECK(s.macro_recall == doctest::Approx(2.0 / 3));
  CHECK(s.macro_f1 == doctest::Approx((0.5 + 0.8 + 2.0 / 3) / 3));
  CHECK(s.examples == 6);
}

TEST_CASE("classification: a class never predicted and never present scores 0, not NaN") {
  const auto s = classify_scores({0, 0, 1}, {0, 1, 1}, 3);
  CHECK(s.precision[2] == 0.0);
  CHECK(s.recall[2] == 0.0);
  CHECK(s.f1[2] == 0.0);
  CHECK(s.support[2] == 0);
  CHECK(s.precision[0] == doctest::Approx(0.5));
  CHECK(s.recall[1] == doctest::Approx(0.5));
}

TEST_CASE("classification: the text table lists each class, the averages and the confusion matrix") {
  const auto s = classify_scores({0, 1, 1, 1, 2, 0}, {0, 0, 1, 1, 2, 2}, 3);
  const std::string t = classification_table(s, {"cat", "dog", "bird"});
  CHECK(t.find("dog           0.6667  1.0000  0.8000        2") != std::string::npos);
  CHECK(t.find("accuracy   0.6667") != std::string::npos);
  CHECK(t.find("bird          1     0     1") != std::string::npos);
}

TEST_CASE("classification: mismatched lengths, an out-of-range class, wrong name count are errors") {
  CHECK_THROWS_WITH_AS((void)classify_scores({0, 1}, {0}, 2),
                       "classify_scores: predictions and labels must have the same length; got 2 and 1", ValueError);
  CHECK_THROWS_WITH_AS((void)classify_scores({0, 1}, {0, 3}, 2), "classify_scores: label 3 at index 1 is not in [0, 2)", ValueError);
  CHECK_THROWS_WITH_AS((void)classify_scores({-1}, {0}, 2), "classify_scores: prediction -1 at index 0 is not in [0, 2)", ValueError);
  CHECK_THROWS_WITH_AS((void)classify_scores({}, {}, 0), "classify_scores: num_classes must be at least 1; got 0", ValueError);
  const auto s = classify_scores({0}, {0}, 2);
  CHECK_THROWS_WITH_AS((void)classification_table(s, {"a"}), "classification_table: need one name per class; got 1 names for 2 classes",
                       ValueError);
}
